using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace CnnNative;

/// <summary>
/// Reads a file in the layout of <see cref="ModelFileFormat"/>: magic, version, announced length and
/// checksum are verified before the header is parsed, so a damaged file is reported as damaged rather
/// than as whatever nonsense its damaged bytes would parse to.
/// </summary>
internal static class ModelFileReader
{
    /// <summary>Reads and verifies the whole file; every failure is a <see cref="ModelFileException"/> naming <paramref name="path"/>.</summary>
    public static ModelFileContents Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw ModelFileFormat.Error(path, "does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ModelFileFormat.Error(path, $"cannot be opened: {e.Message}", e);
        }

        using (stream)
        {
            try
            {
                return Read(path, stream);
            }
            catch (InvalidDataException e)
            {
                throw ModelFileFormat.Error(path, $"is invalid: {e.Message}.", e);
            }
            catch (Exception e) when (e is IOException and not ModelFileException)
            {
                throw ModelFileFormat.Error(path, $"cannot be read: {e.Message}", e);
            }
        }
    }

    private static ModelFileContents Read(string path, FileStream stream)
    {
        long length = stream.Length;
        Span<byte> fixedHeader = stackalloc byte[ModelFileFormat.FixedHeaderSize];
        int got = stream.ReadAtLeast(fixedHeader, fixedHeader.Length, throwOnEndOfStream: false);
        int magicLength = Math.Min(got, ModelFileFormat.Magic.Length);
        if (got == 0 || !fixedHeader[..magicLength].SequenceEqual(ModelFileFormat.Magic[..magicLength]))
            throw ModelFileFormat.Error(path, got == 0
                ? "is empty; it is not a CnnNative model file."
                : "is not a CnnNative model file: it does not start with the bytes \"CNNMODEL\".");
        if (got < 12)
            throw Truncated(path, length, $"inside its {ModelFileFormat.FixedHeaderSize}-byte fixed header");

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(fixedHeader[8..]);
        if (version > ModelFileFormat.Version)
            throw ModelFileFormat.Error(path,
                $"has format version {version}: format version {version} is newer than this library's {ModelFileFormat.Version}; upgrade CnnNative.");
        if (version == 0)
            throw ModelFileFormat.Error(path, "has format version 0, which no CnnNative library writes; the file is corrupt.");
        if (got < ModelFileFormat.FixedHeaderSize)
            throw Truncated(path, length, $"inside its {ModelFileFormat.FixedHeaderSize}-byte fixed header");

        ulong announced = BinaryPrimitives.ReadUInt64LittleEndian(fixedHeader[12..]);
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(fixedHeader[20..]);
        const int minimum = ModelFileFormat.FixedHeaderSize + ModelFileFormat.ChecksumSize;
        if (announced < minimum)
            throw ModelFileFormat.Error(path, $"is corrupt: its header announces {announced} bytes, fewer than the minimum {minimum}.");
        if ((ulong)length < announced)
            throw Truncated(path, length, $"; the header announces {announced}");
        if ((ulong)length > announced)
            throw ModelFileFormat.Error(path, $"is corrupt: it has {length} bytes but its header announces {announced}.");

        VerifyChecksum(path, stream, length);

        long payloadEnd = length - ModelFileFormat.ChecksumSize;
        if (ModelFileFormat.FixedHeaderSize + (long)headerLength > payloadEnd)
            throw new InvalidDataException(
                $"its header length {headerLength} runs past the end of the data at byte {payloadEnd}");
        var json = new byte[headerLength];
        stream.Position = ModelFileFormat.FixedHeaderSize;
        stream.ReadExactly(json);
        ModelFileHeader header = ModelFileHeader.Parse(json);

        long dataLength = payloadEnd - stream.Position;
        long needed = 0;
        foreach (TensorSpec tensor in header.Tensors) needed += 4 * tensor.Shape.ElementCount;
        if (needed != dataLength)
            throw new InvalidDataException(
                $"its tensor data has {dataLength} bytes but the {header.Tensors.Count} tensors in its header need {needed}");

        var data = new float[header.Tensors.Count][];
        for (int i = 0; i < data.Length; i++)
        {
            long count = header.Tensors[i].Shape.ElementCount;
            if (count > Array.MaxLength)
                throw new InvalidDataException($"tensor \"{header.Tensors[i].Name}\" has {count} elements, more than an array can hold");
            data[i] = new float[count];
            stream.ReadExactly(MemoryMarshal.AsBytes(data[i].AsSpan()));
            ModelFileFormat.FixEndianness(data[i]);
        }
        return new ModelFileContents(header, data);
    }

    private static void VerifyChecksum(string path, FileStream stream, long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        stream.Position = 0;
        long remaining = length - ModelFileFormat.ChecksumSize;
        var buffer = new byte[1 << 20];
        while (remaining > 0)
        {
            int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
            if (n == 0) throw Truncated(path, length - remaining, $"; the header announces {length}");
            hash.AppendData(buffer, 0, n);
            remaining -= n;
        }
        Span<byte> stored = stackalloc byte[ModelFileFormat.ChecksumSize];
        stream.ReadExactly(stored);
        Span<byte> computed = stackalloc byte[ModelFileFormat.ChecksumSize];
        hash.GetHashAndReset(computed);
        if (!computed.SequenceEqual(stored))
            throw ModelFileFormat.Error(path,
                $"is corrupt: checksum mismatch (SHA-256 of its first {length - ModelFileFormat.ChecksumSize} bytes is " +
                $"{Convert.ToHexStringLower(computed[..8])}..., the file stores {Convert.ToHexStringLower(stored[..8])}...).");
    }

    private static ModelFileException Truncated(string path, long length, string detail) =>
        ModelFileFormat.Error(path, $"is truncated: it ends after {length} bytes{(detail.StartsWith(';') ? detail : " " + detail)}.");
}
