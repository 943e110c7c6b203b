namespace CnnNative.Data;

/// <summary>
/// Labelled samples in memory: <see cref="Count"/> samples of <see cref="SampleShape"/> (e.g. [1, 28, 28]),
/// stored contiguously as float32 NCHW, with one class label in [0, <see cref="ClassCount"/>) each.
/// Immutable once made; loaders (IDX, MNIST, Fashion-MNIST) and splits produce new instances.
/// </summary>
public sealed class Dataset
{
    private readonly float[] _images;
    private readonly int[] _labels;
    private readonly int _offset;
    private readonly IReadOnlyList<string>? _classNames;

    /// <summary>Wraps <paramref name="images"/> (Count × SampleShape elements) and <paramref name="labels"/>.</summary>
    /// <exception cref="ArgumentException">Lengths disagree, or a label is outside [0, classCount).</exception>
    public Dataset(float[] images, int[] labels, TensorShape sampleShape, int classCount, string name = "dataset")
        : this(images, labels, 0, labels?.Length ?? 0, sampleShape, classCount, name, validate: true)
    {
    }

    private Dataset(float[] images, int[] labels, int offset, int count, TensorShape sampleShape, int classCount,
        string name, bool validate)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        _images = images;
        _labels = labels;
        _offset = offset;
        Count = count;
        SampleShape = sampleShape;
        SampleSize = checked((int)sampleShape.ElementCount);
        ClassCount = classCount;
        Name = name;
        if (!validate) return;
        if ((long)labels.Length * SampleSize != images.Length)
            throw new ArgumentException(
                $"{name}: {labels.Length} labels need {(long)labels.Length * SampleSize} image values " +
                $"({labels.Length} × {sampleShape}), but there are {images.Length}.");
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException(
                    $"{name}: label {i} is {labels[i]}, outside [0, {classCount}).");
        }
    }

    /// <summary>A short name used in messages ("fashion-mnist train").</summary>
    public string Name { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Shape of one sample, without the batch axis, e.g. [1, 28, 28].</summary>
    public TensorShape SampleShape { get; }

    /// <summary>Floats per sample (the element count of <see cref="SampleShape"/>).</summary>
    public int SampleSize { get; }

    /// <summary>Number of classes; labels lie in [0, ClassCount).</summary>
    public int ClassCount { get; }

    /// <summary>
    /// Optional human-readable class names, indexed by label ("T-shirt/top", "Trouser", ...); null when unknown.
    /// Kept by <see cref="Slice"/>, <see cref="Split"/> and <see cref="Shuffled"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Set to a list whose length is not <see cref="ClassCount"/>.</exception>
    public IReadOnlyList<string>? ClassNames
    {
        get => _classNames;
        init
        {
            if (value is not null && value.Count != ClassCount)
                throw new ArgumentException(
                    $"{Name}: {value.Count} class names given for {ClassCount} classes.", nameof(ClassNames));
            _classNames = value?.ToArray();
        }
    }

    /// <summary>All samples, contiguous: sample i is [i × SampleSize, (i + 1) × SampleSize).</summary>
    public ReadOnlySpan<float> Images => _images.AsSpan(_offset * SampleSize, Count * SampleSize);

    /// <summary>All labels.</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(_offset, Count);

    /// <summary>Sample <paramref name="index"/>'s values.</summary>
    public ReadOnlySpan<float> Sample(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _images.AsSpan((_offset + index) * SampleSize, SampleSize);
    }

    /// <summary>Label of sample <paramref name="index"/>.</summary>
    public int Label(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _labels[_offset + index];
    }

    /// <summary>Samples [start, start + count) as a dataset sharing this one's memory (no copy).</summary>
    public Dataset Slice(int start, int count, string? name = null)
    {
        if (start < 0 || count < 0 || start + (long)count > Count)
            throw new ArgumentOutOfRangeException(nameof(count),
                $"{Name}: slice [{start}, {start + (long)count}) is outside [0, {Count}).");
        return new Dataset(_images, _labels, _offset + start, count, SampleShape, ClassCount, name ?? Name,
            validate: false) { ClassNames = ClassNames };
    }

    /// <summary>
    /// Splits the samples at random into a training part and a validation part of
    /// round(Count × <paramref name="validationFraction"/>) samples. The order is a permutation fixed by
    /// <paramref name="seed"/> (the same on every machine and runtime); both parts are new arrays, disjoint,
    /// and together hold every sample once.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside (0, 1) or leaves a part empty.</exception>
    public (Dataset Train, Dataset Validation) Split(double validationFraction, int seed)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction,
                $"{Name}: the validation fraction must lie strictly between 0 and 1.");
        int validationCount = (int)Math.Round(Count * validationFraction, MidpointRounding.AwayFromZero);
        if (validationCount < 1 || validationCount > Count - 1)
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction,
                $"{Name}: a validation fraction of {validationFraction} of {Count} samples gives {validationCount} " +
                $"validation and {Count - validationCount} training samples; both parts need at least one.");
        int[] order = Shuffling.Permutation(Count, SeedMixer.Combine(seed, SeedMixer.SplitStream));
        Dataset validation = Gather(order.AsSpan(0, validationCount), $"{Name} (validation)");
        Dataset train = Gather(order.AsSpan(validationCount), $"{Name} (train)");
        return (train, validation);
    }

    /// <summary>A copy with the samples in an order fixed by <paramref name="seed"/>.</summary>
    public Dataset Shuffled(int seed) =>
        Gather(Shuffling.Permutation(Count, SeedMixer.Combine(seed, SeedMixer.SplitStream)), Name);

    /// <summary>A new dataset holding copies of the samples at <paramref name="indices"/>, in that order.</summary>
    private Dataset Gather(ReadOnlySpan<int> indices, string name)
    {
        var images = new float[indices.Length * SampleSize];
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            Sample(indices[i]).CopyTo(images.AsSpan(i * SampleSize, SampleSize));
            labels[i] = _labels[_offset + indices[i]];
        }
        return new Dataset(images, labels, 0, labels.Length, SampleShape, ClassCount, name, validate: false)
        {
            ClassNames = ClassNames,
        };
    }
}
