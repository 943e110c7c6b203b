namespace CnnNative.Tests.Training;

/// <summary>BatchNorm2d: training vs inference outputs and running statistics against plain loops.</summary>
public class BatchNorm2dTests
{
    private const int N = 3, C = 2, H = 4, W = 5, Plane = H * W;

    private static (double[] Mean, double[] BiasedVar) Statistics(float[] x)
    {
        var mean = new double[C];
        var variance = new double[C];
        for (int c = 0; c < C; c++)
        {
            double sum = 0, squares = 0;
            for (int n = 0; n < N; n++)
                for (int k = 0; k < Plane; k++) sum += x[(n * C + c) * Plane + k];
            mean[c] = sum / (N * Plane);
            for (int n = 0; n < N; n++)
                for (int k = 0; k < Plane; k++) squares += Math.Pow(x[(n * C + c) * Plane + k] - mean[c], 2);
            variance[c] = squares / (N * Plane);
        }
        return (mean, variance);
    }

    [Fact]
    public void TrainingNormalisesWithBatchStatisticsAndUpdatesRunningStatistics()
    {
        var random = new Random(1);
        using var bn = new BatchNorm2d(C, momentum: 0.2f, epsilon: 1e-3f);
        bn.Gamma.CopyFrom([1.5f, -0.5f]);
        bn.Beta.CopyFrom([0.25f, 2f]);
        using var x = Tensor.FromArray(NaiveReference.RandomArray(random, N * C * Plane, -3f, 5f), N, C, H, W);
        using var y = new Tensor(N, C, H, W);
        Tensor[] state = bn.CreateTrainingState(Device.Cpu, x.Shape)!;

        bn.ForwardTraining(Device.Cpu, x, y, new TrainingPass(true, 0), state);

        float[] xs = x.ToArray(), ys = y.ToArray();
        var (mean, variance) = Statistics(xs);
        float[] gamma = [1.5f, -0.5f], beta = [0.25f, 2f];
        var expected = new float[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            int c = i / Plane % C;
            expected[i] = (float)(gamma[c] * (xs[i] - mean[c]) / Math.Sqrt(variance[c] + 1e-3) + beta[c]);
        }
        NaiveReference.AssertClose(expected, ys, "batch norm training output");
        int m = N * Plane;
        NaiveReference.AssertClose([(float)(0.2 * mean[0]), (float)(0.2 * mean[1])], bn.RunningMean.ToArray(), "running mean");
        NaiveReference.AssertClose(
            [(float)(0.8 + 0.2 * variance[0] * m / (m - 1)), (float)(0.8 + 0.2 * variance[1] * m / (m - 1))],
            bn.RunningVar.ToArray(), "running var (unbiased)");
        NaiveReference.AssertClose([(float)mean[0], (float)mean[1]], state[0].ToArray(), "saved mean");
        foreach (Tensor? t in state) t?.Dispose();
    }

    [Fact]
    public void InferenceUsesRunningStatisticsAndDiffersFromTraining()
    {
        var random = new Random(2);
        var bn = new BatchNorm2d(C);
        using var model = new Sequential(new TensorShape(C, H, W), [bn, new Flatten(), new Dense(C * Plane, 3)], seed: 1);
        bn.RunningMean.CopyFrom([0.5f, -1f]);
        bn.RunningVar.CopyFrom([4f, 0.25f]);
        bn.Gamma.CopyFrom([2f, 1f]);
        bn.Beta.CopyFrom([0f, 1f]);
        float[] input = NaiveReference.RandomArray(random, N * C * Plane, -2f, 2f);
        using var x = Tensor.FromArray(input, N, C, H, W);
        using var y = new Tensor(N, C, H, W);

        bn.Forward(Device.Cpu, x, y);

        float[] ys = y.ToArray();
        for (int i = 0; i < ys.Length; i++)
        {
            int c = i / Plane % C;
            double expected = c == 0 ? 2 * (input[i] - 0.5) / Math.Sqrt(4 + 1e-5) : (input[i] + 1) / Math.Sqrt(0.25 + 1e-5) + 1;
            Assert.Equal(expected, ys[i], 1e-4); // a tolerance: rounding both to 4 places fails near a boundary
        }

        // In a model: Predict uses the running statistics, training uses the batch's and moves the running ones.
        model.Compile(new Sgd(0.01f), Loss.CrossEntropy);
        model.Eval();
        model.ComputeGradients(input, [0, 1, 2], out float evalLoss);
        Assert.Equal([0.5f, -1f], bn.RunningMean.ToArray());
        model.Train();
        model.ComputeGradients(input, [0, 1, 2], out float trainLoss);
        Assert.NotEqual(evalLoss, trainLoss);
        var (mean, _) = Statistics(input);
        Assert.Equal(0.9 * 0.5 + 0.1 * mean[0], bn.RunningMean.ToArray()[0], 1e-5);
    }

    [Fact]
    public void ParametersBuffersAndInitialValues()
    {
        using var bn = new BatchNorm2d(3, momentum: 0.05f, epsilon: 1e-4f);

        Assert.Equal(["weight", "bias"], bn.Parameters.Select(p => p.Name));
        Assert.Equal(["running_mean", "running_var"], bn.Buffers.Select(p => p.Name));
        Assert.Same(bn.Gamma, bn.Parameters[0].Value);
        Assert.Same(bn.RunningVar, bn.Buffers[1].Value);
        Assert.Equal([1f, 1f, 1f], bn.Gamma.ToArray());
        Assert.Equal([0f, 0f, 0f], bn.Beta.ToArray());
        Assert.Equal([0f, 0f, 0f], bn.RunningMean.ToArray());
        Assert.Equal([1f, 1f, 1f], bn.RunningVar.ToArray());
        Assert.Equal((3, 0.05f, 1e-4f), (bn.NumFeatures, bn.Momentum, bn.Epsilon));
        Assert.Equal(6, bn.ParameterCount);
    }

    [Fact]
    public void ShapeAndArgumentErrorsNameTheNumbers()
    {
        var e = Assert.Throws<ArgumentException>(() => new Sequential(new TensorShape(3, 8, 8), new BatchNorm2d(4)));
        Assert.Contains("[N, 4, H, W]", e.Message);
        Assert.Contains("channel count 3 != 4", e.Message);
        Assert.Contains("rank 2 != 4", Assert.Throws<ArgumentException>(() => new BatchNorm2d(4).OutputShape(new TensorShape(2, 4))).Message);
        Assert.Contains("momentum must be in [0, 1]; got 1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm2d(2, momentum: 1.5f)).Message);
        Assert.Contains("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm2d(2, epsilon: 0f)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm2d(0));
    }

    [Fact]
    public void ConvFollowedByBatchNormAndReluGetsHeInitialisation()
    {
        // fan_in = 64 * 9 = 576: He std sqrt(2/576) = 0.0589; Glorot uniform would give std 0.0481.
        var conv = new Conv2d(64, 32, 3);
        using var model = new Sequential(conv, new BatchNorm2d(32), new ReLU());

        float[] w = conv.Weight.ToArray();
        double std = Math.Sqrt(w.Select(v => (double)v * v).Average());

        Assert.InRange(std, 0.0589 * 0.95, 0.0589 * 1.05);
    }
}
