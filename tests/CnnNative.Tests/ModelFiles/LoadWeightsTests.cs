namespace CnnNative.Tests.ModelFiles;

public class LoadWeightsTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _path;
    private readonly Dictionary<string, int[]> _sourceBits;

    public LoadWeightsTests()
    {
        _path = _folder.File("source.cnnmodel");
        // conv2d_1 -> relu -> max-pool -> flatten -> dense_1 [36 -> 10] -> relu -> dense_2 [10 -> 2]
        using Sequential source = Trunk(seed: 1, new Dense(36, 10), new ReLU(), new Dense(10, 2));
        ModelZoo.RandomizeState(source, seed: 4);
        source.Save(_path);
        _sourceBits = ModelZoo.Bits(source);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>[1, 8, 8] conv 3x3 -> [4, 6, 6] -> pool 2 -> [4, 3, 3] -> flatten [36] -> the head.</summary>
    private static Sequential Trunk(int seed, params Layer[] head) =>
        new(new TensorShape(1, 8, 8), [new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2), new Flatten(), .. head], seed: seed);

    /// <summary>Same trunk, a 5-class dense_1 and a new layer the file does not have.</summary>
    private static Sequential DifferentHead() => Trunk(seed: 2, new Dense(36, 5), new ReLU(), new Dense(5, 3) { Name = "new_head" });

    [Fact]
    public void MismatchThrowsWithTheReportAndLoadsNothing()
    {
        using Sequential target = DifferentHead();
        var before = ModelZoo.Bits(target);

        var e = Assert.Throws<ModelFileException>(() => target.LoadWeights(_path));

        Assert.Equal(_path, e.Path);
        Assert.Contains("has 2 tensor(s) whose shapes differ", e.Message);
        Assert.Contains("dense_1: weight mismatched: file [10, 36], model [5, 36]; bias mismatched: file [10], model [5]", e.Message);
        Assert.Contains("conv2d_1: weight [4, 1, 3, 3] loaded; bias [4] loaded", e.Message);
        Assert.Equal(before, ModelZoo.Bits(target));
    }

    [Fact]
    public void SkipMismatchedLoadsTheRestAndReportsEveryLayer()
    {
        using Sequential target = DifferentHead();
        var before = ModelZoo.Bits(target);

        WeightLoadReport report = target.LoadWeights(_path, skipMismatched: true);

        Assert.False(report.IsComplete);
        Assert.Equal(["conv2d_1", "dense_1", "new_head", "dense_2"], report.LayerNames);
        Assert.All(report.ForLayer("conv2d_1"), static e => Assert.Equal(WeightLoadStatus.Loaded, e.Status));
        WeightLoadEntry weight = Assert.Single(report.ForLayer("dense_1"), static e => e.TensorName == "weight");
        Assert.Equal(WeightLoadStatus.Mismatched, weight.Status);
        Assert.Equal(new TensorShape(10, 36), weight.FileShape);
        Assert.Equal(new TensorShape(5, 36), weight.ModelShape);
        Assert.All(report.ForLayer("new_head"), static e => Assert.Equal(WeightLoadStatus.MissingInFile, e.Status));
        Assert.All(report.ForLayer("dense_2"), static e => Assert.Equal(WeightLoadStatus.MissingInModel, e.Status));
        Assert.Equal(["conv2d_1.weight", "conv2d_1.bias"], report.Loaded.Select(static e => e.FullName));
        Assert.Equal(2, report.Mismatched.Count);
        Assert.Equal(4, report.Skipped.Count);

        var after = ModelZoo.Bits(target);
        Assert.Equal(_sourceBits["conv2d_1.weight"], after["conv2d_1.weight"]);
        Assert.Equal(_sourceBits["conv2d_1.bias"], after["conv2d_1.bias"]);
        Assert.Equal(before["dense_1.weight"], after["dense_1.weight"]);
        Assert.Equal(before["new_head.weight"], after["new_head.weight"]);
        Assert.Contains("new_head: weight [3, 5] skipped (absent in the file); bias [3] skipped (absent in the file)", report.ToString());
        Assert.Contains("dense_2: weight [2, 10] skipped (absent in the model)", report.ToString());
    }

    [Fact]
    public void ModelWithOnlyTheTrunkLoadsTheTrunkWithoutComplaint()
    {
        using Sequential target = Trunk(seed: 3, new Softmax());

        WeightLoadReport report = target.LoadWeights(_path);

        Assert.Equal(2, report.Loaded.Count);
        Assert.Empty(report.Mismatched);
        Assert.Equal(4, report.Skipped.Count);
        Assert.Equal(_sourceBits["conv2d_1.weight"], ModelZoo.Bits(target)["conv2d_1.weight"]);
    }
}
