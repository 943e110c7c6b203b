using System.Buffers.Binary;
using System.IO.Compression;

namespace CnnNative.Imaging;

/// <summary>
/// Writes 8-bit grayscale and RGB PNG files with the BCL only: each row gets the PNG filter (None, Sub, Up,
/// Average or Paeth) with the smallest sum of absolute differences, the rows are deflated with
/// <see cref="ZLibStream"/>, and every chunk carries its CRC-32. Files are written atomically (temporary file,
/// then rename).
/// </summary>
public static class PngWriter
{
    private const int MaxIdatChunk = 1 << 16;

    /// <summary>The eight bytes every PNG file starts with.</summary>
    internal static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Writes an 8-bit grayscale image: <paramref name="pixels"/> holds <paramref name="height"/> rows of <paramref name="width"/> bytes.</summary>
    /// <exception cref="ArgumentException">The size is not positive or <paramref name="pixels"/> has the wrong length.</exception>
    public static void WriteGray(string path, ReadOnlySpan<byte> pixels, int width, int height) =>
        AtomicFile.WriteAllBytes(path, EncodeGray(pixels, width, height));

    /// <summary>Writes an 8-bit RGB image: <paramref name="pixels"/> holds <paramref name="height"/> rows of <paramref name="width"/> R, G, B triples.</summary>
    /// <exception cref="ArgumentException">The size is not positive or <paramref name="pixels"/> has the wrong length.</exception>
    public static void WriteRgb(string path, ReadOnlySpan<byte> pixels, int width, int height) =>
        AtomicFile.WriteAllBytes(path, EncodeRgb(pixels, width, height));

    /// <summary>The PNG file bytes of an 8-bit grayscale image.</summary>
    public static byte[] EncodeGray(ReadOnlySpan<byte> pixels, int width, int height) => Encode(pixels, width, height, channels: 1);

    /// <summary>The PNG file bytes of an 8-bit RGB image.</summary>
    public static byte[] EncodeRgb(ReadOnlySpan<byte> pixels, int width, int height) => Encode(pixels, width, height, channels: 3);

    private static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        long expected = (long)width * height * channels;
        if (pixels.Length != expected)
            throw new ArgumentException(
                $"A {width} x {height} {(channels == 1 ? "grayscale" : "RGB")} image needs {expected} bytes; got {pixels.Length}.",
                nameof(pixels));

        int stride = width * channels;
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            var filtered = new byte[1 + stride];
            var candidate = new byte[1 + stride];
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<byte> row = pixels.Slice(y * stride, stride);
                ReadOnlySpan<byte> previous = y > 0 ? pixels.Slice((y - 1) * stride, stride) : default;
                long best = long.MaxValue;
                for (byte type = 0; type <= 4; type++)
                {
                    long cost = Filter(type, row, previous, channels, candidate);
                    if (cost < best)
                    {
                        best = cost;
                        (filtered, candidate) = (candidate, filtered);
                    }
                }
                zlib.Write(filtered);
            }
        }

        using var png = new MemoryStream();
        png.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;                               // bit depth
        header[9] = (byte)(channels == 1 ? 0 : 2);   // colour type: gray or RGB
        header[10] = header[11] = header[12] = 0;    // deflate, adaptive filtering, no interlace
        WriteChunk(png, "IHDR"u8, header);
        ReadOnlySpan<byte> data = compressed.GetBuffer().AsSpan(0, (int)compressed.Length);
        do
        {
            int n = Math.Min(data.Length, MaxIdatChunk);
            WriteChunk(png, "IDAT"u8, data[..n]);
            data = data[n..];
        } while (!data.IsEmpty);
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>Filters <paramref name="row"/> with <paramref name="type"/> into <paramref name="output"/> (type byte first); returns the cost.</summary>
    private static long Filter(byte type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<byte> output)
    {
        output[0] = type;
        long cost = 0;
        for (int i = 0; i < row.Length; i++)
        {
            int left = i >= bpp ? row[i - bpp] : 0;
            int up = previous.IsEmpty ? 0 : previous[i];
            int upLeft = i >= bpp && !previous.IsEmpty ? previous[i - bpp] : 0;
            int predictor = type switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (left + up) >> 1,
                _ => PngFilters.Paeth(left, up, upLeft),
            };
            byte value = (byte)(row[i] - predictor);
            output[1 + i] = value;
            cost += Math.Abs((int)(sbyte)value); // as signed, the usual minimum-sum heuristic
        }
        return cost;
    }

    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Finish(Crc32.Append(Crc32.Append(Crc32.Start, type), data)));
        png.Write(word);
    }
}
