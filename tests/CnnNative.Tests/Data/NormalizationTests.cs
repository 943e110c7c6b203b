using CnnNative.Data;

namespace CnnNative.Tests.Data;

/// <summary>Mean/std standardisation: hand-computed statistics, per-channel application and errors.</summary>
public class NormalizationTests
{
    [Fact]
    public void ComputeFromGivesPopulationMeanAndStdPerChannel()
    {
        // Two samples of [2, 1, 2]: channel 0 holds {0, 2, 2, 0} (mean 1, std 1), channel 1 holds {5, 5, 5, 5}.
        var data = new Dataset([0, 2, 5, 5, 2, 0, 5, 5], [0, 1], new TensorShape(2, 1, 2), classCount: 2);

        Normalization n = Normalization.ComputeFrom(data);

        Assert.Equal([1f, 5f], n.Mean.ToArray());
        Assert.Equal([1f, 1f], n.Std.ToArray()); // a constant channel gets std 1: it is only centred
        Dataset standardised = n.Apply(data);
        Assert.Equal([-1f, 1f, 0f, 0f, 1f, -1f, 0f, 0f], standardised.Images.ToArray());
        Assert.Equal([0f, 2f, 5f, 5f, 2f, 0f, 5f, 5f], data.Images.ToArray()); // the original is untouched
    }

    [Fact]
    public void SingleChannelStdMatchesHandComputation()
    {
        var data = new Dataset([0f, 1f, 1f, 2f], [0, 0], new TensorShape(1, 1, 2), classCount: 1);

        Normalization n = Normalization.ComputeFrom(data);

        Assert.Equal(1f, n.Mean[0]);
        Assert.Equal(MathF.Sqrt(0.5f), n.Std[0], 1e-6);
    }

    [Fact]
    public void StandardizeMapsValuesAndBroadcastsOneValueOverChannels()
    {
        float[] values = [0f, 0.5f, 1f, 0.25f];
        Normalization.Standardize(0.5f, 0.25f).Normalize(values, new TensorShape(2, 1, 1));
        Assert.Equal([-2f, 0f, 2f, -1f], values);

        float[] rgb = [1f, 1f, 1f, 1f, 1f, 1f];
        Normalization.Standardize([0f, 0.5f, 1f], [1f, 0.5f, 2f]).Normalize(rgb, new TensorShape(3, 1, 2));
        Assert.Equal([1f, 1f, 1f, 1f, 0f, 0f], rgb);
    }

    [Fact]
    public void MistakesAreExplained()
    {
        var e1 = Assert.Throws<ArgumentException>(() => Normalization.Standardize(0f, 0f));
        Assert.Contains("std 0", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Normalization.Standardize([0f, 0f], [1f]));
        Assert.Contains("2 means and 1 stds", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() =>
            Normalization.Standardize([0f, 0f], [1f, 1f]).Normalize(new float[12], new TensorShape(3, 2, 2)));
        Assert.Contains("2 channel means but samples [3, 2, 2] have 3 channels", e3.Message);
        Assert.Throws<InvalidOperationException>(() => Normalization.FromTrainingSet.Normalize(new float[4], new TensorShape(1, 2, 2)));
        var e4 = Assert.Throws<ArgumentException>(() => Normalization.None.Normalize(new float[5], new TensorShape(1, 2, 2)));
        Assert.Contains("5 values are not a whole number of samples of [1, 2, 2]", e4.Message);
    }

    [Fact]
    public void ToStringShowsTheNumbers()
    {
        Assert.Equal("none", Normalization.None.ToString());
        Assert.Equal("from training set", Normalization.FromTrainingSet.ToString());
        Assert.Equal("mean 0.2860; std 0.3530", Normalization.Standardize(0.286f, 0.353f).ToString());
    }
}
