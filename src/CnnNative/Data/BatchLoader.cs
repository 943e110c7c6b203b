using System.Runtime.ExceptionServices;

namespace CnnNative.Data;

/// <summary>
/// Cuts a <see cref="Dataset"/> into mini-batches, epoch by epoch. The sample order of an epoch is a permutation fixed
/// by (<see cref="Seed"/>, epoch); batches are assembled and augmented on a background thread, up to
/// <see cref="Prefetch"/> ahead of the consumer, into a small pool of reused buffers, so the steady state allocates
/// nothing. A <see cref="Batch"/> is valid until the consumer asks for the next one. An exception thrown while
/// assembling a batch is rethrown to the consumer when it reaches that batch. One epoch is enumerated at a time;
/// disposing the loader stops its worker (a consumer still enumerating then gets <see cref="ObjectDisposedException"/>).
/// </summary>
/// <example><code>
/// using var loader = new BatchLoader(split.Train, batchSize: 64, seed: 1, augmentation: new Augmentation(new RandomHorizontalFlip()));
/// for (int epoch = 0; epoch &lt; 5; epoch++)
///     foreach (Batch batch in loader.Epoch(epoch))
///         input.CopyFrom(batch.Inputs); // ... train on batch.Labels
/// </code></example>
public sealed class BatchLoader : IDisposable
{
    private readonly object _gate = new();
    private readonly Batch[] _pool;
    private readonly Queue<Batch> _free;
    private readonly Queue<Batch> _ready;
    private readonly int[] _order;
    private readonly TensorShape? _fullShape;
    private readonly TensorShape? _lastShape;
    private readonly AugmentationRandom _random = new(0);
    private Thread? _worker;
    private ExceptionDispatchInfo? _error;
    private bool _stop, _workerDone, _active, _disposed;

