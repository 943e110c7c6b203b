namespace CnnNative;

/// <summary>Weight initialisers: He normal ahead of rectifiers, Glorot uniform otherwise, or the one a layer asks for.</summary>
internal static class ParameterInit
{
    /// <summary>
    /// Fills <paramref name="weights"/> by <paramref name="initializer"/>; <see cref="Initializer.Automatic"/>
    /// means He normal (std sqrt(2 / fanIn)) when the layer feeds a rectifier, else Glorot uniform
    /// (limit sqrt(6 / (fanIn + fanOut))).
    /// </summary>
    public static void FillWeights(Span<float> weights, int fanIn, int fanOut, bool followedByRectifier, SeededRandom random,
        Initializer initializer = Initializer.Automatic)
    {
        if (initializer == Initializer.Automatic)
            initializer = followedByRectifier ? Initializer.HeNormal : Initializer.GlorotUniform;
        switch (initializer)
        {
            case Initializer.HeNormal: Normal(weights, Math.Sqrt(2.0 / fanIn), random); break;
            case Initializer.HeUniform: Uniform(weights, Math.Sqrt(6.0 / fanIn), random); break;
            case Initializer.GlorotNormal: Normal(weights, Math.Sqrt(2.0 / (fanIn + fanOut)), random); break;
            case Initializer.GlorotUniform: Uniform(weights, Math.Sqrt(6.0 / (fanIn + fanOut)), random); break;
            default: throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "Unknown initializer.");
        }
    }

    /// <summary>Throws unless <paramref name="initializer"/> is a defined value.</summary>
    public static Initializer Validate(Initializer initializer) =>
        Enum.IsDefined(initializer)
            ? initializer
            : throw new ArgumentOutOfRangeException(nameof(initializer), initializer,
                $"Unknown initializer {(int)initializer}; use one of {string.Join(", ", Enum.GetNames<Initializer>())}.");

    private static void Normal(Span<float> weights, double std, SeededRandom random)
    {
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(std * random.NextNormal());
    }

    private static void Uniform(Span<float> weights, double limit, SeededRandom random)
    {
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)random.NextUniform(-limit, limit);
    }
}
