using System.Runtime.InteropServices;

namespace CnnNative.Tests;

/// <summary>Many threads on one model get identical results, and a warmed-up Predict allocates nothing.</summary>
public class ConcurrencyAndAllocationTests
{
    private static Sequential CreateModel() => new(new TensorShape(3, 28, 28),
        new Conv2d(3, 16, 5, padding: 2), new ReLU(), new MaxPool2d(2),
        new Conv2d(16, 32, 3), new LeakyReLU(), new AvgPool2d(2),
        new Flatten(), new Dropout(0.5f), new Dense(32 * 6 * 6, 64), new ELU(), new Dense(64, 10), new Softmax());

    [Fact]
    public void EightThreadsPredictingAtOnceGetBitIdenticalResults()
    {
        const int threads = 8, inputsPerThread = 6, rounds = 5;
        using Sequential model = CreateModel();
        var random = new Random(123);
        float[][] inputs = Enumerable.Range(0, inputsPerThread)
            .Select(_ => NaiveReference.RandomArray(random, 3 * 3 * 28 * 28)).ToArray();
        float[][] expected = inputs.Select(input => model.Predict(input, batchSize: 3)).ToArray();

        var failures = new List<string>();
        using var start = new Barrier(threads);
        Thread[] workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var output = new float[3 * 10];
            start.SignalAndWait();
            for (int round = 0; round < rounds; round++)
            for (int i = 0; i < inputsPerThread; i++)
            {
                int k = (i + t) % inputsPerThread; // threads work on different inputs at the same moment
                model.Predict(inputs[k], 3, output);
                if (!MemoryMarshal.AsBytes(output.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(expected[k].AsSpan())))
                    lock (failures) failures.Add($"thread {t}, round {round}, input {k}");
            }
        })).ToArray();
        foreach (Thread worker in workers) worker.Start();
        foreach (Thread worker in workers) worker.Join();

        Assert.Empty(failures);
    }

    [Fact]
    public void WarmedUpPredictAllocatesNoManagedMemory()
    {
        using Sequential model = CreateModel();
        float[] single = NaiveReference.RandomArray(new Random(1), 3 * 28 * 28);
        float[] batch = NaiveReference.RandomArray(new Random(2), 4 * 3 * 28 * 28);
        var output = new float[10];
        var outputs = new float[4 * 10];
        for (int i = 0; i < 3; i++) // warm up: workspaces for batch 1 and 4, JIT
        {
            model.Predict(single, output);
            model.Predict(batch, 4, outputs);
        }

        long allocated = Allocations.MinOfWindows(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                model.Predict(single, output);
                model.Predict(batch, 4, outputs);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ReleasedWorkspacesAreRecreatedWithTheSameResults()
    {
        using Sequential model = CreateModel();
        float[] input = NaiveReference.RandomArray(new Random(4), 3 * 28 * 28);
        float[] first = model.Predict(input);

        model.ReleaseWorkspaces();

        Assert.Equal(first, model.Predict(input));
    }
}
