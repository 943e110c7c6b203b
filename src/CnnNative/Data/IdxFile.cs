using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace CnnNative.Data;

/// <summary>
/// One IDX file (the MNIST format) read into memory: big-endian header (two zero bytes, a data-type byte,
/// a rank byte, then one 32-bit size per dimension) followed by the values. Only unsigned-byte data
/// (type 0x08) is supported: magic 0x00000801 for labels, 0x00000803 for images. Gzip-compressed files
/// are recognised by their first bytes (1f 8b), whatever their name.
/// </summary>
public sealed class IdxFile
{
    /// <summary>Magic number of a label file: unsigned bytes, one dimension.</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Magic number of an image file: unsigned bytes, three dimensions (count, rows, columns).</summary>
    public const int ImagesMagic = 0x00000803;

    private const byte UnsignedByteType = 0x08;
    private readonly int[] _dimensions;
    private readonly byte[] _data;

    private IdxFile(string path, int magic, int[] dimensions, byte[] data)
    {
        Path = path;
        Magic = magic;
        _dimensions = dimensions;
        _data = data;
    }

    /// <summary>Full path the file was read from.</summary>
    public string Path { get; }

    /// <summary>The magic number, e.g. <see cref="ImagesMagic"/>.</summary>
    public int Magic { get; }

    /// <summary>The sizes from the header, outermost first: [count] for labels, [count, rows, columns] for images.</summary>
    public ReadOnlySpan<int> Dimensions => _dimensions;

    /// <summary>Number of items: the first dimension.</summary>
    public int Count => _dimensions[0];

    /// <summary>The values, row-major, one byte each.</summary>
    public ReadOnlySpan<byte> Data => _data;

