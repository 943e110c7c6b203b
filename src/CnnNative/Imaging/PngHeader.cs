namespace CnnNative.Imaging;

/// <summary>The fields of a PNG IHDR chunk that decoding needs.</summary>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="BitDepth">Bits per sample: 1, 2, 4, 8 or 16.</param>
/// <param name="ColorType">0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA.</param>
/// <param name="Channels">Samples per pixel for the colour type.</param>
internal readonly record struct PngHeader(int Width, int Height, int BitDepth, int ColorType, int Channels)
{
    /// <summary>Bytes per row without the filter byte.</summary>
    public int Stride => (int)(((long)Width * Channels * BitDepth + 7) / 8);
}
