namespace CnnNative.Imaging;

/// <summary>An 8-bit grayscale picture (0 black, 255 white), row-major, as made by <see cref="FilterGrid"/> and <see cref="ActivationGrid"/>.</summary>
public sealed class GrayImage
{
    private readonly byte[] _pixels;

    /// <summary>A black image of <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public GrayImage(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if ((long)width * height > Array.MaxLength)
            throw new ArgumentException($"A {width} x {height} image has more pixels than an array can hold.");
        Width = width;
        Height = height;
        _pixels = new byte[width * height];
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels, row after row; writing to the span changes the image.</summary>
    public Span<byte> Pixels => _pixels;

    /// <summary>The pixel in column <paramref name="x"/> of row <paramref name="y"/>.</summary>
    public byte this[int x, int y]
    {
        get => _pixels[Index(x, y)];
        set => _pixels[Index(x, y)] = value;
    }

    /// <summary>Writes the image as an 8-bit grayscale PNG, atomically (temporary file, then rename).</summary>
    public void Save(string path) => PngWriter.WriteGray(path, _pixels, Width, Height);

    /// <summary>The image as PNG file bytes.</summary>
    public byte[] ToPng() => PngWriter.EncodeGray(_pixels, Width, Height);

    /// <summary>Sets every pixel of the rectangle at (<paramref name="x"/>, <paramref name="y"/>) to <paramref name="value"/>.</summary>
    internal void Fill(int x, int y, int width, int height, byte value)
    {
        for (int row = y; row < y + height; row++) _pixels.AsSpan(row * Width + x, width).Fill(value);
    }

    private int Index(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"Pixel ({x}, {y}) is outside the {Width} x {Height} image.");
        return y * Width + x;
    }
}
