namespace CnnNative.Tests.Training;

/// <summary>
/// A whole small network (conv, batch norm, ReLU, max pooling, dropout with the model's seed, flatten, dense,
/// softmax) through Sequential.ComputeGradients against finite differences of the loss.
/// </summary>
public class NetworkGradientTests
{
    private const int Batch = 3;
    private static readonly int[] Labels = [4, 0, 2];

    private static Sequential CreateModel(out Conv2d conv, out BatchNorm2d bn, out Dense dense, Device? device = null)
    {
        conv = new Conv2d(2, 4, 3, padding: 1);
        bn = new BatchNorm2d(4);
        dense = new Dense(4 * 3 * 3, 5);
        var model = new Sequential(new TensorShape(2, 7, 7),
            [conv, bn, new ReLU(), new MaxPool2d(2), new Dropout(0.3f), new Flatten(), dense, new Softmax()], seed: 11,
            device: device);
        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);
        return model;
    }

    /// <summary>Runs on the CPU and on OpenCL device 0 (PoCL in CI): the same checks, the same tolerances.</summary>
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void LossGradientWrtInputsAndWeightsMatchesFiniteDifferences(bool training, bool openCL)
    {
        using Sequential model = CreateModel(out Conv2d conv, out BatchNorm2d bn, out Dense dense,
            openCL ? Device.OpenCL(0) : Device.Cpu);
        Assert.Equal(openCL, !conv.Weight.Device.IsCpu);
        var random = new Random(training ? 21 : 22);
        GradientCheck.Randomize(bn.Gamma, random, 0.5f, 1.5f);
        GradientCheck.Randomize(bn.Beta, random, -0.2f, 0.2f);
        GradientCheck.Randomize(bn.RunningMean, random, -0.2f, 0.2f);
        GradientCheck.Randomize(bn.RunningVar, random, 0.5f, 1.5f);
        using var input = Tensor.FromArray(NaiveReference.RandomArray(random, Batch * 2 * 7 * 7, -2f, 2f), Batch, 2, 7, 7);
        if (training) model.Train(); else model.Eval();

        var inputGradient = new float[Batch * 2 * 7 * 7];
        float[] inputs = input.ToArray();
        model.ComputeGradients(inputs, Labels, out float loss, inputGradient);
        var gradients = new Dictionary<string, float[]>();
        foreach (Layer layer in model.Layers)
            foreach (NamedTensor g in layer.Gradients) gradients[$"{layer.Name}.{g.Name}"] = g.Value.ToArray();
        double Loss()
        {
            model.ComputeGradients(input.ToArray(), Labels, out float value);
            return value;
        }

        Assert.True(float.IsFinite(loss) && loss > 0);
        Assert.Equal(loss, (float)Loss()); // same step, same dropout mask: the loss is reproducible
        const double abs = 2e-3, rel = 2e-2;
        GradientCheck.Check("d loss / d input", input, inputGradient, Loss, random, samples: 200, absTol: abs, relTol: rel, detectKinks: true);
        GradientCheck.Check("conv weight", conv.Weight, gradients["conv2d_1.weight"], Loss, random, absTol: abs, relTol: rel, detectKinks: true);
        GradientCheck.Check("conv bias", conv.Bias!, gradients["conv2d_1.bias"], Loss, random, absTol: abs, relTol: rel, detectKinks: true);
        GradientCheck.Check("bn gamma", bn.Gamma, gradients["batch_norm2d_1.weight"], Loss, random, absTol: abs, relTol: rel, detectKinks: true);
        GradientCheck.Check("bn beta", bn.Beta, gradients["batch_norm2d_1.bias"], Loss, random, absTol: abs, relTol: rel, detectKinks: true);
        GradientCheck.Check("dense weight", dense.Weight, gradients["dense_1.weight"], Loss, random, absTol: abs, relTol: rel, detectKinks: true);
        GradientCheck.Check("dense bias", dense.Bias!, gradients["dense_1.bias"], Loss, random, absTol: abs, relTol: rel, detectKinks: true);
        if (training)
        {
            // In training mode with batch statistics, the conv bias cancels out: its gradient is zero.
            Assert.All(gradients["conv2d_1.bias"], v => Assert.True(Math.Abs(v) < 1e-5, $"conv bias gradient {v}"));
        }
    }

    [Fact]
    public void TrainingAndEvalModesGiveDifferentLossesAndDropoutMasksFollowTheStep()
    {
        using Sequential model = CreateModel(out _, out _, out _);
        float[] input = NaiveReference.RandomArray(new Random(5), Batch * 2 * 7 * 7, -2f, 2f);

        model.Eval();
        model.ComputeGradients(input, Labels, out float eval1);
        model.ComputeGradients(input, Labels, out float eval2);
        model.Train();
        model.ComputeGradients(input, Labels, out float train1);
        model.ComputeGradients(input, Labels, out float train2);

        Assert.Equal(eval1, eval2);
        Assert.Equal(train1, train2);
        Assert.NotEqual(eval1, train1);
        Assert.Equal(0, model.TrainingStep);
    }

    [Fact]
    public void SoftmaxLastIsFusedIntoTheLoss()
    {
        // The same weights with and without the final Softmax: same loss and gradients, because the loss
        // takes the Softmax's input as logits.
        var random = new Random(8);
        float[] weights = NaiveReference.RandomArray(random, 3 * 6);
        float[] input = NaiveReference.RandomArray(random, 4 * 6);
        int[] labels = [0, 2, 1, 1];
        float[] Run(bool softmax, out float loss)
        {
            var dense = new Dense(6, 3);
            using var model = softmax ? new Sequential(new TensorShape(6), dense, new Softmax()) : new Sequential(new TensorShape(6), dense);
            dense.Weight.CopyFrom(weights);
            model.Compile(new Sgd(0.1f), Loss.CrossEntropy);
            model.ComputeGradients(input, labels, out loss);
            return dense.Gradients[0].Value.ToArray();
        }

        float[] with = Run(softmax: true, out float lossWith), without = Run(softmax: false, out float lossWithout);

        Assert.Equal(lossWithout, lossWith);
        Assert.Equal(without, with);
    }
}
