using System.Text.RegularExpressions;

namespace CnnNative.Tests;

public class SummaryTests
{
    [Fact]
    public void SummaryListsNamesShapesAndHandCountedParameters()
    {
        // Input [N, 1, 8, 8].
        // conv2d_1: 4 filters of 1x3x3 + 4 biases = 36 + 4 = 40; padding 1 keeps 8x8 -> [N, 4, 8, 8]
        // relu_1: 0 -> [N, 4, 8, 8];   max_pool2d_1: 0 -> [N, 4, 4, 4];   flatten_1: 0 -> [N, 64]
        // dense_1: 64 * 10 + 10 = 650 -> [N, 10];   softmax_1: 0 -> [N, 10]
        // total 40 + 650 = 690
        using var model = new Sequential(new TensorShape(1, 8, 8),
            new Conv2d(1, 4, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Flatten(), new Dense(64, 10), new Softmax());

        string summary = model.Summary();

        AssertRow(summary, "conv2d_1 (Conv2d)", "[N, 4, 8, 8]", "40");
        AssertRow(summary, "relu_1 (ReLU)", "[N, 4, 8, 8]", "0");
        AssertRow(summary, "max_pool2d_1 (MaxPool2d)", "[N, 4, 4, 4]", "0");
        AssertRow(summary, "flatten_1 (Flatten)", "[N, 64]", "0");
        AssertRow(summary, "dense_1 (Dense)", "[N, 10]", "650");
        AssertRow(summary, "softmax_1 (Softmax)", "[N, 10]", "0");
        Assert.Contains("Total params: 690", summary);
        Assert.Contains("[N, 1, 8, 8]", summary); // the input
        Assert.Equal(690, model.ParameterCount);
    }

    [Fact]
    public void LayersOfTheSameTypeAreNumberedInOrderAndCustomNamesAreKept()
    {
        var head = new Dense(8, 2) { Name = "head" };
        using var model = new Sequential(new TensorShape(4),
            new Dense(4, 8), new ReLU(), new Dense(8, 8), new ReLU(), head);

        Assert.Equal(["dense_1", "relu_1", "dense_2", "relu_2", "head"], model.Layers.Select(l => l.Name));
        Assert.Equal(
            ["dense_1.weight", "dense_1.bias", "dense_2.weight", "dense_2.bias", "head.weight", "head.bias"],
            model.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void TotalUsesThousandsSeparators()
    {
        // 1000 * 1000 weights + 1000 biases = 1,001,000; 1000 * 10 + 10 = 10,010; total 1,011,010.
        using var model = new Sequential(new TensorShape(1000), new Dense(1000, 1000), new ReLU(), new Dense(1000, 10));

        string summary = model.Summary();

        AssertRow(summary, "dense_1 (Dense)", "[N, 1000]", "1,001,000");
        AssertRow(summary, "dense_2 (Dense)", "[N, 10]", "10,010");
        Assert.Contains("Total params: 1,011,010", summary);
    }

    [Fact]
    public void UnbuiltModelShowsUnknownShapesButCountsParameters()
    {
        // Dense(3, 2): 3 * 2 + 2 = 8.
        using var model = new Sequential(new Dense(3, 2), new Tanh());

        string summary = model.Summary();

        AssertRow(summary, "dense_1 (Dense)", "?", "8");
        Assert.Contains("Total params: 8", summary);
        Assert.Throws<InvalidOperationException>(() => model.InputShape);
        Assert.False(model.IsBuilt);

        model.Build(new TensorShape(3));
        AssertRow(model.Summary(), "tanh_1 (Tanh)", "[N, 2]", "0");
        Assert.Equal(new TensorShape(2), model.OutputShape);
    }

    /// <summary>A line starting with the name, then the shape, ending with the count, separated by spaces.</summary>
    private static void AssertRow(string summary, string name, string shape, string count)
    {
        string pattern = $"^{Regex.Escape(name)} +{Regex.Escape(shape)} +{Regex.Escape(count)}$";
        Assert.True(Regex.IsMatch(summary, pattern, RegexOptions.Multiline), $"no row /{pattern}/ in:\n{summary}");
    }
}
