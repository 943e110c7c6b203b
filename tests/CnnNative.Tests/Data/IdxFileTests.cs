using CnnNative.Data;

namespace CnnNative.Tests.Data;

/// <summary>IDX files written byte by byte, plain and gzip, read back; every malformed file names itself and its numbers.</summary>
public class IdxFileTests
{
    [Theory]
    [InlineData("images.idx", false)]
    [InlineData("images.idx.gz", true)]
    [InlineData("compressed-but-no-suffix", true)] // gzip is recognised by its magic bytes, not the name
    [InlineData("plain-despite-suffix.gz", false)]
    public void ReadsImagesPlainOrGzipWithValuesAndDimensions(string fileName, bool gzip)
    {
        using var folder = new TempFolder();
        string path = IdxBytes.Write(folder.File(fileName), IdxBytes.ImageFile(3, 4, 5), gzip);

        IdxFile file = IdxFile.ReadImages(path);

        Assert.Equal(IdxFile.ImagesMagic, file.Magic);
        Assert.Equal([3, 4, 5], file.Dimensions.ToArray());
        Assert.Equal(3, file.Count);
        Assert.Equal(60, file.Data.Length);
        Assert.Equal(IdxBytes.Pixel(2, 3, 4), file.Data[(2 * 4 + 3) * 5 + 4]);
        Assert.Equal(IdxBytes.Pixel(1, 0, 2), file.Data[(1 * 4 + 0) * 5 + 2]);
        Assert.Equal(path, file.Path);
    }

