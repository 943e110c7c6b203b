namespace CnnNative.Data;

/// <summary>
/// One random transformation of a sample, applied in place. Steps must be stateless between calls (a step may run
/// on a loader's background thread, and one step may serve several loaders) and draw all their randomness from the
/// <see cref="AugmentationRandom"/> they are given.
/// </summary>
public abstract class AugmentationStep
{
    /// <summary>Transforms <paramref name="sample"/> (one sample of <paramref name="sampleShape"/>) in place.</summary>
    public abstract void Apply(Span<float> sample, TensorShape sampleShape, AugmentationRandom random);

    /// <summary>Throws <see cref="ArgumentException"/> when the step cannot handle samples of
    /// <paramref name="sampleShape"/>; by default it accepts [C, H, W] and [H, W].</summary>
    public virtual void Validate(TensorShape sampleShape) => ImageLayout.From(sampleShape, GetType().Name);
}
