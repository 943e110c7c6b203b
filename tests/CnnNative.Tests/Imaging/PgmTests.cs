using System.Text;
using CnnNative.Imaging;

namespace CnnNative.Tests.Imaging;

public class PgmTests
{
    [Fact]
    public void AsciiP2WithCommentsParses()
    {
        byte[] pgm = Encoding.ASCII.GetBytes("P2\n# made by hand\n3 2 # width height\n10\n0 5 10\n# mid-data comment\n 1 2\t3\n");

        float[,] image = ImageReader.Decode(pgm, "a.pgm");

        Assert.Equal(new float[,] { { 0f, 0.5f, 1f }, { 0.1f, 0.2f, 0.3f } }, image);
    }

    [Fact]
    public void BinaryP5EightBitParses()
    {
        byte[] pgm = [.. Encoding.ASCII.GetBytes("P5 2 2 255\n"), 0, 255, 51, 10]; // 10 is a pixel, not whitespace

        float[,] image = ImageReader.Decode(pgm, "b.pgm");

        Assert.Equal(new float[,] { { 0f, 1f }, { 0.2f, 10f / 255f } }, image);
    }

    [Fact]
    public void BinaryP5SixteenBitIsBigEndian()
    {
        byte[] pgm = [.. Encoding.ASCII.GetBytes("P5\n2 1\n1000\n"), 0x03, 0xE8, 0x01, 0xF4]; // 1000, 500

        float[,] image = ImageReader.Decode(pgm, "c.pgm");

        Assert.Equal(new float[,] { { 1f, 0.5f } }, image);
    }

    [Fact]
    public void ReadsFromAFile()
    {
        using var folder = new TempFolder();
        string path = folder.File("digit.pgm");
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes("P5 1 1 255 "), 255]);

        Assert.Equal(new float[,] { { 1f } }, ImageReader.Read(path));
        Assert.Equal([1f], ImageReader.ToFlat(ImageReader.Read(path)));
    }

    [Fact]
    public void PpmIsRefusedByName()
    {
        var e = Assert.Throws<ImageFileException>(() => ImageReader.Decode("P6 1 1 255 abc"u8, "colour.ppm"));

        Assert.Contains("PGM image 'colour.ppm' is a PPM (colour) file (P6); only PGM P2 (ASCII) and P5 (binary) are supported", e.Message);
    }

    [Fact]
    public void TruncatedP5ReportsTheNumbers()
    {
        var e = Assert.Throws<ImageFileException>(() => ImageReader.Decode("P5 4 4 255 abcdef"u8, "short.pgm"));

        Assert.Contains("is truncated: 4 x 4 samples need 16 bytes but only 6 follow the header", e.Message);
    }

    [Fact]
    public void ValueAboveMaxvalIsReported()
    {
        var e = Assert.Throws<ImageFileException>(() => ImageReader.Decode("P2 2 1 7 3 9"u8, "hot.pgm"));

        Assert.Contains("pixel 1 is 9, above maxval 7", e.Message);
    }

    [Fact]
    public void GarbageInTheHeaderIsReported()
    {
        var e = Assert.Throws<ImageFileException>(() => ImageReader.Decode("P2 2 x 7"u8, "bad.pgm"));

        Assert.Contains("expected a number for its height at byte 5, found 'x'", e.Message);
    }
}
