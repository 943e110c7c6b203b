using System.Buffers.Binary;
using System.IO.Compression;
using CnnNative.Imaging;

namespace CnnNative.Tests.Imaging;

/// <summary>
/// Builds PNG files by hand for decoder tests: the caller gives the already filtered rows (filter byte
/// first), so every filter type and colour type can be exercised independently of <see cref="PngWriter"/>.
/// </summary>
internal static class PngBuilder
{
    public static byte[] Build(int width, int height, int bitDepth, int colorType, byte[] filteredRows,
        byte[]? palette = null, int interlace = 0, bool splitIdat = true)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) zlib.Write(filteredRows);
        byte[] z = compressed.ToArray();

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = (byte)bitDepth;
        header[9] = (byte)colorType;
        header[12] = (byte)interlace;
        Chunk(png, "IHDR", header);
        Chunk(png, "tEXt", "Comment\0made by hand"u8.ToArray()); // ancillary: must be ignored
        if (palette is not null) Chunk(png, "PLTE", palette);
        int half = splitIdat ? z.Length / 2 : z.Length; // two IDAT chunks: the decoder must concatenate them
        Chunk(png, "IDAT", z[..half]);
        if (half < z.Length) Chunk(png, "IDAT", z[half..]);
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    public static void Chunk(Stream png, string type, byte[] data)
    {
        var word = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Compute(typeAndData));
        png.Write(word);
    }

    /// <summary>
    /// Reference filter encoder straight from the PNG specification: filters raw rows of
    /// <paramref name="stride"/> bytes, row y with filter types[y % types.Length].
    /// </summary>
    public static byte[] Filter(byte[] raw, int stride, int bpp, params int[] types)
    {
        int height = raw.Length / stride;
        var output = new byte[height * (stride + 1)];
        for (int y = 0; y < height; y++)
        {
            int type = types[y % types.Length];
            output[y * (stride + 1)] = (byte)type;
            for (int i = 0; i < stride; i++)
            {
                int a = i >= bpp ? raw[y * stride + i - bpp] : 0;
                int b = y > 0 ? raw[(y - 1) * stride + i] : 0;
                int c = i >= bpp && y > 0 ? raw[(y - 1) * stride + i - bpp] : 0;
                int p = a + b - c;
                int paeth = Math.Abs(p - a) <= Math.Abs(p - b) && Math.Abs(p - a) <= Math.Abs(p - c) ? a
                    : Math.Abs(p - b) <= Math.Abs(p - c) ? b : c;
                int predictor = type switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => paeth };
                output[y * (stride + 1) + 1 + i] = (byte)(raw[y * stride + i] - predictor);
            }
        }
        return output;
    }
}
