namespace CnnNative.Tests.Training;

/// <summary>
/// Every layer's backward pass against central finite differences of Σ y * r (r random), on the CPU; the derived
/// <see cref="OpenCLLayerBackwardTests"/> runs every case again on OpenCL device 0.
/// </summary>
public class LayerBackwardTests
{
    /// <summary>Where the layers run.</summary>
    protected virtual Device Device => Device.Cpu;

    public static TheoryData<int[], bool> ConvCases => new()
    {
        // n, c, h, w, oc, kh, kw, strideH, strideW, pad (top = bottom), pad (left = right), dilationH, dilationW; bias
        { new[] { 2, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1 }, true },
        { new[] { 1, 2, 9, 8, 3, 3, 2, 2, 3, 0, 2, 2, 1 }, true },
        { new[] { 3, 1, 5, 5, 2, 5, 5, 1, 1, 2, 2, 1, 1 }, true },
        { new[] { 2, 4, 6, 7, 5, 1, 1, 1, 1, 0, 0, 1, 1 }, false },
        { new[] { 1, 3, 11, 13, 2, 3, 5, 2, 1, 1, 2, 1, 2 }, true },
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2dBackwardMatchesFiniteDifferences(int[] cfg, bool bias)
    {
        (int n, int c, int h, int w, int oc, int kh, int kw) = (cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5], cfg[6]);
        (int sh, int sw, int padH, int padW, int dh, int dw) = (cfg[7], cfg[8], cfg[9], cfg[10], cfg[11], cfg[12]);
        var random = new Random(n * 1000 + c * 100 + h);
        var conv = new Conv2d(c, oc, (kh, kw), (sh, sw), (padH, padH, padW, padW), (dh, dw), bias);
        using var probe = new LayerProbe(conv, new TensorShape(n, c, h, w), random, device: Device);

        probe.CheckAll($"conv [{n},{c},{h},{w}] k ({kh},{kw}) s ({sh},{sw}) p ({padH},{padW}) d ({dh},{dw})", random);
    }

    [Theory]
    [InlineData(3, 7, 5, true)]
    [InlineData(1, 1, 1, true)]
    [InlineData(4, 13, 2, false)]
    public void DenseBackwardMatchesFiniteDifferences(int n, int inFeatures, int outFeatures, bool bias)
    {
        var random = new Random(inFeatures * 31 + outFeatures);
        using var probe = new LayerProbe(new Dense(inFeatures, outFeatures, bias), new TensorShape(n, inFeatures), random, device: Device);

        probe.CheckAll($"dense {inFeatures}->{outFeatures}", random);
    }

    [Fact]
    public void WeightedLayersComputeParameterGradientsWithoutAnInputGradient()
    {
        // The first layer of a model gets NULL for dx: its weight gradients must still be right.
        var random = new Random(5);
        using var probe = new LayerProbe(new Conv2d(2, 3, 3, padding: 1), new TensorShape(2, 2, 5, 5), random, device: Device);
        probe.Backward(wantInputGradient: true);
        float[] withInput = probe.Layer.Gradients[0].Value.ToArray();

        GradientCheck.Fill(probe.Layer.Gradients[0].Value, 0f);
        probe.Backward(wantInputGradient: false);

        Assert.Equal(withInput, probe.Layer.Gradients[0].Value.ToArray());
        Assert.All(probe.InputGradient.ToArray(), v => Assert.True(float.IsNaN(v))); // dx left alone
    }

    [Theory]
    [InlineData(2, 3, 7, 7, 3, 2, 1)]
    [InlineData(1, 2, 6, 5, 2, 2, 0)]
    [InlineData(2, 1, 5, 6, 3, 1, 1)]
    public void MaxPool2dBackwardMatchesFiniteDifferences(int n, int c, int h, int w, int kernel, int stride, int padding)
    {
        var random = new Random(h * 7 + w);
        using var probe = new LayerProbe(new MaxPool2d(kernel, stride, padding), new TensorShape(n, c, h, w), random, device: Device);
        GradientCheck.RandomizeDistinct(probe.Input, random); // values 0.01 apart: no tie within a step

        probe.CheckAll($"maxpool k{kernel} s{stride} p{padding}", random);
    }

    [Theory]
    [InlineData(2, 2, 7, 6, 3, 2, 1, false)]
    [InlineData(2, 2, 7, 6, 3, 2, 1, true)]
    [InlineData(1, 3, 5, 5, 2, 1, 0, false)]
    public void AvgPool2dBackwardMatchesFiniteDifferences(int n, int c, int h, int w, int kernel, int stride, int padding,
        bool countIncludePad)
    {
        var random = new Random(h * 11 + kernel);
        using var probe = new LayerProbe(new AvgPool2d(kernel, stride, padding, countIncludePad), new TensorShape(n, c, h, w), random, device: Device);

        probe.CheckAll($"avgpool k{kernel} s{stride} p{padding} include {countIncludePad}", random);
    }

