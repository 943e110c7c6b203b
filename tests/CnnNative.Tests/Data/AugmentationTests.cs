using CnnNative.Data;

namespace CnnNative.Tests.Data;

/// <summary>Each augmentation step on tiny hand-made images with known results, and seeded determinism.</summary>
public class AugmentationTests
{
    private static float[] Count(int n) => Enumerable.Range(1, n).Select(i => (float)i).ToArray();

    [Fact]
    public void FlipMirrorsEveryRowOfEveryChannel()
    {
        float[] image = Count(6); // [1, 2, 3] image: rows {1 2 3}, {4 5 6}
        RandomHorizontalFlip.Flip(image, new TensorShape(1, 2, 3));
        Assert.Equal([3f, 2f, 1f, 6f, 5f, 4f], image);

        float[] twoChannels = Count(8); // [2, 2, 2]
        new RandomHorizontalFlip(probability: 1).Apply(twoChannels, new TensorShape(2, 2, 2), new AugmentationRandom(1));
        Assert.Equal([2f, 1f, 4f, 3f, 6f, 5f, 8f, 7f], twoChannels);

        float[] untouched = Count(6);
        new RandomHorizontalFlip(probability: 0).Apply(untouched, new TensorShape(1, 2, 3), new AugmentationRandom(1));
        Assert.Equal(Count(6), untouched);
    }

    [Fact]
    public void FlipWithHalfProbabilityFlipsAboutHalfTheSamples()
    {
        var flip = new RandomHorizontalFlip();
        int flipped = 0;
        for (int i = 0; i < 1000; i++)
        {
            float[] image = [1f, 2f];
            flip.Apply(image, new TensorShape(1, 2), AugmentationRandom.ForSample(9, 0, i));
            if (image[0] == 2f) flipped++;
        }
        Assert.InRange(flipped, 430, 570);
    }

    [Fact]
    public void ShiftByAForcedOffsetMovesContentAndFillsTheBorder()
    {
        // 3x4 picture: rows {1 2 3 4}, {5 6 7 8}, {9 10 11 12}.
        var shape = new TensorShape(1, 3, 4);
        float[] down = Count(12);
        RandomCrop.Shift(down, shape, dy: 1, dx: -1); // output(y, x) = input(y + 1, x - 1)
        Assert.Equal([0f, 5f, 6f, 7f, 0f, 9f, 10f, 11f, 0f, 0f, 0f, 0f], down);

        float[] up = Count(12);
        RandomCrop.Shift(up, shape, dy: -1, dx: 2, fill: -1f); // output(y, x) = input(y - 1, x + 2)
        Assert.Equal([-1f, -1f, -1f, -1f, 3f, 4f, -1f, -1f, 7f, 8f, -1f, -1f], up);
    }

    [Fact]
    public void InPlaceShiftMatchesANaiveCopyForEveryOffset()
    {
        var shape = new TensorShape(2, 4, 5);
        for (int dy = -4; dy <= 4; dy++)
        for (int dx = -5; dx <= 5; dx++)
        {
            float[] source = Count(40);
            var expected = new float[40];
            for (int c = 0; c < 2; c++)
            for (int y = 0; y < 4; y++)
            for (int x = 0; x < 5; x++)
            {
                int sy = y + dy, sx = x + dx;
                expected[c * 20 + y * 5 + x] = sy is >= 0 and < 4 && sx is >= 0 and < 5 ? source[c * 20 + sy * 5 + sx] : 0.5f;
            }
            float[] actual = (float[])source.Clone();
            RandomCrop.Shift(actual, shape, dy, dx, fill: 0.5f);
            Assert.True(expected.SequenceEqual(actual), $"dy {dy}, dx {dx}");
        }
    }

    [Fact]
    public void RandomCropIsTheShiftOfItsDrawnCorner()
    {
        var shape = new TensorShape(1, 5, 5);
        var crop = new RandomCrop(padding: 2);
        var offsets = new HashSet<(int, int)>();
        for (int seed = 0; seed < 200; seed++)
        {
            var draws = new AugmentationRandom(seed);
            int dy = draws.NextInt(5) - 2, dx = draws.NextInt(5) - 2;
            offsets.Add((dy, dx));
            float[] expected = Count(25);
            RandomCrop.Shift(expected, shape, dy, dx);

            float[] actual = Count(25);
            crop.Apply(actual, shape, new AugmentationRandom(seed));

            Assert.Equal(expected, actual);
        }
        Assert.Equal(25, offsets.Count); // every offset in [-2, 2]² occurs
        float[] same = Count(25);
        new RandomCrop(0).Apply(same, shape, new AugmentationRandom(1));
        Assert.Equal(Count(25), same);
    }

