namespace CnnNative;

/// <summary>
/// A deterministic random source of our own (xoshiro256** seeded through SplitMix64, Box-Muller
/// normals), so initial weights depend only on the seed, never on System.Random's implementation.
/// Not thread-safe.
/// </summary>
internal sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpareNormal;

    public SeededRandom(long seed)
    {
        ulong state = unchecked((ulong)seed);
        _s0 = SplitMix64(ref state);
        _s1 = SplitMix64(ref state);
        _s2 = SplitMix64(ref state);
        _s3 = SplitMix64(ref state);
    }

    /// <summary>The next 64 random bits (xoshiro256**).</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [low, high).</summary>
    public double NextUniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Standard normal (mean 0, standard deviation 1) by the Box-Muller transform.</summary>
    public double NextNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }
        double u1 = 1.0 - NextDouble(); // (0, 1]: keeps the logarithm finite
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        _spareNormal = radius * Math.Sin(angle);
        _hasSpareNormal = true;
        return radius * Math.Cos(angle);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
