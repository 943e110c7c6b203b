using System.Buffers.Binary;
using CnnNative.Imaging;

namespace CnnNative.Tests.Imaging;

public class PngTests
{
    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void AssertGray(byte[] expected, int width, float[,] image, float tolerance = 0f)
    {
        Assert.Equal(expected.Length / width, image.GetLength(0));
        Assert.Equal(width, image.GetLength(1));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] / 255f - image[i / width, i % width]) <= tolerance,
                $"pixel {i}: expected {expected[i] / 255f}, got {image[i / width, i % width]}");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(13, 11)]
    [InlineData(300, 2)]
    public void GrayRoundTripIsExact(int width, int height)
    {
        using var folder = new TempFolder();
        string path = folder.File("gray.png");
        byte[] pixels = RandomBytes(width * height, seed: width * 31 + height);
        for (int i = 0; i < width; i++) pixels[i] = (byte)(i * 7); // a smooth row, where filters beat None

        PngWriter.WriteGray(path, pixels, width, height);

        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(20)));
        Assert.Equal((8, 0), (file[24], file[25])); // bit depth 8, colour type gray
        AssertGray(pixels, width, ImageReader.Read(path));
        Assert.Equal(["gray.png"], folder.FileNames());
    }

    [Theory]
    [InlineData(5, 9)]
    [InlineData(1, 1)]
    [InlineData(17, 4)]
    public void RgbRoundTripGivesLuma(int width, int height)
    {
        using var folder = new TempFolder();
        string path = folder.File("rgb.png");
        byte[] rgb = RandomBytes(3 * width * height, seed: width + 100 * height);

        PngWriter.WriteRgb(path, rgb, width, height);

        byte[] file = File.ReadAllBytes(path);
        Assert.Equal((8, 2), (file[24], file[25])); // bit depth 8, colour type RGB
        float[,] image = ImageReader.Read(path);
        for (int i = 0; i < width * height; i++)
        {
            double luma = (0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]) / 255;
            Assert.Equal(luma, image[i / width, i % width], 1e-5);
        }
    }

    [Fact]
    public void WriterChoosesFiltersOtherThanNoneForSmoothImages()
    {
        var pixels = new byte[64 * 64];
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++) pixels[y * 64 + x] = (byte)(x * 3 + y);

        byte[] smooth = PngWriter.EncodeGray(pixels, 64, 64);

        Assert.True(smooth.Length < 300, $"a gradient should compress to a few hundred bytes; got {smooth.Length}");
        AssertGray(pixels, 64, ImageReader.Decode(smooth));
    }

    [Fact]
    public void WriterRejectsWrongPixelCount()
    {
        var e = Assert.Throws<ArgumentException>(() => PngWriter.EncodeRgb(new byte[10], 2, 2));

        Assert.Contains("needs 12 bytes; got 10", e.Message);
    }

    // Row 0 [60, 64, 70] is stored unfiltered; row 1 is worked out by hand for each filter type.
    // Paeth on row 1 [20, 60, 99]: x0 picks up (60), x1 picks left (20), x2 picks up-left (64).
    [Theory]
    [InlineData(0, new byte[] { 20, 60, 99 }, new byte[] { 20, 60, 99 })]
    [InlineData(1, new byte[] { 20, 40, 39 }, new byte[] { 20, 60, 99 })]
    [InlineData(2, new byte[] { 216, 252, 29 }, new byte[] { 20, 60, 99 })]
    [InlineData(3, new byte[] { 246, 19, 34 }, new byte[] { 20, 61, 99 })]
    [InlineData(4, new byte[] { 216, 40, 35 }, new byte[] { 20, 60, 99 })]
    public void HandMadePngWithEachFilterTypeDecodes(int filter, byte[] filtered, byte[] expectedRow)
    {
        byte[] rows = [0, 60, 64, 70, (byte)filter, .. filtered];
        byte[] png = PngBuilder.Build(3, 2, bitDepth: 8, colorType: 0, rows);

        float[,] image = ImageReader.Decode(png, "hand.png");

        AssertGray([60, 64, 70, .. expectedRow], 3, image);
    }

    // Few levels make many Paeth ties, which the predictor must break in the specified order.
    [Theory]
    [InlineData(0, 1, 256)] // gray
    [InlineData(0, 1, 4)]
    [InlineData(4, 2, 256)] // gray + alpha
    [InlineData(2, 3, 256)] // RGB
    [InlineData(2, 3, 5)]
    [InlineData(6, 4, 256)] // RGBA
    public void EveryFilterOnEveryColourTypeMatchesTheReferenceEncoder(int colorType, int channels, int levels)
    {
        const int width = 9, height = 10;
        byte[] raw = RandomBytes(width * height * channels, seed: colorType);
        for (int i = 0; i < raw.Length; i++) raw[i] = (byte)(raw[i] % levels);
        byte[] rows = PngBuilder.Filter(raw, width * channels, channels, 0, 1, 2, 3, 4, 4, 3, 2, 1, 0);

        float[,] image = ImageReader.Decode(PngBuilder.Build(width, height, 8, colorType, rows));

        for (int i = 0; i < width * height; i++)
        {
            int p = i * channels;
            double expected = channels < 3 ? raw[p] / 255.0
                : (0.299 * raw[p] + 0.587 * raw[p + 1] + 0.114 * raw[p + 2]) / 255;
            Assert.Equal(expected, image[i / width, i % width], 1e-5);
        }
    }

    [Fact]
    public void PaletteImagesDecodeThroughThePalette()
    {
        byte[] palette = [0, 0, 0, 255, 255, 255, 255, 0, 0];          // black, white, red
        byte[] rows8 = [0, 0, 1, 2, 1];                                   // 4 x 1, 8-bit indices
        byte[] rows4 = [0, 0b0000_0001, 0b0010_0001];                     // the same, 4-bit indices

        float[,] eight = ImageReader.Decode(PngBuilder.Build(4, 1, 8, 3, rows8, palette));
        float[,] four = ImageReader.Decode(PngBuilder.Build(4, 1, 4, 3, rows4, palette));

        float[] expected = [0f, 1f, 0.299f, 1f];
        for (int x = 0; x < 4; x++) Assert.Equal(expected[x], eight[0, x], 1e-5);
        Assert.Equal(eight, four);
    }

    [Fact]
    public void SixteenBitAndOneBitGrayDecode()
    {
        byte[] rows16 = [0, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00];         // 65535, 32768, 0
        byte[] rows1 = [0, 0b1010_0000, 1, 0b0110_0000];                 // 3 x 2: 1 0 1 / 0 1 1 (Sub on row 1)

        float[,] sixteen = ImageReader.Decode(PngBuilder.Build(3, 1, 16, 0, rows16));
        float[,] one = ImageReader.Decode(PngBuilder.Build(3, 2, 1, 0, rows1));

        Assert.Equal(new float[,] { { 1f, 32768f / 65535f, 0f } }, sixteen);
        // Sub with bpp 1 on packed bits adds the previous byte: 0b0110_0000 + 0 (no byte to the left) = 0b0110_0000
        Assert.Equal(new float[,] { { 1, 0, 1 }, { 0, 1, 1 } }, one);
    }

    [Fact]
    public void InterlacedPngIsRefusedByName()
    {
        byte[] png = PngBuilder.Build(2, 2, 8, 0, [0, 1, 2, 0, 3, 4], interlace: 1);

        var e = Assert.Throws<ImageFileException>(() => ImageReader.Decode(png, "scan.png"));

        Assert.Equal("scan.png", e.Path);
        Assert.Contains("PNG image 'scan.png' is interlaced (Adam7); interlaced PNG is not supported", e.Message);
    }

    [Fact]
    public void UnsupportedBitDepthIsNamed()
    {
        byte[] png = PngBuilder.Build(1, 1, 16, 3, [0, 0, 0], palette: [0, 0, 0]);

        var e = Assert.Throws<ImageFileException>(() => ImageReader.Decode(png, "deep.png"));

        Assert.Contains("has bit depth 16 with colour type 3 (palette)", e.Message);
    }

    [Fact]
    public void UnknownFilterTypeIsNamedWithItsRow()
    {
        byte[] png = PngBuilder.Build(2, 2, 8, 0, [0, 1, 2, 5, 3, 4]);

        var e = Assert.Throws<ImageFileException>(() => ImageReader.Decode(png, "f.png"));

        Assert.Contains("row 1 has filter type 5", e.Message);
    }

    [Fact]
    public void DamagedChunkFailsItsCrc()
    {
        byte[] png = PngWriter.EncodeGray([1, 2, 3, 4], 2, 2);
        png[^20] ^= 0xFF; // inside the IDAT data

        var e = Assert.Throws<ImageFileException>(() => ImageReader.Decode(png, "bad.png"));

        Assert.Contains("is corrupt: chunk IDAT", e.Message);
        Assert.Contains("CRC", e.Message);
    }

    [Fact]
    public void TruncatedPngSaysSo()
    {
        byte[] png = PngWriter.EncodeGray(RandomBytes(100, 1), 10, 10);

        var e = Assert.Throws<ImageFileException>(() => ImageReader.Decode(png[..(png.Length - 20)], "cut.png"));

        Assert.Contains("PNG image 'cut.png' is truncated", e.Message);
    }

    [Fact]
    public void MissingAndUnknownFilesAreNamed()
    {
        using var folder = new TempFolder();
        string missing = folder.File("none.png");
        string text = folder.File("notes.png");
        File.WriteAllText(text, "hello");

        var notFound = Assert.Throws<ImageFileException>(() => ImageReader.Read(missing));
        var unknown = Assert.Throws<ImageFileException>(() => ImageReader.Read(text));

        Assert.Equal($"Image '{missing}' does not exist.", notFound.Message);
        Assert.Contains($"Image '{text}' is neither PNG nor PGM", unknown.Message);
    }
}
