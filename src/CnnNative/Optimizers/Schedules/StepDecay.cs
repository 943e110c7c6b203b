namespace CnnNative;

/// <summary>Multiplies the rate by <see cref="Gamma"/> every <see cref="StepSize"/> steps: factor = gamma^floor(step / stepSize).</summary>
public sealed class StepDecay : LearningRateSchedule
{
    /// <summary>A step decay schedule.</summary>
    /// <param name="stepSize">Steps between decays, at least 1.</param>
    /// <param name="gamma">Multiplier applied at each decay, finite and greater than 0 (usually below 1).</param>
    public StepDecay(long stepSize, float gamma)
    {
        if (stepSize < 1)
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, $"StepDecay stepSize must be at least 1; got {stepSize}.");
        if (!(gamma > 0f) || !float.IsFinite(gamma))
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, $"StepDecay gamma must be finite and greater than 0; got {gamma}.");
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>Steps between decays.</summary>
    public long StepSize { get; }

    /// <summary>Multiplier applied at each decay.</summary>
    public float Gamma { get; }

    /// <inheritdoc />
    public override float Factor(long step)
    {
        RequireStep(step);
        return (float)Math.Pow(Gamma, step / StepSize);
    }

    /// <inheritdoc />
    public override string ToString() => $"StepDecay(stepSize: {StepSize}, gamma: {Gamma})";
}
