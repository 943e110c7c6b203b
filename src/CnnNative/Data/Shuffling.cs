namespace CnnNative.Data;

/// <summary>Seeded permutations (Fisher-Yates over <see cref="SeededRandom"/>), identical on every platform and runtime.</summary>
internal static class Shuffling
{
    /// <summary>Fills <paramref name="order"/> with a permutation of 0..Length-1 fixed by <paramref name="seed"/>.</summary>
    public static void Permute(Span<int> order, long seed)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var random = new SeededRandom(seed);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = NextBelow(random, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>A new array holding a permutation of 0..count-1 fixed by <paramref name="seed"/>.</summary>
    public static int[] Permutation(int count, long seed)
    {
        var order = new int[count];
        Permute(order, seed);
        return order;
    }

    /// <summary>Uniform in [0, bound) without modulo bias (Lemire's multiply-and-reject).</summary>
    public static int NextBelow(SeededRandom random, int bound)
    {
        ulong n = (ulong)bound;
        ulong high = Math.BigMul(random.NextUInt64(), n, out ulong low);
        if (low < n)
        {
            ulong threshold = (0UL - n) % n;
            while (low < threshold) high = Math.BigMul(random.NextUInt64(), n, out low);
        }
        return (int)high;
    }
}
