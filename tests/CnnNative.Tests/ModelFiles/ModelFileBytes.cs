using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CnnNative.Tests.ModelFiles;

/// <summary>
/// The documented model file layout, read independently of the library: magic (8), version (uint32 at 8),
/// total length (uint64 at 12), header length (uint32 at 20), JSON header, float32 data, SHA-256 (32).
/// Lets tests edit a file and re-seal it with a valid length and checksum.
/// </summary>
internal static class ModelFileBytes
{
    public static string HeaderJson(byte[] file)
    {
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20));
        return Encoding.UTF8.GetString(file, 24, length);
    }

    /// <summary>A copy of <paramref name="file"/> with its JSON header edited, length and checksum fixed.</summary>
    public static byte[] WithHeader(byte[] file, Func<string, string> edit)
    {
        int oldLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20));
        string json = edit(HeaderJson(file));
        Assert.NotEqual(HeaderJson(file), json); // the edit must hit something, or the test proves nothing
        byte[] header = Encoding.UTF8.GetBytes(json);
        byte[] data = file[(24 + oldLength)..^32];
        var result = new byte[24 + header.Length + data.Length + 32];
        file.AsSpan(0, 24).CopyTo(result);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(12), (ulong)result.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(20), (uint)header.Length);
        header.CopyTo(result, 24);
        data.CopyTo(result, 24 + header.Length);
        SHA256.HashData(result.AsSpan(0, result.Length - 32), result.AsSpan(result.Length - 32));
        return result;
    }
}
