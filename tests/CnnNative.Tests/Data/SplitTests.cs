using CnnNative.Data;

namespace CnnNative.Tests.Data;

/// <summary>Seeded splits and shuffles: sizes, determinism, disjointness, copies.</summary>
public class SplitTests
{
    /// <summary>Sample i holds the values i and -i and label i % 7, so any sample can be identified.</summary>
    private static Dataset Numbered(int count)
    {
        var images = new float[count * 2];
        for (int i = 0; i < count; i++) (images[2 * i], images[2 * i + 1]) = (i, -i);
        int[] labels = Enumerable.Range(0, count).Select(i => i % 7).ToArray();
        return new Dataset(images, labels, new TensorShape(1, 1, 2), 7, "numbered") { ClassNames = ["a", "b", "c", "d", "e", "f", "g"] };
    }

    private static int[] Ids(Dataset data) => Enumerable.Range(0, data.Count).Select(i => (int)data.Sample(i)[0]).ToArray();

    [Fact]
    public void PartsHaveTheRightSizesAreDisjointAndCoverEverySampleWithItsLabel()
    {
        Dataset data = Numbered(103);

        (Dataset train, Dataset validation) = data.Split(0.2, seed: 7);

        Assert.Equal(82, train.Count);
        Assert.Equal(21, validation.Count); // round(20.6)
        int[] all = [.. Ids(train), .. Ids(validation)];
        Assert.Equal(Enumerable.Range(0, 103), all.Order());
        Assert.Empty(Ids(train).Intersect(Ids(validation)));
        for (int i = 0; i < train.Count; i++)
        {
            int id = (int)train.Sample(i)[0];
            Assert.Equal(-id, train.Sample(i)[1]);
            Assert.Equal(id % 7, train.Label(i));
        }
        Assert.Equal("numbered (validation)", validation.Name);
        Assert.Equal(data.ClassNames, train.ClassNames);
        Assert.NotEqual(Enumerable.Range(0, 82), Ids(train)); // shuffled, not a plain cut
    }

    [Fact]
    public void SameSeedSameSplitOtherSeedOtherSplit()
    {
        Dataset data = Numbered(200);

        int[] a = Ids(data.Split(0.25, seed: 1).Validation);
        int[] b = Ids(data.Split(0.25, seed: 1).Validation);
        int[] c = Ids(data.Split(0.25, seed: 2).Validation);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void SplitIsAPinnedPermutationIndependentOfTheRuntime()
    {
        // Pinned output of our own generator: it must never change with the .NET version or platform.
        int[] validation = Ids(Numbered(10).Split(0.3, seed: 42).Validation);
        int[] again = Ids(Numbered(10).Split(0.3, seed: 42).Validation);
        Assert.Equal(again, validation);
        Assert.Equal(3, validation.Length);
        Assert.Equal(ExpectedSeed42, validation);
    }

    private static readonly int[] ExpectedSeed42 = [3, 6, 7];

    [Fact]
    public void PartsAreCopiesNotViews()
    {
        Dataset data = Numbered(10);
        (Dataset train, Dataset validation) = data.Split(0.5, seed: 3);
        Assert.Equal(20, train.Images.Length + validation.Images.Length);
        Assert.False(train.Images.Overlaps(data.Images));
        Assert.False(validation.Images.Overlaps(data.Images));
    }

    [Fact]
    public void ShuffledIsAPermutation()
    {
        Dataset shuffled = Numbered(50).Shuffled(seed: 9);
        Assert.Equal(Enumerable.Range(0, 50), Ids(shuffled).Order());
        Assert.NotEqual(Enumerable.Range(0, 50), Ids(shuffled));
        Assert.Equal(Ids(Numbered(50).Shuffled(seed: 9)), Ids(shuffled));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void FractionOutsideZeroOneIsRejected(double fraction)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Numbered(10).Split(fraction, 0));
        Assert.Contains("strictly between 0 and 1", e.Message);
    }

    [Fact]
    public void FractionLeavingAPartEmptyIsRejectedWithTheNumbers()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Numbered(10).Split(0.01, 0));
        Assert.Contains("0.01 of 10 samples gives 0 validation and 10 training samples", e.Message);
    }
}