    [Fact]
    public void GlobalAvgPool2dBackwardMatchesFiniteDifferences()
    {
        var random = new Random(3);
        using var probe = new LayerProbe(new GlobalAvgPool2d(), new TensorShape(2, 3, 5, 7), random, device: Device);

        probe.CheckAll("global avgpool", random);
    }

    public static TheoryData<string> Activations => new() { "relu", "leaky_relu", "elu", "sigmoid", "tanh" };

    [Theory]
    [MemberData(nameof(Activations))]
    public void ActivationBackwardMatchesFiniteDifferences(string name)
    {
        Layer layer = name switch
        {
            "relu" => new ReLU(),
            "leaky_relu" => new LeakyReLU(0.1f),
            "elu" => new ELU(0.7f),
            "sigmoid" => new Sigmoid(),
            _ => new Tanh(),
        };
        var random = new Random(name.Length);
        using var probe = new LayerProbe(layer, new TensorShape(2, 3, 4, 5), random, device: Device);
        float[] x = probe.Input.ToArray();

        // Coordinates within two steps of the kink at 0 are skipped.
        probe.CheckAll(name, random, skipInput: k => Math.Abs(x[k]) < 2 * GradientCheck.Eps);
    }

    [Theory]
    [InlineData(new[] { 3, 7 })]
    [InlineData(new[] { 2, 4, 3, 3 })]
    public void SoftmaxBackwardMatchesFiniteDifferences(int[] shape)
    {
        var random = new Random(shape.Length);
        using var probe = new LayerProbe(new Softmax(), new TensorShape(shape), random, device: Device);

        probe.CheckAll($"softmax {string.Join("x", shape)}", random);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DropoutBackwardMatchesFiniteDifferencesInBothModes(bool training)
    {
        var random = new Random(training ? 1 : 2);
        using var probe = new LayerProbe(new Dropout(0.3f), new TensorShape(2, 3, 4, 5), random, training, device: Device);
        probe.Objective();
        float[] x = probe.Input.ToArray(), y = probe.Output.ToArray();

        probe.CheckAll($"dropout training {training}", random);

        int dropped = y.Count(v => v == 0);
        if (training)
        {
            Assert.InRange(dropped, 0.15 * y.Length, 0.45 * y.Length); // rate 0.3 of 120
            for (int i = 0; i < y.Length; i++)
                Assert.True(y[i] == 0 || Math.Abs(y[i] - x[i] / 0.7f) < 1e-6, $"kept value {i} is scaled by 1 / (1 - rate)");
        }
        else
        {
            Assert.Equal(x, y);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm2dBackwardMatchesFiniteDifferencesInBothModes(bool training)
    {
        var random = new Random(training ? 3 : 4);
        var bn = new BatchNorm2d(4);
        using var probe = new LayerProbe(bn, new TensorShape(3, 4, 5, 3), random, training, device: Device);
        GradientCheck.Randomize(bn.RunningMean, random, -0.5f, 0.5f);
        GradientCheck.Randomize(bn.RunningVar, random, 0.5f, 2f);
        float[] runningMean = bn.RunningMean.ToArray(), runningVar = bn.RunningVar.ToArray();

        probe.CheckAll($"batchnorm training {training}", random);

        if (!training)
        {
            Assert.Equal(runningMean, bn.RunningMean.ToArray()); // eval passes leave the statistics alone
            Assert.Equal(runningVar, bn.RunningVar.ToArray());
        }
    }

    [Fact]
    public void FrozenLayerLeavesItsGradientsUntouchedButStillComputesDx()
    {
        var random = new Random(9);
        using var probe = new LayerProbe(new Dense(5, 3), new TensorShape(2, 5), random, device: Device);
        foreach (NamedTensor gradient in probe.Layer.Gradients) GradientCheck.Fill(gradient.Value, 42f);
        float[] trainableDx = probe.Backward();
        foreach (NamedTensor gradient in probe.Layer.Gradients) GradientCheck.Fill(gradient.Value, 42f);

        probe.Layer.Freeze();
        float[] frozenDx = probe.Backward();

        Assert.True(probe.Layer.IsFrozen);
        Assert.Equal(trainableDx, frozenDx);
        Assert.All(probe.Layer.Gradients, g => Assert.All(g.Value.ToArray(), v => Assert.Equal(42f, v)));
    }
}

/// <summary>Every case of <see cref="LayerBackwardTests"/> on OpenCL device 0 (PoCL in CI), same tolerances.</summary>
public class OpenCLLayerBackwardTests : LayerBackwardTests
{
    protected override Device Device => Device.OpenCL(0);
}
