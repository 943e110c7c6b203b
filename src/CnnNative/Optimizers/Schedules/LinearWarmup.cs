namespace CnnNative;

/// <summary>
/// A linear ramp over the first <see cref="WarmupSteps"/> steps, factor (step + 1) / warmupSteps (so the first
/// update already moves and the last warm-up step reaches 1), then <see cref="Then"/> counted from the end of the
/// warm-up (its step 0 is the first step after it), or a constant 1 when there is none.
/// </summary>
public sealed class LinearWarmup : LearningRateSchedule
{
    /// <summary>A warm-up schedule.</summary>
    /// <param name="warmupSteps">Steps of the ramp, at least 1.</param>
    /// <param name="then">The schedule after the warm-up; null keeps the factor at 1.</param>
    public LinearWarmup(long warmupSteps, LearningRateSchedule? then = null)
    {
        if (warmupSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"LinearWarmup warmupSteps must be at least 1; got {warmupSteps}.");
        WarmupSteps = warmupSteps;
        Then = then;
    }

    /// <summary>Steps of the ramp.</summary>
    public long WarmupSteps { get; }

    /// <summary>The schedule after the warm-up, or null for a constant 1.</summary>
    public LearningRateSchedule? Then { get; }

    /// <inheritdoc />
    public override float Factor(long step)
    {
        RequireStep(step);
        if (step < WarmupSteps) return (float)((step + 1) / (double)WarmupSteps);
        return Then?.Factor(step - WarmupSteps) ?? 1f;
    }

    /// <inheritdoc />
    public override string ToString() => $"LinearWarmup(warmupSteps: {WarmupSteps}, then: {Then?.ToString() ?? "none"})";
}
