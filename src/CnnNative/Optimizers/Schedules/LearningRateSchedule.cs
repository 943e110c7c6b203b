namespace CnnNative;

/// <summary>
/// A factor of the base learning rate as a function of the step (updates done so far, from 0), so the rate of
/// an update is <see cref="Optimizer.LearningRate"/> * <see cref="Factor"/>(<see cref="Optimizer.Step"/>).
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>Lets derived schedules exist; use <see cref="StepDecay"/>, <see cref="CosineDecay"/> or <see cref="LinearWarmup"/>.</summary>
    protected LearningRateSchedule() { }

    /// <summary>The factor at <paramref name="step"/> (updates done so far, at least 0).</summary>
    public abstract float Factor(long step);

    /// <summary>The learning rate at <paramref name="step"/>: <paramref name="baseRate"/> * <see cref="Factor"/>(step).</summary>
    public float LearningRate(float baseRate, long step) => baseRate * Factor(step);

    /// <summary>Throws unless <paramref name="step"/> is at least 0.</summary>
    protected static void RequireStep(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, $"A schedule's step must be at least 0; got {step}.");
    }
}
