namespace CnnNative.Imaging;

/// <summary>
/// Reads PNG and PGM images as grayscale: a float array [height, width] with values in [0, 1], 0 black.
/// PNG: non-interlaced gray (1 to 16 bits), gray + alpha, RGB, RGBA (8 or 16 bits) and palette images,
/// every row filter; colour becomes luma (0.299 R + 0.587 G + 0.114 B) and alpha is ignored.
/// PGM: P2 (ASCII) and P5 (binary). The format is recognised from the first bytes, not the extension.
/// </summary>
public static class ImageReader
{
    /// <summary>Reads the image at <paramref name="path"/> as [height, width] grayscale in [0, 1].</summary>
    /// <exception cref="ImageFileException">The file is missing, damaged, not PNG or PGM, or uses an unsupported
    /// feature; the message names the file and the problem.</exception>
    public static float[,] Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageFileException(path, $"Image '{path}' does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFileException(path, $"Image '{path}' cannot be read: {e.Message}", e);
        }
        return Decode(data, path);
    }

    /// <summary>Decodes PNG or PGM bytes; <paramref name="name"/> stands for the file in error messages.</summary>
    /// <exception cref="ImageFileException">The bytes are not a supported PNG or PGM image.</exception>
    public static float[,] Decode(ReadOnlySpan<byte> data, string name = "(memory)")
    {
        ArgumentNullException.ThrowIfNull(name);
        if (data.IsEmpty) throw new ImageFileException(name, $"Image '{name}' is empty.");
        if (PngDecoder.IsPng(data)) return PngDecoder.Decode(data, name);
        if (PgmDecoder.IsNetpbm(data)) return PgmDecoder.Decode(data, name);
        throw new ImageFileException(name,
            $"Image '{name}' is neither PNG nor PGM (it starts with {Convert.ToHexString(data[..Math.Min(8, data.Length)])}); " +
            "only PNG and PGM (P2, P5) can be read.");
    }

    /// <summary>
    /// The image as a flat row-major array of height x width values, ready for a model input [1, H, W].
    /// </summary>
    public static float[] ToFlat(float[,] image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var flat = new float[image.Length];
        int width = image.GetLength(1);
        for (int y = 0; y < image.GetLength(0); y++)
            for (int x = 0; x < width; x++) flat[y * width + x] = image[y, x];
        return flat;
    }
}
