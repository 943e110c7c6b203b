namespace CnnNative;

/// <summary>Weight initialisers: He normal ahead of rectifiers, Glorot uniform otherwise.</summary>
internal static class ParameterInit
{
    /// <summary>
    /// Fills <paramref name="weights"/> with He normal values (std sqrt(2 / fanIn)) when the layer feeds a
    /// rectifier, else Glorot uniform values (limit sqrt(6 / (fanIn + fanOut))).
    /// </summary>
    public static void FillWeights(Span<float> weights, int fanIn, int fanOut, bool followedByRectifier, SeededRandom random)
    {
        if (followedByRectifier) HeNormal(weights, fanIn, random);
        else GlorotUniform(weights, fanIn, fanOut, random);
    }

    public static void HeNormal(Span<float> weights, int fanIn, SeededRandom random)
    {
        double std = Math.Sqrt(2.0 / fanIn);
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(std * random.NextNormal());
    }

    public static void GlorotUniform(Span<float> weights, int fanIn, int fanOut, SeededRandom random)
    {
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)random.NextUniform(-limit, limit);
    }
}
