namespace CnnNative;

/// <summary>A learnable parameter: its name ("weight", "bias", or "conv2d_1.weight" in a model) and its tensor.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Value">The tensor holding the parameter; read or write it like any tensor.</param>
public sealed record NamedTensor(string Name, Tensor Value);