    [Fact]
    public void EraseFillsExactlyTheRectangleInEveryChannel()
    {
        float[] image = Count(40); // [2, 4, 5]
        RandomErasing.Erase(image, new TensorShape(2, 4, 5), top: 1, left: 2, height: 2, width: 3, value: -1f);
        for (int c = 0; c < 2; c++)
        for (int y = 0; y < 4; y++)
        for (int x = 0; x < 5; x++)
        {
            bool inside = y is 1 or 2 && x is >= 2 and <= 4;
            int i = c * 20 + y * 5 + x;
            Assert.Equal(inside ? -1f : i + 1, image[i]);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            RandomErasing.Erase(image, new TensorShape(2, 4, 5), top: 3, left: 0, height: 2, width: 1, value: 0f));
    }

    [Fact]
    public void RandomErasingErasesOneRectangleWithinTheAreaAndAspectLimits()
    {
        var shape = new TensorShape(1, 20, 20);
        var erasing = new RandomErasing(probability: 1, minArea: 0.1, maxArea: 0.2, minAspect: 0.5, maxAspect: 2, value: -7f);
        for (int seed = 0; seed < 50; seed++)
        {
            float[] image = Enumerable.Repeat(1f, 400).ToArray();
            erasing.Apply(image, shape, new AugmentationRandom(seed));

            int[] rows = Enumerable.Range(0, 20).Where(y => Enumerable.Range(0, 20).Any(x => image[y * 20 + x] == -7f)).ToArray();
            int[] columns = Enumerable.Range(0, 20).Where(x => Enumerable.Range(0, 20).Any(y => image[y * 20 + x] == -7f)).ToArray();
            int erased = image.Count(v => v == -7f);
            Assert.Equal(rows.Length * columns.Length, erased); // one solid rectangle
            Assert.Equal(rows.Length, rows[^1] - rows[0] + 1);
            Assert.InRange(erased, 0.1 * 400 * 0.7, 0.2 * 400 * 1.3); // rounding of the sides moves the area a little
            Assert.InRange(rows.Length / (double)columns.Length, 0.5 / 1.5, 2 * 1.5);
        }
        float[] kept = Enumerable.Repeat(1f, 400).ToArray();
        new RandomErasing(probability: 0).Apply(kept, shape, new AugmentationRandom(1));
        Assert.All(kept, v => Assert.Equal(1f, v));
    }

    [Fact]
    public void SameSeedEpochAndIndexGiveTheSameResultOthersDiffer()
    {
        var augmentation = new Augmentation(new RandomHorizontalFlip(), new RandomCrop(3), new RandomErasing(probability: 1));
        var shape = new TensorShape(3, 8, 8);
        float[] Run(long seed, int epoch, int index)
        {
            float[] sample = Count(192);
            augmentation.Apply(sample, shape, seed, epoch, index);
            return sample;
        }

        Assert.Equal(Run(1, 2, 3), Run(1, 2, 3));
        Assert.NotEqual(Run(1, 2, 3), Run(1, 2, 4));
        Assert.NotEqual(Run(1, 2, 3), Run(1, 3, 3));
        Assert.NotEqual(Run(1, 2, 3), Run(2, 2, 3));
        Assert.Equal("RandomHorizontalFlip(p=0.5) -> RandomCrop(padding=3, fill=0) -> " +
            "RandomErasing(p=1, area=0.02..0.33, aspect=0.3..3.3, value=0)", augmentation.ToString());
    }

    [Fact]
    public void LoaderAugmentsEachSampleAsTheSeedEpochAndIndexSayWhateverTheThreading()
    {
        Dataset data = BatchLoaderTests.Numbered(40, channels: 2);
        var augmentation = new Augmentation(new RandomHorizontalFlip(), new RandomCrop(1), new RandomErasing());
        using var background = new BatchLoader(data, 7, seed: 4, augmentation: augmentation, prefetch: 3);
        using var inline = new BatchLoader(data, 5, seed: 4, augmentation: augmentation, prefetch: 0);

        foreach (BatchLoader loader in new[] { background, inline })
        foreach (Batch batch in loader.Epoch(2))
        for (int k = 0; k < batch.Count; k++)
        {
            int index = batch.SampleIndices[k];
            float[] expected = data.Sample(index).ToArray();
            augmentation.Apply(expected, data.SampleShape, seed: 4, epoch: 2, sampleIndex: index);
            Assert.True(batch.Inputs.Slice(k * 24, 24).SequenceEqual(expected), $"sample {index}, prefetch {loader.Prefetch}");
        }
    }

    [Fact]
    public void SamplesOfTheWrongShapeAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            RandomHorizontalFlip.Flip(new float[5], new TensorShape(1, 2, 3)));
        Assert.Contains("the sample has 5 values but [1, 2, 3] needs 6", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomErasing(minArea: 0.5, maxArea: 0.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomHorizontalFlip(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop(-1));
    }
}
