using CnnNative.Imaging;

namespace CnnNative.Tests.Imaging;

public class GridTests
{
    private static Tensor Weights(int oc, int c, int kh, int kw)
    {
        var values = new float[oc * c * kh * kw];
        for (int i = 0; i < values.Length; i++) values[i] = (i % 7) - 3 + 0.1f * (i / 7);
        return Tensor.FromArray(values, oc, c, kh, kw);
    }

    [Fact]
    public void FilterGridOfChannelZeroIsANearSquareGrid()
    {
        using Tensor weights = Weights(6, 2, 3, 5);
        float[] w = weights.ToArray();

        GrayImage image = FilterGrid.Render(weights, cellScale: 4);

        // 6 filters -> 3 columns x 2 rows of (5*4) x (3*4) cells with 1-pixel gaps.
        Assert.Equal(3 * 20 + 2, image.Width);
        Assert.Equal(2 * 12 + 1, image.Height);
        Assert.Equal(255, image[20, 0]);  // vertical gap after the first cell
        Assert.Equal(255, image[0, 12]);  // horizontal gap below it
        for (int f = 0; f < 6; f++)
        {
            float[] channel0 = w[(f * 30)..(f * 30 + 15)];
            float min = channel0.Min(), max = channel0.Max();
            for (int tap = 0; tap < 15; tap++)
            {
                int x = (f % 3) * 21 + (tap % 5) * 4 + 3, y = (f / 3) * 13 + (tap / 5) * 4 + 1;
                byte expected = (byte)MathF.Round((channel0[tap] - min) / (max - min) * 255f);
                Assert.Equal(expected, image[x, y]);
            }
        }
    }

    [Fact]
    public void FilterGridScalesEachFilterFromItsMinToItsMax()
    {
        // Two 1x2 filters on one channel: [-1, 3] and [10, 10] (constant -> mid-gray).
        using Tensor weights = Tensor.FromArray([-1f, 3f, 10f, 10f], 2, 1, 1, 2);

        GrayImage image = FilterGrid.Render(weights, cellScale: 2);

        // 2 filters -> 2 columns, 1 row: width 2 * (2*2) + 1 = 9, height 1*2 = 2.
        Assert.Equal((9, 2), (image.Width, image.Height));
        Assert.Equal([0, 0, 255, 255, 255, 128, 128, 128, 128], image.Pixels[..9].ToArray());
        Assert.Equal(image.Pixels[..9].ToArray(), image.Pixels[9..].ToArray());
    }

    [Fact]
    public void FilterGridWithAllChannelsHasOneRowPerChannel()
    {
        using Tensor weights = Weights(6, 2, 3, 5);

        GrayImage image = FilterGrid.Render(weights, cellScale: 4, allChannels: true);

        Assert.Equal(6 * 20 + 5, image.Width);
        Assert.Equal(2 * 12 + 1, image.Height);
    }

    [Fact]
    public void FilterGridSavesAPngOfItsSize()
    {
        using var folder = new TempFolder();
        using Tensor weights = Weights(16, 1, 5, 5);
        GrayImage image = FilterGrid.Render(weights);

        image.Save(folder.File("filters.png"));

        float[,] read = ImageReader.Read(folder.File("filters.png"));
        Assert.Equal((4 * 40 + 3, 4 * 40 + 3), (read.GetLength(1), read.GetLength(0)));
        Assert.Equal(image[0, 0] / 255f, read[0, 0]);
    }

    [Fact]
    public void FilterGridRejectsNonConvolutionWeights()
    {
        using var weights = new Tensor(3, 4);

        var e = Assert.Throws<ArgumentException>(() => FilterGrid.Render(weights));

        Assert.Contains("expects weights [OC, C, KH, KW]; got [3, 4]", e.Message);
    }

    [Fact]
    public void ActivationGridHasOneCellPerChannel()
    {
        var maps = new float[5 * 4 * 3];
        for (int i = 0; i < maps.Length; i++) maps[i] = i % 12; // each channel 0..11: same picture

        GrayImage square = ActivationGrid.Render(maps, channels: 5, height: 4, width: 3, cellScale: 2);
        GrayImage row = ActivationGrid.Render(maps, channels: 5, height: 4, width: 3, cellScale: 1, columns: 5);

        Assert.Equal((3 * 6 + 2, 2 * 8 + 1), (square.Width, square.Height)); // 3 columns, 2 rows
        Assert.Equal((5 * 3 + 4, 4), (row.Width, row.Height));
        Assert.Equal(0, row[0, 0]);
        Assert.Equal(255, row[2, 3]);
        Assert.Equal(255, row[3, 0]);             // gap
        Assert.Equal(row[0, 0], row[4 * 4, 0]);  // fifth channel starts like the first
    }

    [Fact]
    public void ActivationGridChecksTheLength()
    {
        var e = Assert.Throws<ArgumentException>(() => ActivationGrid.Render(new float[10], 2, 2, 2));

        Assert.Contains("expects 2 x 2 x 2 = 8 values; got 10", e.Message);
    }
}
