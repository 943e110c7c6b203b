namespace CnnNative.Tests.Training;

/// <summary>The explicit initializers on Conv2d and Dense.</summary>
public class InitializerTests
{
    private static (double Std, double MaxAbs) Statistics(float[] values)
    {
        double mean = values.Average(v => (double)v);
        return (Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length), values.Max(v => Math.Abs((double)v)));
    }

    [Fact]
    public void HeUniformHasLimitSqrtSixOverFanIn()
    {
        // fan_in 1000: limit sqrt(6/1000) = 0.07746, std limit / sqrt(3) = 0.044721; overrides Glorot ahead of a softmax.
        var dense = new Dense(1000, 500, initializer: Initializer.HeUniform);
        using var model = new Sequential(dense, new Softmax());

        var (std, maxAbs) = Statistics(dense.Weight.ToArray());

        Assert.InRange(maxAbs, 0.07746 * 0.999, 0.07746);
        Assert.InRange(std, 0.044721 * 0.98, 0.044721 * 1.02);
        Assert.Equal(Initializer.HeUniform, dense.Initializer);
    }

    [Fact]
    public void GlorotNormalHasStdSqrtTwoOverFanSum()
    {
        // conv fan_in 16*9 = 144, fan_out 32*9 = 288: std sqrt(2/432) = 0.068041; ahead of a ReLU it still wins.
        var conv = new Conv2d(16, 32, 3, initializer: Initializer.GlorotNormal);
        using var model = new Sequential(conv, new ReLU());

        var (std, maxAbs) = Statistics(conv.Weight.ToArray());

        Assert.InRange(std, 0.068041 * 0.95, 0.068041 * 1.05);
        Assert.True(maxAbs > 2.5 * 0.068041, "a normal sample of 4608 reaches beyond 2.5 std");
    }

    [Fact]
    public void HeNormalCanBeForcedAndGlorotUniformToo()
    {
        var he = new Dense(1000, 200, initializer: Initializer.HeNormal);
        var glorot = new Conv2d(8, 8, (1, 1), initializer: Initializer.GlorotUniform);
        using var a = new Sequential(he, new Tanh());
        using var b = new Sequential(glorot, new ReLU());

        Assert.InRange(Statistics(he.Weight.ToArray()).Std, 0.044721 * 0.97, 0.044721 * 1.03);
        Assert.InRange(Statistics(glorot.Weight.ToArray()).MaxAbs, 0, Math.Sqrt(6.0 / 16));
    }

    [Fact]
    public void UnknownInitializerIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(2, 2, initializer: (Initializer)42));

        Assert.Contains("HeUniform", e.Message);
    }
}
