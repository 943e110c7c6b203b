namespace CnnNative.Data;

/// <summary>
/// A sequence of <see cref="AugmentationStep"/>s applied to each training sample in order, e.g.
/// <c>new Augmentation(new RandomHorizontalFlip(), new RandomCrop(padding: 2), new RandomErasing())</c>.
/// The randomness of a sample comes from (seed, epoch, sample index) alone, so results are reproducible.
/// </summary>
public sealed class Augmentation
{
    private readonly AugmentationStep[] _steps;

    /// <summary>Applies <paramref name="steps"/> in the given order.</summary>
    public Augmentation(params AugmentationStep[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        for (int i = 0; i < steps.Length; i++)
        {
            if (steps[i] is null) throw new ArgumentNullException(nameof(steps), $"Augmentation step {i} is null.");
        }
        _steps = (AugmentationStep[])steps.Clone();
    }

    /// <summary>The steps, in the order they run.</summary>
    public IReadOnlyList<AugmentationStep> Steps => _steps;

    /// <summary>Throws <see cref="ArgumentException"/> when a step cannot handle samples of <paramref name="sampleShape"/>.</summary>
    public void Validate(TensorShape sampleShape)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        foreach (AugmentationStep step in _steps) step.Validate(sampleShape);
    }

    /// <summary>Runs every step on <paramref name="sample"/> in place, drawing from <paramref name="random"/>.</summary>
    public void Apply(Span<float> sample, TensorShape sampleShape, AugmentationRandom random)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(random);
        if (sample.Length != sampleShape.ElementCount)
            throw new ArgumentException(
                $"Augmentation: the sample has {sample.Length} values but {sampleShape} needs {sampleShape.ElementCount}.",
                nameof(sample));
        foreach (AugmentationStep step in _steps) step.Apply(sample, sampleShape, random);
    }

    /// <summary>Runs every step on <paramref name="sample"/> exactly as a <see cref="BatchLoader"/> with
    /// <paramref name="seed"/> would for sample <paramref name="sampleIndex"/> of <paramref name="epoch"/>.</summary>
    public void Apply(Span<float> sample, TensorShape sampleShape, long seed, int epoch, int sampleIndex) =>
        Apply(sample, sampleShape, AugmentationRandom.ForSample(seed, epoch, sampleIndex));

    /// <summary>The step names, e.g. "RandomHorizontalFlip(p=0.5) -> RandomCrop(padding=2)".</summary>
    public override string ToString() => _steps.Length == 0 ? "none" : string.Join(" -> ", _steps.Select(s => s.ToString()));
}
