using System.Text.Json;

namespace CnnNative;

/// <summary>One entry of a model file's "layers" array, as read.</summary>
/// <param name="Index">Position in the model, from 0.</param>
/// <param name="TypeName">The layer type, e.g. "Conv2d".</param>
/// <param name="Name">The layer's name, e.g. "conv2d_1".</param>
/// <param name="Frozen">The stored frozen flag, or null when the file has none.</param>
/// <param name="Config">The constructor arguments (a detached copy of the JSON object).</param>
internal sealed record LayerSpec(int Index, string TypeName, string Name, bool? Frozen, JsonElement Config)
{
    /// <summary>"layer 2 (conv2d_1, Conv2d)", for error messages.</summary>
    public override string ToString() => $"layer {Index} ({Name}, {TypeName})";
}