    [Fact]
    public void ReadsLabels()
    {
        using var folder = new TempFolder();
        string path = IdxBytes.Write(folder.File("labels.gz"), IdxBytes.LabelFile(7, 0, 9, 3), gzip: true);

        IdxFile file = IdxFile.ReadLabels(path);

        Assert.Equal(IdxFile.LabelsMagic, file.Magic);
        Assert.Equal([4], file.Dimensions.ToArray());
        Assert.Equal(new byte[] { 7, 0, 9, 3 }, file.Data.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataNamesFileHeaderCountsAndBytesPresent(bool gzip)
    {
        using var folder = new TempFolder();
        byte[] whole = IdxBytes.ImageFile(10, 28, 28);
        string path = IdxBytes.Write(folder.File("t10k-images-idx3-ubyte" + (gzip ? ".gz" : "")), whole[..(16 + 1234)], gzip);

        var e = Assert.Throws<DatasetException>(() => IdxFile.ReadImages(path));

        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(Path.GetFileName(path) + ": header says 10 images of 28x28 (7840 bytes of data)", e.Message);
        Assert.Contains("ends after 1234 of them", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void CutGzipStreamIsReportedAsCorruptOrTruncated()
    {
        using var folder = new TempFolder();
        string whole = IdxBytes.Write(folder.File("whole.gz"), IdxBytes.ImageFile(20, 28, 28), gzip: true);
        byte[] compressed = File.ReadAllBytes(whole);
        string path = folder.File("cut.gz");
        File.WriteAllBytes(path, compressed[..(compressed.Length / 2)]);

        var e = Assert.Throws<DatasetException>(() => IdxFile.Read(path));

        Assert.Equal(path, e.FilePath);
        Assert.StartsWith("cut.gz: ", e.Message);
        Assert.Matches("truncated|corrupt", e.Message);
    }

    [Fact]
    public void TruncatedHeaderSaysHowManyBytesThereAre()
    {
        using var folder = new TempFolder();
        string tiny = IdxBytes.Write(folder.File("tiny"), [0, 0]);
        string cut = IdxBytes.Write(folder.File("cut"), IdxBytes.ImageFile(1, 2, 2)[..9]);

        var e1 = Assert.Throws<DatasetException>(() => IdxFile.Read(tiny));
        var e2 = Assert.Throws<DatasetException>(() => IdxFile.Read(cut));

        Assert.Equal("tiny: the file is only 2 bytes long, too short for the 4-byte IDX magic number.", e1.Message);
        Assert.Contains("cut: header declares 3 dimensions (12 bytes of sizes) but the file ends after 5 of them", e2.Message);
    }

    [Fact]
    public void BadMagicIsShownInHexWithTheExpectedValues()
    {
        using var folder = new TempFolder();
        string path = IdxBytes.Write(folder.File("page.html"), "<!DOCTYPE html><html></html>"u8.ToArray());

        var e = Assert.Throws<DatasetException>(() => IdxFile.Read(path));

        Assert.Equal(path, e.FilePath);
        Assert.Equal(
            "page.html: not an IDX file: magic number is 0x3C21444F, expected 0x00000801 (labels) or 0x00000803 (images).",
            e.Message);
    }

    [Fact]
    public void OtherDataTypesAreRejectedByName()
    {
        using var folder = new TempFolder();
        string path = IdxBytes.Write(folder.File("floats.idx"), IdxBytes.Build(0x00000D02, [1, 1], new byte[4]));

        var e = Assert.Throws<DatasetException>(() => IdxFile.Read(path));

        Assert.StartsWith("floats.idx: IDX data type 0x0D (float32) is not supported; only unsigned bytes (0x08", e.Message);
    }

    [Fact]
    public void ExtraBytesAfterTheDataAreAnError()
    {
        using var folder = new TempFolder();
        byte[] labels = IdxBytes.LabelFile(1, 2, 3);
        string path = IdxBytes.Write(folder.File("labels"), [.. labels, 4, 5], gzip: true);

        var e = Assert.Throws<DatasetException>(() => IdxFile.Read(path));

        Assert.Equal("labels: header says 3 labels (3 bytes of data) but 2 more bytes follow; the header and the data disagree.",
            e.Message);
    }

    [Fact]
    public void MissingFileGivesItsFullPath()
    {
        using var folder = new TempFolder();
        string path = folder.File("nope-idx3-ubyte");

        var e = Assert.Throws<DatasetException>(() => IdxFile.Read(path));

        Assert.Equal(path, e.FilePath);
        Assert.Equal($"IDX file not found: {path}.", e.Message);
    }

    [Fact]
    public void ImagesAndLabelsSwappedSaysWhichIsWhich()
    {
        using var folder = new TempFolder();
        string labels = IdxBytes.Write(folder.File("labels"), IdxBytes.LabelFile(1, 2));

        var e = Assert.Throws<DatasetException>(() => IdxFile.ReadImages(labels));

        Assert.Equal("labels: expected an image file (magic 0x00000803) but the file has magic 0x00000801 (2 labels).", e.Message);
    }

    [Fact]
    public void LoadDatasetScalesBytesAndChecksShape()
    {
        using var folder = new TempFolder();
        string images = IdxBytes.Write(folder.File("img"), IdxBytes.ImageFile(4, 3, 2));
        string labels = IdxBytes.Write(folder.File("lab"), IdxBytes.LabelFile(3, 1, 0, 2));

        Dataset data = IdxFile.LoadDataset(images, labels, classCount: 4, name: "tiny");

        Assert.Equal("tiny", data.Name);
        Assert.Equal(4, data.Count);
        Assert.Equal(new TensorShape(1, 3, 2), data.SampleShape);
        Assert.Equal([3, 1, 0, 2], data.Labels.ToArray());
        Assert.Equal(IdxBytes.Pixel(2, 1, 1) / 255f, data.Sample(2)[1 * 2 + 1]);
        Assert.Equal(IdxBytes.Pixel(3, 2, 0) / 255f, data.Images[3 * 6 + 4]);
    }

    [Fact]
    public void ImageAndLabelCountsMustAgree()
    {
        using var folder = new TempFolder();
        string images = IdxBytes.Write(folder.File("train-images"), IdxBytes.ImageFile(5, 2, 2));
        string labels = IdxBytes.Write(folder.File("train-labels"), IdxBytes.LabelFile(0, 1, 2, 3));

        var e = Assert.Throws<DatasetException>(() => IdxFile.LoadDataset(images, labels, 10));

        Assert.Equal(labels, e.FilePath);
        Assert.StartsWith("train-labels has 4 labels but train-images has 5 images", e.Message);
    }

    [Fact]
    public void LabelsOutsideTheClassRangeNameSampleValueAndRange()
    {
        using var folder = new TempFolder();
        string images = IdxBytes.Write(folder.File("img"), IdxBytes.ImageFile(3, 2, 2));
        string labels = IdxBytes.Write(folder.File("lab.gz"), IdxBytes.LabelFile(0, 9, 12), gzip: true);

        var e = Assert.Throws<DatasetException>(() => IdxFile.LoadDataset(images, labels, 10));

        Assert.Equal(labels, e.FilePath);
        Assert.Equal("lab.gz: label of sample 2 is 12, outside [0, 10) for 10 classes.", e.Message);
    }
}
