namespace CnnNative.Data;

/// <summary>
/// Derives independent seeds from (seed, stream, epoch, sample) tuples with the SplitMix64 finaliser, so a
/// shuffle or an augmentation depends only on those numbers, never on thread timing or System.Random.
/// </summary>
internal static class SeedMixer
{
    /// <summary>Stream tag for the per-epoch sample order.</summary>
    public const long ShuffleStream = 0x5348_5546; // "SHUF"

    /// <summary>Stream tag for per-sample augmentation.</summary>
    public const long AugmentStream = 0x4155_474D; // "AUGM"

    /// <summary>Stream tag for <see cref="Dataset.Split"/> and <see cref="Dataset.Shuffled"/>.</summary>
    public const long SplitStream = 0x5350_4C54; // "SPLT"

    /// <summary>A seed for <paramref name="b"/> within <paramref name="a"/>; for a fixed <paramref name="a"/> distinct
    /// <paramref name="b"/> give distinct results (the finaliser is a bijection).</summary>
    public static long Combine(long a, long b) =>
        unchecked((long)Mix(Mix((ulong)a ^ 0x9E3779B97F4A7C15UL) ^ (ulong)b));

    /// <summary><see cref="Combine(long, long)"/> applied left to right.</summary>
    public static long Combine(long a, long b, long c) => Combine(Combine(a, b), c);

    /// <summary><see cref="Combine(long, long)"/> applied left to right.</summary>
    public static long Combine(long a, long b, long c, long d) => Combine(Combine(Combine(a, b), c), d);

    /// <summary>The SplitMix64 output function, Mix (a bijection on 64-bit values).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
