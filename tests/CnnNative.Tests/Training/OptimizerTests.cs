namespace CnnNative.Tests.Training;

/// <summary>
/// One or two optimizer steps on Dense(1 -> 2) with input x = 1 and label 0, against values worked by hand:
/// logits z = w + b, p = softmax(z), dL/dz = p - onehot, so dL/dw = dL/db = p - onehot.
/// </summary>
public class OptimizerTests
{
    private static readonly double[] W0 = [0.2, -0.4];
    private static readonly double[] B0 = [0.1, 0.3];

    /// <summary>The hand gradient: p - onehot(label 0) for logits w + b (x = 1).</summary>
    private static double[] HandGradient(double[] w, double[] b)
    {
        double z0 = w[0] + b[0], z1 = w[1] + b[1];
        double p0 = 1 / (1 + Math.Exp(z1 - z0));
        return [p0 - 1, 1 - p0];
    }

    private sealed class Tiny : IDisposable
    {
        public Tiny(Optimizer optimizer)
        {
            Dense = new Dense(1, 2);
            Model = new Sequential(new TensorShape(1), Dense);
            Dense.Weight.CopyFrom(W0.Select(v => (float)v).ToArray());
            Dense.Bias!.CopyFrom(B0.Select(v => (float)v).ToArray());
            Model.Compile(optimizer, Loss.CrossEntropy);
        }

        public Dense Dense { get; }
        public Sequential Model { get; }

        public void Step() => Model.TrainBatch([1f], [0]);

        public void AssertParameters(double[] w, double[] b, string context)
        {
            float[] actualW = Dense.Weight.ToArray(), actualB = Dense.Bias!.ToArray();
            for (int i = 0; i < 2; i++)
            {
                Assert.True(Math.Abs(actualW[i] - w[i]) < 2e-6, $"{context}: w[{i}] = {actualW[i]}, expected {w[i]}");
                Assert.True(Math.Abs(actualB[i] - b[i]) < 2e-6, $"{context}: b[{i}] = {actualB[i]}, expected {b[i]}");
            }
        }

        public void Dispose() => Model.Dispose();
    }

    private static double[] Axpy(double[] p, double a, double[] d) => [p[0] + a * d[0], p[1] + a * d[1]];

    [Fact]
    public void SgdStepIsParameterMinusRateTimesGradient()
    {
        using var tiny = new Tiny(new Sgd(0.1f));
        double[] g = HandGradient(W0, B0);

        tiny.Step();

        tiny.AssertParameters(Axpy(W0, -0.1, g), Axpy(B0, -0.1, g), "sgd");
        Assert.Equal(1, tiny.Model.Optimizer!.Step);
    }

