using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace CnnNative.Imaging;

/// <summary>
/// Decodes non-interlaced PNG to grayscale in [0, 1]: colour types gray (bit depths 1, 2, 4, 8, 16),
/// gray+alpha and RGB(A) (8, 16), palette (1, 2, 4, 8); all five row filters; every chunk CRC is checked.
/// Colour becomes luma (0.299 R + 0.587 G + 0.114 B); alpha is ignored.
/// </summary>
internal static class PngDecoder
{
    private const long MaxPixels = 1L << 26;

    /// <summary>True when <paramref name="data"/> starts with the PNG signature.</summary>
    public static bool IsPng(ReadOnlySpan<byte> data) => data.StartsWith(PngWriter.Signature);

    /// <summary>Decodes <paramref name="data"/>, read from <paramref name="path"/> (used in messages), to [height, width].</summary>
    public static float[,] Decode(ReadOnlySpan<byte> data, string path)
    {
        if (!IsPng(data)) throw Error(path, "is not a PNG file: it does not start with the PNG signature.");
        int offset = PngWriter.Signature.Length;
        PngHeader? header = null;
        byte[]? palette = null;
        using var idat = new MemoryStream();
        bool ended = false;
        while (!ended)
        {
            if (data.Length - offset < 12)
                throw Error(path, $"is truncated: it ends after {data.Length} bytes, before its IEND chunk.");
            int length = BinaryPrimitives.ReadInt32BigEndian(data[offset..]);
            ReadOnlySpan<byte> typeBytes = data.Slice(offset + 4, 4);
            string type = Encoding.ASCII.GetString(typeBytes);
            if (length < 0 || length > data.Length - offset - 12)
                throw Error(path, $"is truncated: chunk {type} at byte {offset} announces {length} bytes but the file ends after {data.Length}.");
            ReadOnlySpan<byte> body = data.Slice(offset + 8, length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[(offset + 8 + length)..]);
            uint actual = Crc32.Finish(Crc32.Append(Crc32.Append(Crc32.Start, typeBytes), body));
            if (stored != actual)
                throw Error(path, $"is corrupt: chunk {type} at byte {offset} has CRC 0x{stored:X8} but its data gives 0x{actual:X8}.");
            offset += 12 + length;

            if (header is null && type != "IHDR") throw Error(path, $"is corrupt: its first chunk is {type}, not IHDR.");
            switch (type)
            {
                case "IHDR":
                    if (header is not null) throw Error(path, "is corrupt: it has two IHDR chunks.");
                    header = ReadHeader(body, path);
                    break;
                case "PLTE":
                    if (length % 3 != 0 || length == 0 || length > 768)
                        throw Error(path, $"is corrupt: its PLTE chunk has {length} bytes, not 3 to 768 in steps of 3.");
                    palette = body.ToArray();
                    break;
                case "IDAT":
                    idat.Write(body);
                    break;
                case "IEND":
                    ended = true;
                    break;
                default:
                    if (char.IsUpper(type[0]))
                        throw Error(path, $"uses the critical chunk {type}, which this reader does not support.");
                    break; // ancillary chunks (text, gamma, transparency ...) are ignored
            }
        }

        PngHeader h = header!.Value;
        if (h.ColorType == 3 && palette is null) throw Error(path, "is corrupt: it is a palette image without a PLTE chunk.");
        if (idat.Length == 0) throw Error(path, "is corrupt: it has no IDAT chunk.");
        byte[] raw = Inflate(idat, h, path);
        return ToGray(raw, h, palette, path);
    }

