namespace CnnNative;

/// <summary>
/// Half a cosine from 1 down to <see cref="MinFactor"/> over <see cref="TotalSteps"/> steps, then flat:
/// factor = min + (1 - min) * (1 + cos(pi * step / totalSteps)) / 2 for step &lt; totalSteps, else min.
/// </summary>
public sealed class CosineDecay : LearningRateSchedule
{
    /// <summary>A cosine decay schedule.</summary>
    /// <param name="totalSteps">Steps over which the factor falls, at least 1.</param>
    /// <param name="minFactor">The final factor, in [0, 1].</param>
    public CosineDecay(long totalSteps, float minFactor = 0f)
    {
        if (totalSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"CosineDecay totalSteps must be at least 1; got {totalSteps}.");
        if (!(minFactor >= 0f && minFactor <= 1f))
            throw new ArgumentOutOfRangeException(nameof(minFactor), minFactor, $"CosineDecay minFactor must be in [0, 1]; got {minFactor}.");
        TotalSteps = totalSteps;
        MinFactor = minFactor;
    }

    /// <summary>Steps over which the factor falls from 1 to <see cref="MinFactor"/>.</summary>
    public long TotalSteps { get; }

    /// <summary>The factor from <see cref="TotalSteps"/> on.</summary>
    public float MinFactor { get; }

    /// <inheritdoc />
    public override float Factor(long step)
    {
        RequireStep(step);
        if (step >= TotalSteps) return MinFactor;
        double cosine = 0.5 * (1.0 + Math.Cos(Math.PI * step / TotalSteps));
        return (float)(MinFactor + (1.0 - MinFactor) * cosine);
    }

    /// <inheritdoc />
    public override string ToString() => $"CosineDecay(totalSteps: {TotalSteps}, minFactor: {MinFactor})";
}
