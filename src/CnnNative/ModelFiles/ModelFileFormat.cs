using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace CnnNative;

/// <summary>
/// The layout of a CnnNative model file, version 1. All integers and floats are little-endian.
/// <code>
/// offset  size  field
/// 0       8     magic "CNNMODEL" (ASCII)
/// 8       4     format version, uint32 (1)
/// 12      8     total file length in bytes, checksum included, uint64
/// 20      4     header length J, uint32
/// 24      J     header: UTF-8 JSON {"format", "inputShape", "seed", "layers", "tensors"}
/// 24 + J  ...   tensor data: float32, row-major, one tensor after another in the header's order, no padding
/// end-32  32    SHA-256 of every byte before it
/// </code>
/// The header: <c>{"format": "CnnNative model", "inputShape": [C, H, W] or null, "seed": 42,
/// "layers": [{"type": "Conv2d", "name": "conv2d_1", "frozen": false, "config": {constructor arguments}}, ...],
/// "tensors": [{"name": "conv2d_1.weight", "kind": "parameter" or "buffer", "shape": [16, 1, 3, 3]}, ...]}</c>;
/// the config keys of each layer type are in <see cref="LayerRegistry"/>.
/// Readers check the magic, then the version (a newer one is refused before anything else is trusted),
/// then the length, then the checksum, and only then parse the header and data.
/// </summary>
internal static class ModelFileFormat
{
    /// <summary>The version this library writes and the newest it reads.</summary>
    public const uint Version = 1;

    /// <summary>Magic, version, total length and header length.</summary>
    public const int FixedHeaderSize = 24;

    /// <summary>Length of the SHA-256 checksum at the end of the file.</summary>
    public const int ChecksumSize = 32;

    /// <summary>The value of the header's "format" field, for people reading the JSON.</summary>
    public const string FormatName = "CnnNative model";

    /// <summary>The first eight bytes of every model file.</summary>
    public static ReadOnlySpan<byte> Magic => "CNNMODEL"u8;

    /// <summary>An exception whose message reads "Model file '<paramref name="path"/>' <paramref name="problem"/>".</summary>
    public static ModelFileException Error(string path, string problem, Exception? inner = null) =>
        new(path, $"Model file '{path}' {problem}", inner);

    /// <summary>Writes <paramref name="values"/> as little-endian float32 through <paramref name="write"/>, in chunks.</summary>
    public static void WriteFloats(ReadOnlySpan<float> values, Action<ReadOnlySpan<byte>> write)
    {
        if (BitConverter.IsLittleEndian)
        {
            write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> chunk = stackalloc byte[4096];
        while (!values.IsEmpty)
        {
            int n = Math.Min(values.Length, chunk.Length / 4);
            for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(chunk[(4 * i)..], values[i]);
            write(chunk[..(4 * n)]);
            values = values[n..];
        }
    }

    /// <summary>Converts floats just read as little-endian bytes to this machine's order (no-op on little-endian).</summary>
    public static void FixEndianness(Span<float> values)
    {
        if (BitConverter.IsLittleEndian) return;
        Span<int> bits = MemoryMarshal.Cast<float, int>(values);
        for (int i = 0; i < bits.Length; i++) bits[i] = BinaryPrimitives.ReverseEndianness(bits[i]);
    }
}
