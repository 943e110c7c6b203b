using System.Buffers.Binary;
using System.IO.Compression;

namespace CnnNative.Tests.Data;

/// <summary>Builds IDX files byte by byte, so tests control every header field.</summary>
internal static class IdxBytes
{
    public const int Labels = 0x00000801;
    public const int Images = 0x00000803;

    /// <summary>Magic (big-endian), one big-endian size per dimension, then the data as given.</summary>
    public static byte[] Build(int magic, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < dimensions.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    /// <summary>The pixel value the generated image files hold: a fixed pattern of (sample, row, column).</summary>
    public static byte Pixel(int sample, int row, int column) => (byte)((sample * 37 + row * 11 + column * 3) % 256);

    /// <summary>An image file of <paramref name="count"/> images of rows × columns holding <see cref="Pixel"/>.</summary>
    public static byte[] ImageFile(int count, int rows, int columns)
    {
        var data = new byte[count * rows * columns];
        for (int i = 0; i < count; i++)
        for (int y = 0; y < rows; y++)
        for (int x = 0; x < columns; x++)
            data[(i * rows + y) * columns + x] = Pixel(i, y, x);
        return Build(Images, [count, rows, columns], data);
    }

    /// <summary>A label file holding <paramref name="labels"/>.</summary>
    public static byte[] LabelFile(params byte[] labels) => Build(Labels, [labels.Length], labels);

    /// <summary>Labels i % classCount for i in [0, count).</summary>
    public static byte[] CyclicLabels(int count, int classCount) =>
        Enumerable.Range(0, count).Select(i => (byte)(i % classCount)).ToArray();

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>, gzip-compressed if asked.</summary>
    public static string Write(string path, byte[] bytes, bool gzip = false)
    {
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }
        using FileStream file = File.Create(path);
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
        return path;
    }

    /// <summary>Writes the four files of an MNIST-style folder: train/test images of rows × columns and labels i % 10.</summary>
    public static void WriteMnistFolder(string folder, int trainCount, int testCount, int rows, int columns,
        bool gzipTrain = true, bool gzipTest = false)
    {
        string Name(string stem, bool gzip) => Path.Combine(folder, stem + (gzip ? ".gz" : ""));
        Write(Name("train-images-idx3-ubyte", gzipTrain), ImageFile(trainCount, rows, columns), gzipTrain);
        Write(Name("train-labels-idx1-ubyte", gzipTrain), LabelFile(CyclicLabels(trainCount, 10)), gzipTrain);
        Write(Name("t10k-images-idx3-ubyte", gzipTest), ImageFile(testCount, rows, columns), gzipTest);
        Write(Name("t10k-labels-idx1-ubyte", gzipTest), LabelFile(CyclicLabels(testCount, 10)), gzipTest);
    }
}
