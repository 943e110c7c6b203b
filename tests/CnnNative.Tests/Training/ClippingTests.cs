namespace CnnNative.Tests.Training;

/// <summary>Global-norm gradient clipping over every trainable gradient.</summary>
public class ClippingTests
{
    private static (Sequential Model, float[] Input, int[] Labels) Create(Optimizer optimizer, out Conv2d conv, out Dense dense)
    {
        conv = new Conv2d(1, 3, 3, padding: 1);
        dense = new Dense(3 * 5 * 5, 4);
        var model = new Sequential(new TensorShape(1, 5, 5), [conv, new Tanh(), new Flatten(), dense], seed: 3);
        model.Compile(optimizer, Loss.CrossEntropy);
        float[] input = NaiveReference.RandomArray(new Random(3), 6 * 25, -2f, 2f);
        return (model, input, [0, 1, 2, 3, 0, 1]);
    }

    private static double GlobalNorm(Sequential model) => Math.Sqrt(model.Layers
        .Where(l => !l.IsFrozen)
        .SelectMany(l => l.Gradients)
        .SelectMany(g => g.Value.ToArray())
        .Sum(v => (double)v * v));

    [Fact]
    public void ClippingScalesTheGlobalNormToTheLimitAndTheUpdateUsesTheClippedGradients()
    {
        var (model, input, labels) = Create(new Sgd(0.5f) { ClipGradientNorm = 0.01f }, out Conv2d conv, out Dense dense);
        using Sequential owned = model;
        model.ComputeGradients(input, labels, out _);
        double unclipped = GlobalNorm(model);
        Assert.True(unclipped > 0.05, $"the test needs a gradient norm above the limit; got {unclipped}");
        float[] convBefore = conv.Weight.ToArray(), denseBefore = dense.Weight.ToArray();

        model.TrainBatch(input, labels);

        Assert.Equal(0.01, GlobalNorm(model), 1e-6);
        float[] convGrad = conv.Gradients[0].Value.ToArray(), convAfter = conv.Weight.ToArray();
        for (int i = 0; i < convAfter.Length; i++) Assert.Equal(convBefore[i] - 0.5f * convGrad[i], convAfter[i], 1e-6);
        float[] denseGrad = dense.Gradients[0].Value.ToArray(), denseAfter = dense.Weight.ToArray();
        for (int i = 0; i < denseAfter.Length; i++) Assert.Equal(denseBefore[i] - 0.5f * denseGrad[i], denseAfter[i], 1e-6);
    }

    [Fact]
    public void GradientsBelowTheLimitAreLeftAsTheyAre()
    {
        var (model, input, labels) = Create(new Sgd(0.5f) { ClipGradientNorm = 1e6f }, out _, out _);
        using Sequential owned = model;
        model.ComputeGradients(input, labels, out _);
        double unclipped = GlobalNorm(model);

        model.TrainBatch(input, labels);

        Assert.Equal(unclipped, GlobalNorm(model), 1e-6);
    }

    [Fact]
    public void FrozenLayersAreLeftOutOfTheNorm()
    {
        var (model, input, labels) = Create(new Sgd(0.5f) { ClipGradientNorm = 0.01f }, out Conv2d conv, out _);
        using Sequential owned = model;
        conv.Freeze();
        conv.Gradients[0].Value.AsSpan().Fill(100f); // stale values that must not count

        model.TrainBatch(input, labels);

        Assert.Equal(0.01, GlobalNorm(model), 1e-6);
        Assert.All(conv.Gradients[0].Value.ToArray(), v => Assert.Equal(100f, v));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void ClipLimitMustBePositiveAndFinite(float limit)
    {
        var sgd = new Sgd(0.1f);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => sgd.ClipGradientNorm = limit);

        Assert.Contains("ClipGradientNorm", e.Message);
        sgd.ClipGradientNorm = null; // null disables clipping
    }
}
