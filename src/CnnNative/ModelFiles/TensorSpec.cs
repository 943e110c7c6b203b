namespace CnnNative;

/// <summary>One entry of a model file's "tensors" array: a tensor's full name and shape.</summary>
/// <param name="Name">"&lt;layer name&gt;.&lt;tensor name&gt;", e.g. "conv2d_1.weight".</param>
/// <param name="Shape">The tensor's shape.</param>
internal sealed record TensorSpec(string Name, TensorShape Shape)
{
    /// <summary>The layer part of <see cref="Name"/>: everything before the last dot.</summary>
    public string LayerName => Name[..Math.Max(0, Name.LastIndexOf('.'))];

    /// <summary>The tensor part of <see cref="Name"/>: everything after the last dot.</summary>
    public string TensorName => Name[(Name.LastIndexOf('.') + 1)..];
}