    /// <summary>A loader over <paramref name="data"/>.</summary>
    /// <param name="data">The samples.</param>
    /// <param name="batchSize">Samples per batch (at least 1).</param>
    /// <param name="shuffle">Visit the samples in a new seeded order each epoch (otherwise in dataset order).</param>
    /// <param name="seed">Fixes the orders and the augmentation of every epoch.</param>
    /// <param name="augmentation">Applied to each sample as it is copied into a batch; null for none.</param>
    /// <param name="dropLast">Leave out the last batch of an epoch when it would hold fewer than <paramref name="batchSize"/> samples.</param>
    /// <param name="prefetch">Batches assembled ahead on the background thread; 0 assembles each batch on the consumer's thread.</param>
    /// <exception cref="ArgumentException">A size is out of range, or the augmentation cannot handle the samples' shape.</exception>
    public BatchLoader(Dataset data, int batchSize, bool shuffle = true, int seed = 0, Augmentation? augmentation = null,
        bool dropLast = false, int prefetch = 2)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(prefetch);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefetch, 64);
        augmentation?.Validate(data.SampleShape);
        Data = data;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        Augmentation = augmentation;
        DropLast = dropLast;
        Prefetch = prefetch;
        BatchesPerEpoch = dropLast ? data.Count / batchSize : (data.Count + batchSize - 1) / batchSize;

        int capacity = Math.Max(1, Math.Min(batchSize, data.Count));
        if (data.Count > 0)
        {
            _fullShape = data.SampleShape.WithBatch(capacity);
            int remainder = data.Count % batchSize;
            _lastShape = remainder == 0 ? _fullShape : data.SampleShape.WithBatch(remainder);
        }
        // The consumer holds one batch, the worker fills one, and up to `prefetch` wait in between.
        _pool = new Batch[prefetch == 0 ? 1 : prefetch + 2];
        for (int i = 0; i < _pool.Length; i++) _pool[i] = new Batch(capacity, data.SampleSize);
        _free = new Queue<Batch>(_pool.Length);
        _ready = new Queue<Batch>(_pool.Length);
        _order = new int[data.Count];
    }

    /// <summary>The samples the batches come from.</summary>
    public Dataset Data { get; }

    /// <summary>Samples per batch (the last batch of an epoch may hold fewer unless <see cref="DropLast"/>).</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the samples in a new seeded order.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed that fixes every epoch's order and augmentation.</summary>
    public int Seed { get; }

    /// <summary>The per-sample augmentation, or null.</summary>
    public Augmentation? Augmentation { get; }

    /// <summary>Whether a last, smaller batch is left out.</summary>
    public bool DropLast { get; }

    /// <summary>Batches assembled ahead of the consumer (0: on the consumer's thread).</summary>
    public int Prefetch { get; }

    /// <summary>Number of batches each epoch yields.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>, in an order fixed by (<see cref="Seed"/>, <paramref name="epoch"/>).
    /// Enumerating starts the background assembly; finishing or disposing the enumerator stops it. Each batch is
    /// valid until the next one is requested. Only one epoch can be enumerated at a time.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The loader is disposed.</exception>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return Run(epoch);
    }

    /// <summary>Stops the background worker (waiting for it to finish its current batch). Calling it again does nothing.</summary>
    public void Dispose()
    {
        Thread? worker;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _stop = true;
            Monitor.PulseAll(_gate);
            worker = _worker;
        }
        if (worker is not null && worker != Thread.CurrentThread) worker.Join();
    }

    /// <summary>True once <see cref="Dispose"/> has begun (for tests).</summary>
    internal bool IsDisposed
    {
        get
        {
            lock (_gate) return _disposed;
        }
    }

    /// <summary>True while a background worker thread is alive (for tests).</summary>
    internal bool IsWorkerRunning
    {
        get
        {
            lock (_gate) return _worker is { IsAlive: true };
        }
    }

    private IEnumerable<Batch> Run(int epoch)
    {
        Begin(epoch);
        Batch? held = null;
        try
        {
            for (int index = 0; index < BatchesPerEpoch; index++)
            {
                held = Prefetch == 0 ? NextOnThisThread(epoch, index, held) : NextFromWorker(held);
                yield return held;
            }
        }
        finally
        {
            held?.Release();
            End();
        }
    }

    private void Begin(int epoch)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_active)
                throw new InvalidOperationException(
                    $"BatchLoader: epoch {epoch} was requested while another epoch is still being enumerated; finish or " +
                    "dispose that enumerator first (the loader's buffers serve one epoch at a time).");
            _active = true;
            _stop = _workerDone = false;
            _error = null;
            _free.Clear();
            _ready.Clear();
            foreach (Batch batch in _pool)
            {
                batch.Release();
                _free.Enqueue(batch);
            }
        }
        if (Shuffle) Shuffling.Permute(_order, SeedMixer.Combine(Seed, SeedMixer.ShuffleStream, epoch));
        else for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (Prefetch == 0 || BatchesPerEpoch == 0) return;
        var worker = new Thread(() => Work(epoch)) { IsBackground = true, Name = "CnnNative BatchLoader" };
        lock (_gate) _worker = worker;
        worker.Start();
    }

    private void End()
    {
        Thread? worker;
        lock (_gate)
        {
            _stop = true;
            Monitor.PulseAll(_gate);
            worker = _worker;
        }
        if (worker is not null && worker != Thread.CurrentThread) worker.Join();
        lock (_gate)
        {
            _worker = null;
            _active = false;
        }
    }

    private Batch NextOnThisThread(int epoch, int index, Batch? held)
    {
        held?.Release();
        ObjectDisposedException.ThrowIf(_disposed, this);
        Batch batch = _pool[0];
        Fill(batch, epoch, index);
        batch.Hold();
        return batch;
    }

    private Batch NextFromWorker(Batch? held)
    {
        Batch batch;
        lock (_gate)
        {
            if (held is not null)
            {
                held.Release();
                _free.Enqueue(held);
                Monitor.PulseAll(_gate);
            }
            while (true)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_ready.Count > 0) break;
                _error?.Throw(); // batches assembled before the failure were delivered first
                if (_workerDone)
                    throw new InvalidOperationException("BatchLoader: the background worker stopped before the epoch ended.");
                Monitor.Wait(_gate);
            }
            batch = _ready.Dequeue();
        }
        batch.Hold();
        return batch;
    }

    /// <summary>The background thread: fills free buffers in batch order until the epoch ends or it is stopped.</summary>
    private void Work(int epoch)
    {
        try
        {
            for (int index = 0; index < BatchesPerEpoch; index++)
            {
                Batch batch;
                lock (_gate)
                {
                    while (_free.Count == 0 && !_stop) Monitor.Wait(_gate);
                    if (_stop) return;
                    batch = _free.Dequeue();
                }
                Fill(batch, epoch, index);
                lock (_gate)
                {
                    _ready.Enqueue(batch);
                    Monitor.PulseAll(_gate);
                }
            }
        }
        catch (Exception e)
        {
            lock (_gate) _error = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            lock (_gate)
            {
                _workerDone = true;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Copies (and augments) the samples of batch <paramref name="index"/> into <paramref name="batch"/>.</summary>
    private void Fill(Batch batch, int epoch, int index)
    {
        int start = index * BatchSize;
        int count = Math.Min(BatchSize, Data.Count - start);
        int size = Data.SampleSize;
        Span<float> inputs = batch.InputBuffer;
        Span<int> labels = batch.LabelBuffer;
        Span<int> indices = batch.IndexBuffer;
        for (int k = 0; k < count; k++)
        {
            int sample = _order[start + k];
            Span<float> target = inputs.Slice(k * size, size);
            Data.Sample(sample).CopyTo(target);
            labels[k] = Data.Label(sample);
            indices[k] = sample;
            if (Augmentation is null) continue;
            _random.Reset(AugmentationRandom.SampleSeed(Seed, epoch, sample));
            Augmentation.Apply(target, Data.SampleShape, _random);
        }
        batch.SetContents(epoch, index, count, count == BatchSize ? _fullShape! : _lastShape!);
    }
}
