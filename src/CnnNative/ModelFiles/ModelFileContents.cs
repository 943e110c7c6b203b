namespace CnnNative;

/// <summary>Everything a model file holds, after its length and checksum have been verified.</summary>
/// <param name="Header">The parsed JSON header.</param>
/// <param name="Data">Each tensor's values, in the order of <see cref="ModelFileHeader.Tensors"/>.</param>
internal sealed record ModelFileContents(ModelFileHeader Header, IReadOnlyList<float[]> Data);
