namespace CnnNative.Imaging;

/// <summary>
/// CRC-32 as used by PNG, zlib and gzip (ISO-HDLC: reflected polynomial 0xEDB88320, initial value and final
/// XOR 0xFFFFFFFF), table-driven. <c>Compute("123456789"u8)</c> is 0xCBF43926.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] s_table = CreateTable();

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Start, data));

    /// <summary>The running value before any data.</summary>
    public const uint Start = 0xFFFFFFFFu;

    /// <summary>Continues a running CRC (from <see cref="Start"/> or an earlier <see cref="Append"/>) over <paramref name="data"/>.</summary>
    public static uint Append(uint running, ReadOnlySpan<byte> data)
    {
        uint crc = running;
        foreach (byte b in data) crc = s_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    /// <summary>The CRC from a running value.</summary>
    public static uint Finish(uint running) => running ^ 0xFFFFFFFFu;

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
