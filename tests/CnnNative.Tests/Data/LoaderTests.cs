using CnnNative.Data;

namespace CnnNative.Tests.Data;

/// <summary>FashionMnist and Mnist loaders on small generated folders laid out like the real ones.</summary>
public class LoaderTests
{
    [Fact]
    public void FashionMnistLoadsAFolderOfMixedPlainAndGzipFiles()
    {
        using var folder = new TempFolder();
        IdxBytes.WriteMnistFolder(folder.FullName, trainCount: 30, testCount: 12, rows: 6, columns: 5, gzipTrain: true, gzipTest: false);

        DatasetSplit split = FashionMnist.Load(folder.FullName, Normalization.None);

        Assert.Equal(30, split.Train.Count);
        Assert.Equal(12, split.Test.Count);
        Assert.Equal(new TensorShape(1, 6, 5), split.Train.SampleShape);
        Assert.Equal(new TensorShape(1, 6, 5), split.Test.SampleShape);
        Assert.Equal(10, split.Train.ClassCount);
        Assert.Equal("fashion-mnist train", split.Train.Name);
        Assert.Equal("fashion-mnist test", split.Test.Name);
        Assert.Equal(7, split.Train.Label(17));
        Assert.Equal(IdxBytes.Pixel(17, 4, 3) / 255f, split.Train.Sample(17)[4 * 5 + 3]);
        Assert.Equal(IdxBytes.Pixel(11, 5, 4) / 255f, split.Test.Sample(11)[5 * 5 + 4]);
        Assert.True(split.Normalization.IsIdentity);
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            split.Train.ClassNames);
        Assert.Equal(split.Train.ClassNames, split.Test.ClassNames);
    }

    [Fact]
    public void DefaultNormalizationStandardisesBothPartsWithTrainingStatistics()
    {
        using var folder = new TempFolder();
        IdxBytes.WriteMnistFolder(folder.FullName, trainCount: 40, testCount: 10, rows: 4, columns: 4);
        double[] raw = Enumerable.Range(0, 40).SelectMany(i =>
            Enumerable.Range(0, 16).Select(p => IdxBytes.Pixel(i, p / 4, p % 4) / 255.0)).ToArray();
        double mean = raw.Average();
        double std = Math.Sqrt(raw.Select(v => (v - mean) * (v - mean)).Average());

        DatasetSplit split = FashionMnist.Load(folder.FullName);

        Assert.False(split.Normalization.IsFromTrainingSet);
        Assert.Equal(mean, split.Normalization.Mean[0], 1e-5);
        Assert.Equal(std, split.Normalization.Std[0], 1e-5);
        Assert.Equal(0.0, split.Train.Images.ToArray().Average(v => (double)v), 1e-4);
        float expected = (float)((IdxBytes.Pixel(3, 2, 1) / 255.0 - mean) / std);
        Assert.Equal(expected, split.Test.Sample(3)[2 * 4 + 1], 1e-4);
    }

    [Fact]
    public void GivenNormalizationIsAppliedAsIs()
    {
        using var folder = new TempFolder();
        IdxBytes.WriteMnistFolder(folder.FullName, trainCount: 10, testCount: 10, rows: 3, columns: 3);

        DatasetSplit split = FashionMnist.Load(folder.FullName, Normalization.Standardize(0.5f, 0.25f));

        Assert.Equal((IdxBytes.Pixel(4, 1, 2) / 255f - 0.5f) / 0.25f, split.Train.Sample(4)[1 * 3 + 2], 1e-5);
        Assert.Equal(0.5f, split.Normalization.Mean[0]);
        Assert.Equal(0.25f, split.Normalization.Std[0]);
    }

    [Fact]
    public void MissingFolderListsTheFilesAndHowToInstallThem()
    {
        using var folder = new TempFolder();
        string missing = Path.Combine(folder.FullName, "not-there");

        var e = Assert.Throws<DatasetException>(() => FashionMnist.Load(missing));

        Assert.Equal(missing, e.FilePath);
        Assert.StartsWith($"Fashion-MNIST was not found in {missing}: the folder does not exist.", e.Message);
        foreach (string name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
            Assert.Contains(name + "(.gz)", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void FolderWithoutOneFileSaysWhichIsMissing()
    {
        using var folder = new TempFolder();
        IdxBytes.WriteMnistFolder(folder.FullName, 10, 10, 2, 2, gzipTrain: false, gzipTest: true);
        File.Delete(folder.File("t10k-labels-idx1-ubyte.gz"));

        var e = Assert.Throws<DatasetException>(() => Mnist.Load(folder.FullName));

        Assert.StartsWith($"MNIST was not found in {folder.FullName}: the folder lacks t10k-labels-idx1-ubyte(.gz).", e.Message);
    }

    [Fact]
    public void BrokenFileInTheFolderIsNamed()
    {
        using var folder = new TempFolder();
        IdxBytes.WriteMnistFolder(folder.FullName, 10, 10, 2, 2, gzipTrain: false, gzipTest: false);
        IdxBytes.Write(folder.File("t10k-labels-idx1-ubyte"), IdxBytes.LabelFile(IdxBytes.CyclicLabels(9, 10)));

        var e = Assert.Throws<DatasetException>(() => FashionMnist.Load(folder.FullName));

        Assert.Equal(folder.File("t10k-labels-idx1-ubyte"), e.FilePath);
        Assert.StartsWith("t10k-labels-idx1-ubyte has 9 labels but t10k-images-idx3-ubyte has 10 images", e.Message);
    }

    [Fact]
    public void MnistUsesDigitNames()
    {
        using var folder = new TempFolder();
        IdxBytes.WriteMnistFolder(folder.FullName, 10, 5, 2, 3);

        DatasetSplit split = Mnist.Load(folder.FullName, Normalization.None);

        Assert.Equal("mnist train", split.Train.Name);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            split.Test.ClassNames);
        Assert.Equal(5, split.Test.Count);
    }
}
