using CnnNative.Data;

namespace CnnNative.Tests.Data;

/// <summary>Mini-batches: coverage, seeded order, partial and dropped batches, background failures, disposal, allocations.</summary>
public class BatchLoaderTests
{
    /// <summary><paramref name="count"/> samples of [channels, 3, 4]; every value of sample i starts with i (i + k/1000).</summary>
    internal static Dataset Numbered(int count, int channels = 1)
    {
        int size = channels * 12;
        var images = new float[count * size];
        for (int i = 0; i < count; i++)
        for (int k = 0; k < size; k++)
            images[i * size + k] = i + k / 1000f;
        return new Dataset(images, Enumerable.Range(0, count).Select(i => i % 10).ToArray(), new TensorShape(channels, 3, 4), 10);
    }

    private static List<int[]> Orders(BatchLoader loader, int epoch) =>
        loader.Epoch(epoch).Select(b => b.SampleIndices.ToArray()).ToList();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void EveryEpochCoversEverySampleOnceWithMatchingInputsAndLabels(int prefetch)
    {
        Dataset data = Numbered(103);
        using var loader = new BatchLoader(data, batchSize: 10, seed: 5, prefetch: prefetch);
        Assert.Equal(11, loader.BatchesPerEpoch);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            var seen = new List<int>();
            int batches = 0;
            foreach (Batch batch in loader.Epoch(epoch))
            {
                Assert.Equal(batches, batch.Index);
                Assert.Equal(epoch, batch.Epoch);
                int expectedCount = batches == 10 ? 3 : 10;
                Assert.Equal(expectedCount, batch.Count);
                Assert.Equal(new TensorShape(expectedCount, 1, 3, 4), batch.Shape);
                Assert.Equal(expectedCount * 12, batch.Inputs.Length);
                for (int k = 0; k < batch.Count; k++)
                {
                    int index = batch.SampleIndices[k];
                    Assert.True(batch.Inputs.Slice(k * 12, 12).SequenceEqual(data.Sample(index)), $"epoch {epoch}, sample {index}");
                    Assert.Equal(data.Label(index), batch.Labels[k]);
                    seen.Add(index);
                }
                batches++;
            }
            Assert.Equal(11, batches);
            Assert.Equal(Enumerable.Range(0, 103), seen.Order());
        }
    }

    [Fact]
    public void SeedAndEpochFixTheOrderWhateverThePrefetch()
    {
        Dataset data = Numbered(64);
        using var a = new BatchLoader(data, 8, seed: 11, prefetch: 0);
        using var b = new BatchLoader(data, 8, seed: 11, prefetch: 4);
        using var c = new BatchLoader(data, 8, seed: 12);

        Assert.Equal(Orders(a, 3), Orders(b, 3));
        Assert.Equal(Orders(a, 3), Orders(a, 3));
        Assert.NotEqual(Orders(a, 3), Orders(a, 4));
        Assert.NotEqual(Orders(a, 3), Orders(c, 3));
        Assert.NotEqual(Enumerable.Range(0, 64), Orders(a, 0).SelectMany(o => o));
    }

    [Fact]
    public void WithoutShuffleTheOrderIsTheDatasetOrder()
    {
        using var loader = new BatchLoader(Numbered(25), 10, shuffle: false);
        Assert.Equal(Enumerable.Range(0, 25), Orders(loader, 7).SelectMany(o => o));
    }

    [Fact]
    public void DropLastLeavesOutThePartialBatch()
    {
        using var loader = new BatchLoader(Numbered(103), 10, dropLast: true);
        Assert.Equal(10, loader.BatchesPerEpoch);
        List<int[]> orders = Orders(loader, 0);
        Assert.Equal(10, orders.Count);
        Assert.All(orders, o => Assert.Equal(10, o.Length));
        Assert.Equal(100, orders.SelectMany(o => o).Distinct().Count());
    }

    [Fact]
    public void BatchLargerThanTheDatasetGivesOneSmallBatch()
    {
        using var loader = new BatchLoader(Numbered(5), 64);
        using var dropping = new BatchLoader(Numbered(5), 64, dropLast: true);

        Assert.Equal(1, loader.BatchesPerEpoch);
        var shapes = loader.Epoch(0).Select(b => b.Shape).ToList();
        Assert.Equal([new TensorShape(5, 1, 3, 4)], shapes);
        Assert.Equal(0, dropping.BatchesPerEpoch);
        Assert.Empty(Orders(dropping, 0));
    }

    [Fact]
    public void ABatchIsInvalidOnceTheNextIsRequested()
    {
        using var loader = new BatchLoader(Numbered(30), 10);
        using IEnumerator<Batch> e = loader.Epoch(0).GetEnumerator();
        Assert.True(e.MoveNext());
        Batch first = e.Current;
        Assert.Equal(10, first.Labels.Length);
        Assert.True(e.MoveNext());

        var error = Assert.Throws<InvalidOperationException>(() => first.Inputs.Length);
        Assert.Contains("Batch 0 of epoch 0 is no longer valid", error.Message);
    }

    [Fact]
    public void ExceptionOnTheBackgroundThreadSurfacesAfterTheBatchesBeforeIt()
    {
        using var loader = new BatchLoader(Numbered(50), 10, shuffle: false,
            augmentation: new Augmentation(new ThrowingStep(failAtValue: 25)));
        var delivered = new List<int>();

        var e = Assert.Throws<FormatException>(() =>
        {
            foreach (Batch batch in loader.Epoch(0)) delivered.Add(batch.Index);
        });

        Assert.Equal("sample 25 is broken", e.Message);
        Assert.Contains(nameof(ThrowingStep), e.StackTrace);
        Assert.Equal([0, 1], delivered);
        Assert.False(loader.IsWorkerRunning);
        Assert.Throws<FormatException>(() => loader.Epoch(1).Count()); // the loader stays usable; the step still throws
    }

    [Fact]
    public void DisposingMidEpochStopsTheWorkerAndTheConsumerIsTold()
    {
        var loader = new BatchLoader(Numbered(1000), 10, prefetch: 2);
        using IEnumerator<Batch> e = loader.Epoch(0).GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.True(e.MoveNext());
        Assert.True(loader.IsWorkerRunning);

        loader.Dispose();

        Assert.False(loader.IsWorkerRunning);
        Assert.Throws<ObjectDisposedException>(() => e.MoveNext());
        Assert.Throws<ObjectDisposedException>(() => loader.Epoch(1));
        loader.Dispose(); // twice is fine
    }

    [Fact]
    public void DisposeFromAnotherThreadWakesABlockedConsumer()
    {
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var loader = new BatchLoader(Numbered(100), 10, augmentation: new Augmentation(new BlockingStep(entered, gate)));
        // The worker is stuck in BlockingStep, so the consumer waits for batch 0; another thread disposes the loader
        // (Dispose then waits for the worker) and only after that is the worker let go.
        var disposer = new Thread(() =>
        {
            entered.Wait();
            Thread.Sleep(50); // most likely the consumer is waiting by now; if not, it sees the disposal on arrival
            loader.Dispose();
        });
        var releaser = new Thread(() =>
        {
            while (!loader.IsDisposed) Thread.Sleep(1);
            gate.Set();
        });
        disposer.Start();
        releaser.Start();

        Assert.Throws<ObjectDisposedException>(() => loader.Epoch(0).First());
        disposer.Join();
        releaser.Join();
        Assert.False(loader.IsWorkerRunning);
    }

    [Fact]
    public void BreakingOutOfAnEpochStopsTheWorkerAndAllowsTheNextEpoch()
    {
        using var loader = new BatchLoader(Numbered(1000), 10);
        foreach (Batch batch in loader.Epoch(0))
        {
            if (batch.Index == 3) break;
        }
        Assert.False(loader.IsWorkerRunning);
        Assert.Equal(100, loader.Epoch(1).Count());
    }

    [Fact]
    public void OnlyOneEpochAtATime()
    {
        using var loader = new BatchLoader(Numbered(40), 10);
        using IEnumerator<Batch> first = loader.Epoch(0).GetEnumerator();
        Assert.True(first.MoveNext());

        var e = Assert.Throws<InvalidOperationException>(() => loader.Epoch(1).First());
        Assert.Contains("epoch 1 was requested while another epoch is still being enumerated", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void SteadyStateAllocatesNothingOnTheConsumerThread(int prefetch)
    {
        var augmentation = new Augmentation(new RandomHorizontalFlip(), new RandomCrop(2), new RandomErasing(probability: 1));
        using var loader = new BatchLoader(Numbered(2000, channels: 2), 16, seed: 3, augmentation: augmentation, prefetch: prefetch);
        using IEnumerator<Batch> e = loader.Epoch(0).GetEnumerator();
        float sum = 0;
        for (int i = 0; i < 10; i++) Assert.True(e.MoveNext()); // warm up: JIT, thread start, pool

        // Three windows of 35 batches: a per-batch allocation costs at least 24 bytes a batch, so it shows in every
        // window (>= 840 bytes); the runtime's one-off bookkeeping (16 bytes to ~6 KB seen on loaded machines) lands
        // in one window at most. So the smallest window must stay under one byte a batch.
        const int batches = 35;
        long allocated = Allocations.MinOfWindows(() =>
        {
            for (int i = 0; i < batches; i++)
            {
                Assert.True(e.MoveNext());
                Batch batch = e.Current;
                sum += batch.Inputs[0] + batch.Labels[batch.Count - 1] + batch.Shape.Rank;
            }
        });

        Assert.True(allocated < batches,
            $"every window of {batches} batches allocated on the consumer thread, at least {allocated} bytes (sum {sum}).");
    }

    [Fact]
    public void ArgumentsAreChecked()
    {
        Dataset data = Numbered(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchLoader(data, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchLoader(data, 4, prefetch: -1));
        var flat = new Dataset(new float[20], new int[10], new TensorShape(2), 1);
        var e = Assert.Throws<ArgumentException>(() => new BatchLoader(flat, 4, augmentation: new Augmentation(new RandomCrop(1))));
        Assert.Contains("RandomCrop works on samples shaped [C, H, W] or [H, W]; got [2]", e.Message);
    }

    /// <summary>Throws for the sample whose first value is <c>failAtValue</c>.</summary>
    private sealed class ThrowingStep(int failAtValue) : AugmentationStep
    {
        public override void Apply(Span<float> sample, TensorShape sampleShape, AugmentationRandom random)
        {
            if ((int)sample[0] == failAtValue) throw new FormatException($"sample {failAtValue} is broken");
        }
    }

    /// <summary>Signals <c>entered</c>, then waits until the gate opens (the worker is stuck meanwhile).</summary>
    private sealed class BlockingStep(ManualResetEventSlim entered, ManualResetEventSlim gate) : AugmentationStep
    {
        public override void Apply(Span<float> sample, TensorShape sampleShape, AugmentationRandom random)
        {
            entered.Set();
            gate.Wait();
        }
    }
}