    /// <summary>Reads an IDX file of unsigned bytes, plain or gzip-compressed.</summary>
    /// <exception cref="DatasetException">The file is missing, is not IDX, holds another data type, or is truncated
    /// or longer than its header says.</exception>
    public static IdxFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        string name = System.IO.Path.GetFileName(fullPath);
        if (!File.Exists(fullPath))
            throw new DatasetException(fullPath, $"IDX file not found: {fullPath}.");
        try
        {
            using FileStream file = File.OpenRead(fullPath);
            bool gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
            file.Position = 0;
            using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            return ReadFrom(stream, fullPath, name, gzip);
        }
        catch (DatasetException)
        {
            throw;
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException(fullPath,
                $"{name}: the gzip data is corrupt or truncated ({e.Message}). Download or install the file again.", e);
        }
        catch (IOException e)
        {
            throw new DatasetException(fullPath, $"{name}: could not be read: {e.Message}", e);
        }
    }

    /// <summary>Reads an image file: magic <see cref="ImagesMagic"/>, dimensions [count, rows, columns].</summary>
    /// <exception cref="DatasetException">As <see cref="Read"/>, or the file is not an image file.</exception>
    public static IdxFile ReadImages(string path) => ExpectMagic(Read(path), ImagesMagic, "an image file");

    /// <summary>Reads a label file: magic <see cref="LabelsMagic"/>, dimensions [count].</summary>
    /// <exception cref="DatasetException">As <see cref="Read"/>, or the file is not a label file.</exception>
    public static IdxFile ReadLabels(string path) => ExpectMagic(Read(path), LabelsMagic, "a label file");

    /// <summary>
    /// Reads an image file and its label file into a <see cref="Dataset"/> of samples [1, rows, columns] with values
    /// byte / 255, then applies <paramref name="normalization"/> (default <see cref="Normalization.None"/>;
    /// <see cref="Normalization.FromTrainingSet"/> standardises with this data's own statistics).
    /// </summary>
    /// <exception cref="DatasetException">A file is bad, the counts differ, or a label is not below <paramref name="classCount"/>.</exception>
    public static Dataset LoadDataset(string imagesPath, string labelsPath, int classCount, string? name = null,
        Normalization? normalization = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        (float[] images, int[] labels, TensorShape shape) = ReadSamples(imagesPath, labelsPath, classCount);
        Normalization applied = (normalization ?? Normalization.None).Resolve(images, shape);
        applied.Normalize(images, shape);
        return new Dataset(images, labels, shape, classCount, name ?? System.IO.Path.GetFileName(imagesPath));
    }

    /// <summary>Reads and checks an image/label pair; images come back as byte / 255.</summary>
    internal static (float[] Images, int[] Labels, TensorShape SampleShape) ReadSamples(
        string imagesPath, string labelsPath, int classCount)
    {
        IdxFile images = ReadImages(imagesPath);
        IdxFile labels = ReadLabels(labelsPath);
        string imagesName = System.IO.Path.GetFileName(images.Path);
        string labelsName = System.IO.Path.GetFileName(labels.Path);
        if (images.Count != labels.Count)
            throw new DatasetException(labels.Path,
                $"{labelsName} has {labels.Count} labels but {imagesName} has {images.Count} images; " +
                "the two files must describe the same samples.");
        if (images.Count == 0 || images._dimensions[1] == 0 || images._dimensions[2] == 0)
            throw new DatasetException(images.Path,
                $"{imagesName}: header says {Describe(images._dimensions, ImagesMagic)}; there is nothing to load.");
        var labelValues = new int[labels.Count];
        for (int i = 0; i < labelValues.Length; i++)
        {
            int label = labels._data[i];
            if (label >= classCount)
                throw new DatasetException(labels.Path,
                    $"{labelsName}: label of sample {i} is {label}, outside [0, {classCount}) for {classCount} classes.");
            labelValues[i] = label;
        }
        var pixels = new float[images._data.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images._data[i] / 255f; // exact quotient, not * (1/255)
        return (pixels, labelValues, new TensorShape(1, images._dimensions[1], images._dimensions[2]));
    }

    private static IdxFile ReadFrom(Stream stream, string fullPath, string name, bool gzip)
    {
        string what = gzip ? "decompressed file" : "file";
        Span<byte> header = stackalloc byte[4];
        int got = stream.ReadAtLeast(header, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw new DatasetException(fullPath,
                $"{name}: the {what} is only {got} bytes long, too short for the 4-byte IDX magic number.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (header[0] != 0 || header[1] != 0 || header[3] == 0)
            throw new DatasetException(fullPath,
                $"{name}: not an IDX file: magic number is 0x{magic:X8}, expected 0x{LabelsMagic:X8} (labels) " +
                $"or 0x{ImagesMagic:X8} (images).");
        if (header[2] != UnsignedByteType)
            throw new DatasetException(fullPath,
                $"{name}: IDX data type 0x{header[2]:X2} ({TypeName(header[2])}) is not supported; only unsigned bytes " +
                $"(0x08, magic 0x{LabelsMagic:X8} or 0x{ImagesMagic:X8}) are.");

        int rank = header[3];
        Span<byte> sizes = stackalloc byte[4 * rank];
        got = stream.ReadAtLeast(sizes, sizes.Length, throwOnEndOfStream: false);
        if (got < sizes.Length)
            throw new DatasetException(fullPath,
                $"{name}: header declares {rank} dimensions ({sizes.Length} bytes of sizes) but the {what} ends after " +
                $"{got} of them.");
        var dimensions = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(sizes[(4 * i)..]);
            if (dimensions[i] < 0)
                throw new DatasetException(fullPath, $"{name}: header gives dimension {i} a negative size ({dimensions[i]}).");
            total = Math.Min(total * dimensions[i], long.MaxValue / int.MaxValue);
        }
        if (total > Array.MaxLength)
            throw new DatasetException(fullPath,
                $"{name}: header says {Describe(dimensions, magic)}, more than the {Array.MaxLength} bytes an array can hold.");

        var data = new byte[total];
        got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (got < data.Length)
            throw new DatasetException(fullPath,
                $"{name}: header says {Describe(dimensions, magic)} ({total} bytes of data) but the {what} ends after " +
                $"{got} of them: it is truncated (an interrupted download?).");
        long extra = CountRemaining(stream);
        if (extra > 0)
            throw new DatasetException(fullPath,
                $"{name}: header says {Describe(dimensions, magic)} ({total} bytes of data) but {extra} more bytes follow; " +
                "the header and the data disagree.");
        return new IdxFile(fullPath, magic, dimensions, data);
    }

    private static IdxFile ExpectMagic(IdxFile file, int magic, string what)
    {
        if (file.Magic != magic)
            throw new DatasetException(file.Path,
                $"{System.IO.Path.GetFileName(file.Path)}: expected {what} (magic 0x{magic:X8}) but the file has magic " +
                $"0x{file.Magic:X8} ({Describe(file._dimensions, file.Magic)}).");
        return file;
    }

    private static long CountRemaining(Stream stream)
    {
        Span<byte> buffer = stackalloc byte[4096];
        long count = 0;
        int n;
        while ((n = stream.Read(buffer)) > 0) count += n;
        return count;
    }

    /// <summary>"10000 images of 28x28", "10000 labels" or "3 items of 4x5x6".</summary>
    private static string Describe(int[] dimensions, int magic)
    {
        string inner = string.Join("x", dimensions.Skip(1).Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string count = dimensions.Length == 0 ? "0" : dimensions[0].ToString(CultureInfo.InvariantCulture);
        return magic switch
        {
            ImagesMagic => $"{count} images of {inner}",
            LabelsMagic => $"{count} labels",
            _ => dimensions.Length == 1 ? $"{count} items" : $"{count} items of {inner}",
        };
    }

    private static string TypeName(byte type) => type switch
    {
        0x09 => "signed byte",
        0x0B => "16-bit integer",
        0x0C => "32-bit integer",
        0x0D => "float32",
        0x0E => "float64",
        _ => "unknown type",
    };
}
