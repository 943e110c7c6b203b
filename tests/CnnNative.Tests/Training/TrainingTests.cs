using System.Runtime.InteropServices;

namespace CnnNative.Tests.Training;

/// <summary>TrainBatch end to end: learning, determinism, modes, EvaluateBatch, non-finite losses, allocation.</summary>
public class TrainingTests
{
    /// <summary>Two Gaussian blobs as 1x4x4 images: class 0 around -0.5, class 1 around +0.5, noise 0.5.</summary>
    private static (float[] Images, int[] Labels) Blobs(int count, int seed)
    {
        var random = new Random(seed);
        var images = new float[count * 16];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            for (int k = 0; k < 16; k++)
            {
                double normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                images[i * 16 + k] = (float)((labels[i] == 0 ? -0.5 : 0.5) + 0.5 * normal);
            }
        }
        return (images, labels);
    }

    private static Sequential SmallNet(int seed) => new(new TensorShape(1, 4, 4),
        [
            new Conv2d(1, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
            new Dropout(0.2f), new Flatten(), new Dense(16, 2), new Softmax(),
        ],
        seed: seed);

    [Fact]
    public void TrainBatchSeparatesTwoBlobsAndDrivesTheLossDown()
    {
        var (images, labels) = Blobs(64, seed: 1);
        using Sequential model = SmallNet(seed: 3);
        model.Compile(new Sgd(0.05f, momentum: 0.9f), Loss.CrossEntropy);
        BatchResult first = model.EvaluateBatch(images, labels);

        var losses = new List<float>();
        for (int epoch = 0; epoch < 15; epoch++)
            for (int b = 0; b < 4; b++)
                losses.Add(model.TrainBatch(images.AsSpan(b * 16 * 16, 16 * 16), labels.AsSpan(b * 16, 16)).Loss);
        BatchResult last = model.EvaluateBatch(images, labels);

        Assert.Equal(64, last.Count);
        Assert.Equal(64, last.Correct);
        Assert.Equal(1.0, last.Accuracy);
        Assert.True(last.Loss < 0.1f && last.Loss < first.Loss / 4, $"loss {first.Loss} -> {last.Loss}");
        Assert.True(losses.TakeLast(4).Average() < losses.Take(4).Average() / 4, "training losses fall");
        Assert.Equal(60, model.Optimizer!.Step);
    }

    private static float[] TrainFiveBatches(int seed)
    {
        var (images, labels) = Blobs(32, seed: 9);
        using Sequential model = SmallNet(seed);
        model.Compile(new Adam(0.01f) { ClipGradientNorm = 1f, Schedule = new CosineDecay(5) }, Loss.CrossEntropyWithLabelSmoothing(0.1f));
        for (int step = 0; step < 5; step++)
            model.TrainBatch(images.AsSpan(step % 4 * 8 * 16, 8 * 16), labels.AsSpan(step % 4 * 8, 8));
        return [.. model.Layers.SelectMany(l => l.Parameters.Concat(l.Buffers)).SelectMany(p => p.Value.ToArray())];
    }

    [Fact]
    public void SameSeedAndThreadsGiveBitIdenticalWeightsAndAnotherSeedDiffers()
    {
        float[] a = TrainFiveBatches(seed: 4), b = TrainFiveBatches(seed: 4), c = TrainFiveBatches(seed: 5);

        Assert.True(MemoryMarshal.AsBytes(a.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.AsSpan())), "same seed, same bits");
        Assert.False(a.AsSpan().SequenceEqual(c), "another seed, other weights");
    }

    [Fact]
    public void ModesDefaultToEvalAndTrainBatchSwitchesToTraining()
    {
        var (images, labels) = Blobs(4, seed: 2);
        using Sequential model = SmallNet(seed: 1);
        model.Compile(new Sgd(0.01f), Loss.CrossEntropy);
        Assert.False(model.IsTraining);
        var evalOutputs = new float[8];
        model.Predict(images, 4, evalOutputs);

        model.TrainBatch(images, labels);

        Assert.True(model.IsTraining);
        model.Eval();
        Assert.False(model.IsTraining);
        model.Train();
        var first = new float[8];
        var second = new float[8];
        model.Predict(images, 4, first);
        model.Predict(images, 4, second);
        Assert.Equal(first, second); // Predict ignores the mode: no dropout, running statistics
        Assert.NotEqual(evalOutputs, first); // the step changed the weights
    }

    [Fact]
    public void EvaluateBatchWritesLogitsBeforeTheSoftmaxAndMatchesPredict()
    {
        var (images, labels) = Blobs(6, seed: 3);
        using Sequential model = SmallNet(seed: 2);
        var logits = new float[12];

        BatchResult result = model.EvaluateBatch(images, labels, logits); // works before Compile: plain cross-entropy

        var probabilities = new float[12];
        model.Predict(images, 6, probabilities);
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < 6; i++)
        {
            double max = Math.Max(logits[2 * i], logits[2 * i + 1]);
            double sum = Math.Exp(logits[2 * i] - max) + Math.Exp(logits[2 * i + 1] - max);
            for (int k = 0; k < 2; k++) Assert.Equal(Math.Exp(logits[2 * i + k] - max) / sum, probabilities[2 * i + k], 1e-5);
            loss -= Math.Log(probabilities[2 * i + labels[i]]);
            if (logits[2 * i + labels[i]] >= logits[2 * i + 1 - labels[i]]) correct++;
        }
        Assert.Equal(loss / 6, result.Loss, 1e-5);
        Assert.Equal(correct, result.Correct);
        Assert.Equal(6, result.Count);
    }

    [Fact]
    public void ANonFiniteLossIsReturnedAndTheUpdateSkipped()
    {
        var (images, labels) = Blobs(4, seed: 4);
        using Sequential model = SmallNet(seed: 2);
        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);
        model.TrainBatch(images, labels);
        float[] before = [.. model.Layers.SelectMany(l => l.Parameters).SelectMany(p => p.Value.ToArray())];
        images[5] = float.NaN;

        BatchResult result = model.TrainBatch(images, labels);

        Assert.True(float.IsNaN(result.Loss));
        float[] after = [.. model.Layers.SelectMany(l => l.Parameters).SelectMany(p => p.Value.ToArray())];
        Assert.Equal(before, after);
        Assert.Equal(1, model.Optimizer!.Step);
        Assert.Equal(1, model.Optimizer.SkippedSteps);
    }

    [Fact]
    public void WarmedUpTrainBatchAndEvaluateBatchAllocateNoManagedMemory()
    {
        var (images, labels) = Blobs(16, seed: 5);
        using Sequential model = SmallNet(seed: 6);
        model.Compile(new Adam(0.01f) { ClipGradientNorm = 1f, Schedule = new LinearWarmup(3, new StepDecay(2, 0.5f)) },
            Loss.CrossEntropyWithLabelSmoothing(0.1f));
        var logits = new float[16 * 2];
        for (int i = 0; i < 3; i++) // warm up: workspaces, optimizer state, JIT
        {
            model.TrainBatch(images, labels);
            model.TrainBatch(images.AsSpan(0, 4 * 16), labels.AsSpan(0, 4));
            model.EvaluateBatch(images, labels, logits);
        }

        long allocated = Allocations.MinOfWindows(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                model.TrainBatch(images, labels);
                model.TrainBatch(images.AsSpan(0, 4 * 16), labels.AsSpan(0, 4));
                model.EvaluateBatch(images, labels, logits);
            }
        });

        Assert.Equal(0, allocated);
    }
}
