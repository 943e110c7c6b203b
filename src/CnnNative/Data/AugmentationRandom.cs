namespace CnnNative.Data;

/// <summary>
/// The random source handed to augmentation steps: a SplitMix64 stream, reseeded per sample from
/// (seed, epoch, sample index) without allocating, so an augmented sample is the same whatever the thread
/// timing, batch composition or runtime. Not thread-safe.
/// </summary>
public sealed class AugmentationRandom
{
    private ulong _state;

    /// <summary>A stream starting from <paramref name="seed"/>.</summary>
    public AugmentationRandom(long seed) => Reset(seed);

    /// <summary>The stream a <see cref="BatchLoader"/> uses for sample <paramref name="sampleIndex"/> of
    /// <paramref name="epoch"/> under <paramref name="seed"/>.</summary>
    public static AugmentationRandom ForSample(long seed, int epoch, int sampleIndex) =>
        new(SampleSeed(seed, epoch, sampleIndex));

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64() => SeedMixer.Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextUniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxExclusive, 1);
        ulong n = (ulong)maxExclusive;
        ulong high = Math.BigMul(NextUInt64(), n, out ulong low);
        if (low < n)
        {
            ulong threshold = (0UL - n) % n;
            while (low < threshold) high = Math.BigMul(NextUInt64(), n, out low);
        }
        return (int)high;
    }

    /// <summary>Uniform integer in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int minInclusive, int maxExclusive) => minInclusive + NextInt(maxExclusive - minInclusive);

    /// <summary>Restarts the stream from <paramref name="seed"/>.</summary>
    internal void Reset(long seed) => _state = unchecked((ulong)seed);

    /// <summary>The seed of sample <paramref name="sampleIndex"/> in <paramref name="epoch"/>.</summary>
    internal static long SampleSeed(long seed, int epoch, int sampleIndex) =>
        SeedMixer.Combine(seed, SeedMixer.AugmentStream, epoch, sampleIndex);
}
