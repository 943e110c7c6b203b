namespace CnnNative.Tests;

public class InitializationTests
{
    [Fact]
    public void SameSeedGivesSameWeightsAndDifferentSeedDifferentWeights()
    {
        static float[] Weights(int seed)
        {
            var conv = new Conv2d(3, 8, 3);
            var dense = new Dense(8 * 6 * 6, 4);
            using var model = new Sequential(new TensorShape(3, 8, 8), [conv, new ReLU(), new Flatten(), dense], seed: seed);
            return [.. conv.Weight.ToArray(), .. dense.Weight.ToArray()];
        }

        float[] a = Weights(5), b = Weights(5), c = Weights(6);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Contains(a, v => v != 0);
    }

    [Fact]
    public void DefaultSeedIs42()
    {
        var first = new Dense(10, 10);
        var second = new Dense(10, 10);
        using var defaults = new Sequential(first);
        using var explicit42 = new Sequential(inputShape: null, [second], seed: 42);

        Assert.Equal(42, defaults.Seed);
        Assert.Equal(first.Weight.ToArray(), second.Weight.ToArray());
    }

    [Fact]
    public void LayersAreInitialisedInOrderFromOneStream()
    {
        // The second dense layer's weights must differ from the first's even with equal shapes.
        var first = new Dense(16, 16);
        var second = new Dense(16, 16);
        using var model = new Sequential(first, second);

        Assert.NotEqual(first.Weight.ToArray(), second.Weight.ToArray());
    }

    [Fact]
    public void HeNormalAheadOfReluHasStdSqrtTwoOverFanIn()
    {
        // fan_in = 1000 -> std = sqrt(2 / 1000) = 0.044721; 10^6 samples: the sample std is within 1%.
        var dense = new Dense(1000, 1000);
        using var model = new Sequential(dense, new ReLU());

        var (mean, std, maxAbs) = Statistics(dense.Weight.ToArray());

        Assert.InRange(std, 0.044721 * 0.97, 0.044721 * 1.03);
        Assert.InRange(mean, -0.001, 0.001);
        Assert.True(maxAbs > 2 * 0.044721, "a normal sample of 10^6 reaches beyond 2 std"); // unlike a uniform
        Assert.All(dense.Bias!.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void HeNormalSeesThroughMaxPoolingAndDropoutToTheActivation()
    {
        // conv fan_in = 64 * 3 * 3 = 576 -> std sqrt(2 / 576) = 0.058926 (Glorot would give
        // limit sqrt(6 / (576 + 32*9)) = 0.083333, std 0.048113, clearly different).
        var conv = new Conv2d(64, 32, 3);
        using var model = new Sequential(conv, new MaxPool2d(2), new Dropout(0.1f), new LeakyReLU());

        var (_, std, _) = Statistics(conv.Weight.ToArray());

        Assert.InRange(std, 0.058926 * 0.95, 0.058926 * 1.05);
    }

    [Fact]
    public void GlorotUniformOtherwiseWithLimitSqrtSixOverFanInPlusFanOut()
    {
        // fan_in 1000, fan_out 500 -> limit sqrt(6 / 1500) = 0.063246, std limit / sqrt(3) = 0.036515.
        var dense = new Dense(1000, 500);
        using var model = new Sequential(dense, new Softmax());

        var (mean, std, maxAbs) = Statistics(dense.Weight.ToArray());

        Assert.InRange(std, 0.036515 * 0.98, 0.036515 * 1.02);
        Assert.InRange(mean, -0.001, 0.001);
        Assert.InRange(maxAbs, 0.063246 * 0.999, 0.063246);
    }

    [Fact]
    public void GlorotForConvolutionUsesReceptiveFieldInFans()
    {
        // fan_in = 16 * 5 * 5 = 400, fan_out = 32 * 5 * 5 = 800 -> limit sqrt(6 / 1200) = 0.070711.
        var conv = new Conv2d(16, 32, 5);
        using var model = new Sequential(conv, new Tanh());

        var (_, std, maxAbs) = Statistics(conv.Weight.ToArray());

        Assert.InRange(maxAbs, 0.070711 * 0.99, 0.070711);
        Assert.InRange(std, 0.070711 / Math.Sqrt(3) * 0.97, 0.070711 / Math.Sqrt(3) * 1.03);
    }

    private static (double Mean, double Std, double MaxAbs) Statistics(float[] values)
    {
        double mean = values.Average(v => (double)v);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / values.Length;
        return (mean, Math.Sqrt(variance), values.Max(v => Math.Abs((double)v)));
    }
}
