using System.Text;

namespace CnnNative;

/// <summary>
/// What <see cref="Sequential.LoadWeights"/> did, tensor by tensor and grouped by layer: loaded, skipped
/// because the file or the model lacks the tensor, or mismatched (same name, different shapes).
/// </summary>
public sealed class WeightLoadReport
{
    private readonly WeightLoadEntry[] _entries;

    internal WeightLoadReport(string path, IEnumerable<WeightLoadEntry> entries)
    {
        Path = path;
        _entries = [.. entries];
        LayerNames = _entries.Select(static e => e.LayerName).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The model file the weights came from.</summary>
    public string Path { get; }

    /// <summary>Every tensor of the model, then every tensor only the file has.</summary>
    public IReadOnlyList<WeightLoadEntry> Entries => _entries;

    /// <summary>The layers the entries belong to: the model's in order, then layers only the file has.</summary>
    public IReadOnlyList<string> LayerNames { get; }

    /// <summary>Tensors whose values were copied into the model.</summary>
    public IReadOnlyList<WeightLoadEntry> Loaded => With(WeightLoadStatus.Loaded);

    /// <summary>Tensors absent in the file or in the model.</summary>
    public IReadOnlyList<WeightLoadEntry> Skipped =>
        [.. _entries.Where(static e => e.Status is WeightLoadStatus.MissingInFile or WeightLoadStatus.MissingInModel)];

    /// <summary>Tensors present in both with different shapes.</summary>
    public IReadOnlyList<WeightLoadEntry> Mismatched => With(WeightLoadStatus.Mismatched);

    /// <summary>True when every tensor of the model was loaded and the file has no others.</summary>
    public bool IsComplete => _entries.All(static e => e.Status == WeightLoadStatus.Loaded);

    /// <summary>The entries of the layer named <paramref name="layerName"/> (empty when there are none).</summary>
    public IReadOnlyList<WeightLoadEntry> ForLayer(string layerName) =>
        [.. _entries.Where(e => string.Equals(e.LayerName, layerName, StringComparison.Ordinal))];

    /// <summary>One line per layer, e.g. "  dense_1: weight mismatched: file [10, 64], model [5, 64]; bias ...".</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("Weights from '").Append(Path).Append("': ")
            .Append(Loaded.Count).Append(" loaded, ")
            .Append(Skipped.Count).Append(" skipped, ")
            .Append(Mismatched.Count).Append(" mismatched");
        foreach (string layer in LayerNames)
        {
            text.AppendLine().Append("  ").Append(layer).Append(": ")
                .AppendJoin("; ", ForLayer(layer).Select(static e => e.ToString()));
        }
        return text.ToString();
    }

    private WeightLoadEntry[] With(WeightLoadStatus status) => [.. _entries.Where(e => e.Status == status)];
}