    private static PngHeader ReadHeader(ReadOnlySpan<byte> body, string path)
    {
        if (body.Length != 13) throw Error(path, $"is corrupt: its IHDR chunk has {body.Length} bytes, not 13.");
        int width = BinaryPrimitives.ReadInt32BigEndian(body);
        int height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
        int depth = body[8], colorType = body[9];
        if (width < 1 || height < 1) throw Error(path, $"is corrupt: its size is {width} x {height}.");
        if ((long)width * height > MaxPixels)
            throw Error(path, $"is {width} x {height} pixels; images over {MaxPixels} pixels are not supported.");
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0) throw Error(path, $"is corrupt: colour type {colorType} does not exist in PNG.");
        int[] depths = colorType switch { 0 => [1, 2, 4, 8, 16], 3 => [1, 2, 4, 8], _ => [8, 16] };
        if (!depths.Contains(depth))
            throw Error(path, $"has bit depth {depth} with colour type {colorType} ({ColorTypeName(colorType)}); " +
                $"this reader supports bit depths {string.Join(", ", depths)} for it.");
        if (body[10] != 0) throw Error(path, $"uses compression method {body[10]}; only 0 (deflate) is supported.");
        if (body[11] != 0) throw Error(path, $"uses filter method {body[11]}; only 0 (adaptive) is supported.");
        if (body[12] == 1) throw Error(path, "is interlaced (Adam7); interlaced PNG is not supported — save it without interlacing.");
        if (body[12] != 0) throw Error(path, $"is corrupt: interlace method {body[12]} does not exist in PNG.");
        return new PngHeader(width, height, depth, colorType, channels);
    }

    private static byte[] Inflate(MemoryStream idat, PngHeader h, string path)
    {
        long size = (long)h.Height * (1 + h.Stride);
        var raw = new byte[size];
        idat.Position = 0;
        int got;
        try
        {
            using var zlib = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
            got = zlib.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw Error(path, $"is corrupt: its image data is not valid zlib ({e.Message}).", e);
        }
        if (got < raw.Length)
            throw Error(path, $"is truncated: its image data inflates to {got} bytes; {h.Width} x {h.Height} needs {raw.Length}.");

        int bpp = Math.Max(1, h.Channels * h.BitDepth / 8);
        for (int y = 0; y < h.Height; y++)
        {
            int start = y * (1 + h.Stride);
            Span<byte> row = raw.AsSpan(start + 1, h.Stride);
            ReadOnlySpan<byte> previous = y > 0 ? raw.AsSpan(start - h.Stride, h.Stride) : default;
            if (!PngFilters.Unfilter(raw[start], row, previous, bpp))
                throw Error(path, $"is corrupt: row {y} has filter type {raw[start]}; PNG defines 0 to 4.");
        }
        return raw;
    }

    private static float[,] ToGray(byte[] raw, PngHeader h, byte[]? palette, string path)
    {
        var image = new float[h.Height, h.Width];
        float max = (1 << h.BitDepth) - 1;
        for (int y = 0; y < h.Height; y++)
        {
            ReadOnlySpan<byte> row = raw.AsSpan(y * (1 + h.Stride) + 1, h.Stride);
            for (int x = 0; x < h.Width; x++)
            {
                int first = x * h.Channels;
                image[y, x] = h.ColorType switch
                {
                    0 or 4 => Sample(row, first, h.BitDepth) / max,
                    2 or 6 => Math.Min(1f, (0.299f * Sample(row, first, h.BitDepth) + 0.587f * Sample(row, first + 1, h.BitDepth)
                        + 0.114f * Sample(row, first + 2, h.BitDepth)) / max),
                    _ => PaletteGray(palette!, Sample(row, first, h.BitDepth), path),
                };
            }
        }
        return image;
    }

    /// <summary>Sample number <paramref name="index"/> of a row packed at <paramref name="depth"/> bits (big-endian for 16).</summary>
    private static int Sample(ReadOnlySpan<byte> row, int index, int depth)
    {
        if (depth == 8) return row[index];
        if (depth == 16) return (row[2 * index] << 8) | row[2 * index + 1];
        int bit = index * depth;
        int shift = 8 - depth - (bit & 7);
        return (row[bit >> 3] >> shift) & ((1 << depth) - 1);
    }

    private static float PaletteGray(byte[] palette, int index, string path)
    {
        if (3 * index + 2 >= palette.Length)
            throw Error(path, $"is corrupt: a pixel uses palette entry {index} but the palette has {palette.Length / 3}.");
        return Math.Min(1f, (0.299f * palette[3 * index] + 0.587f * palette[3 * index + 1] + 0.114f * palette[3 * index + 2]) / 255f);
    }

    private static string ColorTypeName(int colorType) => colorType switch
    {
        0 => "gray",
        2 => "RGB",
        3 => "palette",
        4 => "gray + alpha",
        _ => "RGBA",
    };

    private static ImageFileException Error(string path, string problem) => new(path, $"PNG image '{path}' {problem}");

    private static ImageFileException Error(string path, string problem, Exception inner) =>
        new(path, $"PNG image '{path}' {problem}", inner);
}
