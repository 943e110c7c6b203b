namespace CnnNative.Data;

/// <summary>
/// One mini-batch from a <see cref="BatchLoader"/>: <see cref="Count"/> samples, NCHW, with their labels.
/// Batches are pooled buffers: a batch is valid only until the consumer asks for the next one (the next
/// <c>MoveNext</c> of the epoch's enumerator) or the enumeration ends; after that its memory is refilled and
/// reading it throws <see cref="InvalidOperationException"/>. Copy what must outlive it.
/// </summary>
public sealed class Batch
{
    private readonly float[] _inputs;
    private readonly int[] _labels;
    private readonly int[] _indices;
    private volatile bool _held;

    internal Batch(int capacity, int sampleSize)
    {
        _inputs = new float[capacity * sampleSize];
        _labels = new int[capacity];
        _indices = new int[capacity];
        SampleSize = sampleSize;
        Shape = new TensorShape(1);
    }

    /// <summary>Number of samples; the last batch of an epoch may hold fewer than the batch size.</summary>
    public int Count { get; private set; }

    /// <summary>Floats per sample.</summary>
    public int SampleSize { get; }

    /// <summary>The epoch this batch belongs to.</summary>
    public int Epoch { get; private set; }

    /// <summary>Position of this batch in its epoch, from 0.</summary>
    public int Index { get; private set; }

    /// <summary>Shape of <see cref="Inputs"/>: [Count, C, H, W].</summary>
    public TensorShape Shape { get; private set; }

    /// <summary>The samples, contiguous NCHW float32 (Count × SampleSize values).</summary>
    public ReadOnlySpan<float> Inputs
    {
        get
        {
            EnsureHeld();
            return _inputs.AsSpan(0, Count * SampleSize);
        }
    }

    /// <summary>The labels, one per sample.</summary>
    public ReadOnlySpan<int> Labels
    {
        get
        {
            EnsureHeld();
            return _labels.AsSpan(0, Count);
        }
    }

    /// <summary>For each sample, its index in the loader's <see cref="Dataset"/>.</summary>
    public ReadOnlySpan<int> SampleIndices
    {
        get
        {
            EnsureHeld();
            return _indices.AsSpan(0, Count);
        }
    }

    /// <summary>Writable views for the loader while it fills the batch.</summary>
    internal Span<float> InputBuffer => _inputs;

    internal Span<int> LabelBuffer => _labels;

    internal Span<int> IndexBuffer => _indices;

    /// <summary>Records what the loader put in; the batch is not readable until <see cref="Hold"/>.</summary>
    internal void SetContents(int epoch, int index, int count, TensorShape shape)
    {
        Epoch = epoch;
        Index = index;
        Count = count;
        Shape = shape;
    }

    /// <summary>The consumer now owns the batch.</summary>
    internal void Hold() => _held = true;

    /// <summary>The batch goes back to the pool.</summary>
    internal void Release() => _held = false;

    /// <inheritdoc />
    public override string ToString() => $"Batch {Index} of epoch {Epoch}: {Shape}";

    private void EnsureHeld()
    {
        if (!_held)
            throw new InvalidOperationException(
                $"Batch {Index} of epoch {Epoch} is no longer valid: its buffer went back to the pool when the next batch " +
                "was requested or the epoch ended. Copy inputs and labels if they must outlive the loop step.");
    }
}
