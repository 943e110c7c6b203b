namespace CnnNative.Imaging;

/// <summary>
/// Decodes PGM (Netpbm grayscale): P2 (ASCII) and P5 (binary, one byte per sample up to maxval 255, two
/// big-endian bytes above), with '#' comments in the header, to [height, width] in [0, 1] (sample / maxval).
/// </summary>
internal static class PgmDecoder
{
    private const long MaxPixels = 1L << 26;

    /// <summary>True when <paramref name="data"/> starts with a Netpbm magic number "P1" to "P6".</summary>
    public static bool IsNetpbm(ReadOnlySpan<byte> data) =>
        data.Length >= 2 && data[0] == (byte)'P' && data[1] >= (byte)'1' && data[1] <= (byte)'6';

    /// <summary>Decodes <paramref name="data"/>, read from <paramref name="path"/> (used in messages).</summary>
    public static float[,] Decode(ReadOnlySpan<byte> data, string path)
    {
        if (!IsNetpbm(data)) throw Error(path, "is not a PGM file: it does not start with \"P2\" or \"P5\".");
        char kind = (char)data[1];
        if (kind != '2' && kind != '5')
        {
            string name = kind switch { '1' or '4' => "PBM (bitmap)", _ => "PPM (colour)" };
            throw Error(path, $"is a {name} file (P{kind}); only PGM P2 (ASCII) and P5 (binary) are supported.");
        }

        int position = 2;
        int width = NextInt(data, ref position, "width", path);
        int height = NextInt(data, ref position, "height", path);
        int maxValue = NextInt(data, ref position, "maxval", path);
        if (width < 1 || height < 1) throw Error(path, $"is corrupt: its size is {width} x {height}.");
        if ((long)width * height > MaxPixels)
            throw Error(path, $"is {width} x {height} pixels; images over {MaxPixels} pixels are not supported.");
        if (maxValue < 1 || maxValue > 65535) throw Error(path, $"is corrupt: maxval {maxValue} is not in 1 to 65535.");

        var image = new float[height, width];
        if (kind == '2')
        {
            for (int i = 0; i < width * height; i++)
            {
                int value = NextInt(data, ref position, $"pixel {i} of {width * height}", path);
                image[i / width, i % width] = Check(value, maxValue, i, path) / (float)maxValue;
            }
            return image;
        }

        // P5: exactly one whitespace byte separates maxval from the samples.
        if (position >= data.Length || !IsSpace(data[position]))
            throw Error(path, "is corrupt: no whitespace after maxval.");
        position++;
        int bytesPerSample = maxValue < 256 ? 1 : 2;
        long needed = (long)width * height * bytesPerSample;
        if (data.Length - position < needed)
            throw Error(path, $"is truncated: {width} x {height} samples need {needed} bytes but only {data.Length - position} follow the header.");
        for (int i = 0; i < width * height; i++)
        {
            int value = bytesPerSample == 1
                ? data[position + i]
                : (data[position + 2 * i] << 8) | data[position + 2 * i + 1];
            image[i / width, i % width] = Check(value, maxValue, i, path) / (float)maxValue;
        }
        return image;
    }

    private static int Check(int value, int maxValue, int index, string path) =>
        value <= maxValue ? value : throw Error(path, $"is corrupt: pixel {index} is {value}, above maxval {maxValue}.");

    /// <summary>The next decimal number, skipping whitespace and '#' comments.</summary>
    private static int NextInt(ReadOnlySpan<byte> data, ref int position, string what, string path)
    {
        while (position < data.Length)
        {
            if (IsSpace(data[position])) position++;
            else if (data[position] == (byte)'#')
                while (position < data.Length && data[position] != (byte)'\n' && data[position] != (byte)'\r') position++;
            else break;
        }
        if (position >= data.Length) throw Error(path, $"is truncated: it ends before its {what}.");
        long value = 0;
        int start = position;
        while (position < data.Length && data[position] >= (byte)'0' && data[position] <= (byte)'9')
        {
            value = value * 10 + (data[position] - '0');
            if (value > int.MaxValue) throw Error(path, $"is corrupt: its {what} is too large.");
            position++;
        }
        if (position == start)
            throw Error(path, $"is corrupt: expected a number for its {what} at byte {start}, found '{(char)data[start]}'.");
        return (int)value;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    private static ImageFileException Error(string path, string problem) => new(path, $"PGM image '{path}' {problem}");
}
