namespace CnnNative;

/// <summary>One tensor in a <see cref="WeightLoadReport"/>.</summary>
/// <param name="LayerName">The layer the tensor belongs to, e.g. "conv2d_1".</param>
/// <param name="TensorName">The tensor's name within its layer, e.g. "weight" or "running_mean".</param>
/// <param name="Status">What was done with it.</param>
/// <param name="FileShape">Its shape in the file, or null when the file lacks it.</param>
/// <param name="ModelShape">Its shape in the model, or null when the model lacks it.</param>
public sealed record WeightLoadEntry(
    string LayerName, string TensorName, WeightLoadStatus Status, TensorShape? FileShape, TensorShape? ModelShape)
{
    /// <summary>"&lt;layer name&gt;.&lt;tensor name&gt;", the name under which the tensor is stored.</summary>
    public string FullName => $"{LayerName}.{TensorName}";

    /// <summary>E.g. "weight [16, 1, 3, 3] loaded" or "weight mismatched: file [10, 64], model [5, 64]".</summary>
    public override string ToString() => Status switch
    {
        WeightLoadStatus.Loaded => $"{TensorName} {ModelShape} loaded",
        WeightLoadStatus.MissingInFile => $"{TensorName} {ModelShape} skipped (absent in the file)",
        WeightLoadStatus.MissingInModel => $"{TensorName} {FileShape} skipped (absent in the model)",
        _ => $"{TensorName} mismatched: file {FileShape}, model {ModelShape}",
    };
}