    [Fact]
    public void SgdWeightDecayIsAddedToTheGradient()
    {
        using var tiny = new Tiny(new Sgd(0.1f, weightDecay: 0.5f));
        double[] g = HandGradient(W0, B0);

        tiny.Step();

        // g' = g + 0.5 * p for every parameter, the bias included.
        tiny.AssertParameters(Axpy(W0, -0.1, Axpy(g, 0.5, W0)), Axpy(B0, -0.1, Axpy(g, 0.5, B0)), "sgd weight decay");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SgdMomentumTwoStepsMatchHeavyBallAndNesterov(bool nesterov)
    {
        const double lr = 0.1, m = 0.9;
        using var tiny = new Tiny(new Sgd((float)lr, (float)m, nesterov));

        double[] g1 = HandGradient(W0, B0);
        double[] v1 = g1;                                     // v = m * 0 + g
        double[] step1 = nesterov ? Axpy(g1, m, v1) : v1;     // g + m * v, or v
        double[] w1 = Axpy(W0, -lr, step1), b1 = Axpy(B0, -lr, step1);
        double[] g2 = HandGradient(w1, b1);
        double[] v2 = Axpy(g2, m, v1);                        // m * v1 + g2
        double[] step2 = nesterov ? Axpy(g2, m, v2) : v2;
        double[] w2 = Axpy(w1, -lr, step2), b2 = Axpy(b1, -lr, step2);

        tiny.Step();
        tiny.AssertParameters(w1, b1, "after step 1");
        tiny.Step();
        tiny.AssertParameters(w2, b2, "after step 2");
    }

    /// <summary>Two Adam steps by the textbook formulas; <paramref name="decoupled"/> applies p -= lr * wd * p first.</summary>
    private static (double[] W, double[] B) AdamByHand(double lr, double wd, bool decoupled, int steps)
    {
        const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        double[] w = [.. W0], b = [.. B0];
        double[] mw = new double[2], vw = new double[2], mb = new double[2], vb = new double[2];
        for (int t = 1; t <= steps; t++)
        {
            double[] g = HandGradient(w, b);
            void Update(double[] p, double[] mom, double[] vel)
            {
                for (int i = 0; i < 2; i++)
                {
                    double gi = decoupled ? g[i] : g[i] + wd * p[i];
                    if (decoupled) p[i] -= lr * wd * p[i];
                    mom[i] = beta1 * mom[i] + (1 - beta1) * gi;
                    vel[i] = beta2 * vel[i] + (1 - beta2) * gi * gi;
                    double mHat = mom[i] / (1 - Math.Pow(beta1, t)), vHat = vel[i] / (1 - Math.Pow(beta2, t));
                    p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
                }
            }
            Update(w, mw, vw);
            Update(b, mb, vb);
        }
        return (w, b);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void AdamTwoStepsMatchTheFormulaWithL2Decay(double weightDecay)
    {
        using var tiny = new Tiny(new Adam(learningRate: 0.01f, weightDecay: (float)weightDecay));

        tiny.Step();
        var (w1, b1) = AdamByHand(0.01, weightDecay, decoupled: false, steps: 1);
        tiny.AssertParameters(w1, b1, "adam step 1");
        tiny.Step();
        var (w2, b2) = AdamByHand(0.01, weightDecay, decoupled: false, steps: 2);
        tiny.AssertParameters(w2, b2, "adam step 2");
    }

    [Fact]
    public void AdamWDecaysTheWeightsBeforeTheAdamStep()
    {
        using var tiny = new Tiny(new AdamW(learningRate: 0.01f, weightDecay: 0.5f));

        tiny.Step();
        tiny.Step();

        var (w, b) = AdamByHand(0.01, 0.5, decoupled: true, steps: 2);
        tiny.AssertParameters(w, b, "adamw");
        var (l2W, _) = AdamByHand(0.01, 0.5, decoupled: false, steps: 2);
        Assert.True(Math.Abs(w[0] - l2W[0]) > 1e-4, "decoupled decay must differ from L2 decay here");
    }

    [Fact]
    public void ScheduleScalesTheRateOfEachStep()
    {
        // Warm-up over 2 steps: factors 0.5, then 1.
        using var tiny = new Tiny(new Sgd(0.2f) { Schedule = new LinearWarmup(2) });
        Assert.Equal(0.1f, tiny.Model.Optimizer!.CurrentLearningRate);
        double[] g1 = HandGradient(W0, B0);
        double[] w1 = Axpy(W0, -0.1, g1), b1 = Axpy(B0, -0.1, g1);
        double[] g2 = HandGradient(w1, b1);

        tiny.Step();
        Assert.Equal(0.2f, tiny.Model.Optimizer.CurrentLearningRate);
        tiny.Step();

        tiny.AssertParameters(Axpy(w1, -0.2, g2), Axpy(b1, -0.2, g2), "scheduled sgd");
    }

    [Fact]
    public void OptimizerStateIsCreatedLazilyPerParameter()
    {
        var adam = new Adam();
        using var tiny = new Tiny(adam);
        Assert.Null(adam.StateOf(tiny.Dense.Weight));

        tiny.Step();

        Tensor[] state = adam.StateOf(tiny.Dense.Weight)!;
        Assert.Equal(2, state.Length);
        Assert.All(state, t => Assert.Equal(tiny.Dense.Weight.Shape, t.Shape));
    }

    [Fact]
    public void DisposingTheModelDisposesTheOptimizerState()
    {
        var sgd = new Sgd(0.1f, momentum: 0.5f);
        var tiny = new Tiny(sgd);
        tiny.Step();
        Tensor velocity = sgd.StateOf(tiny.Dense.Weight)![0];

        tiny.Dispose();

        Assert.True(velocity.IsDisposed);
    }
}
