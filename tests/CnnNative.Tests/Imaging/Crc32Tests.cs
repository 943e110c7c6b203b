using System.Text;
using CnnNative.Imaging;

namespace CnnNative.Tests.Imaging;

public class Crc32Tests
{
    [Theory]
    [InlineData("123456789", 0xCBF43926u)]                                   // the standard check value
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xE8B7BE43u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    [InlineData("IEND", 0xAE426082u)]                                        // the CRC at the end of every PNG
    public void KnownValues(string text, uint expected) =>
        Assert.Equal(expected, Crc32.Compute(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void RunningValueEqualsOneShot()
    {
        byte[] data = Encoding.ASCII.GetBytes("123456789");

        uint running = Crc32.Append(Crc32.Append(Crc32.Start, data.AsSpan(0, 4)), data.AsSpan(4));

        Assert.Equal(0xCBF43926u, Crc32.Finish(running));
    }
}
