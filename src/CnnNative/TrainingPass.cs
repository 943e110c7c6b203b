namespace CnnNative;

/// <summary>
/// What a training-workspace pass tells one layer: the mode and the layer's random seed for this step,
/// mixed from (model seed, step, layer index), so dropout masks never depend on thread count or call order.
/// </summary>
/// <param name="IsTraining">Training behaviour (dropout masks, batch statistics) rather than inference.</param>
/// <param name="Seed">This layer's seed for this step.</param>
internal readonly record struct TrainingPass(bool IsTraining, ulong Seed)
{
    /// <summary>The pass of layer <paramref name="layerIndex"/> at training step <paramref name="step"/> of a model seeded <paramref name="modelSeed"/>.</summary>
    public static TrainingPass For(bool isTraining, int modelSeed, long step, int layerIndex)
    {
        ulong h = Mix(unchecked((ulong)(long)modelSeed) ^ 0x5DEECE66DUL);
        h = Mix(h ^ unchecked((ulong)step));
        return new TrainingPass(isTraining, Mix(h ^ unchecked((ulong)(long)layerIndex)));
    }

    // One SplitMix64 round: a bijective 64-bit mixer.
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
