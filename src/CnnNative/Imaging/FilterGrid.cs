namespace CnnNative.Imaging;

/// <summary>
/// Pictures of convolution filters: every filter of a weight tensor [OC, C, KH, KW] as a cell enlarged
/// <c>cellScale</c> times, scaled per filter from its min (black) to its max (white), with 1-pixel white gaps.
/// </summary>
public static class FilterGrid
{
    /// <summary>
    /// Renders the filters of <paramref name="weights"/> [OC, C, KH, KW] (e.g. <see cref="Conv2d.Weight"/>).
    /// By default only input channel 0 is shown, the OC filters in a near-square grid of ceil(sqrt(OC)) columns;
    /// with <paramref name="allChannels"/> each input channel is a row and each filter a column (C rows, OC columns),
    /// scaled per filter over all its channels. The image is
    /// (columns x KW x cellScale + columns - 1) x (rows x KH x cellScale + rows - 1) pixels; save it with <see cref="GrayImage.Save"/>.
    /// </summary>
    /// <param name="weights">The filters, [OC, C, KH, KW], on any device.</param>
    /// <param name="cellScale">Pixels per kernel tap, at least 1.</param>
    /// <param name="allChannels">True shows every input channel, one row per channel.</param>
    /// <exception cref="ArgumentException">The tensor is not of rank 4.</exception>
    public static GrayImage Render(Tensor weights, int cellScale = 8, bool allChannels = false)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(cellScale, 1);
        TensorShape shape = weights.Shape;
        if (shape.Rank != 4)
            throw new ArgumentException($"FilterGrid expects weights [OC, C, KH, KW]; got {shape} (rank {shape.Rank} != 4).", nameof(weights));
        int filters = shape[0], channels = shape[1], kh = shape[2], kw = shape[3];
        float[] values = weights.ToArray();
        int mapSize = kh * kw, filterSize = channels * mapSize;

        int rows = allChannels ? channels : (filters + CellGrid.SquareColumns(filters) - 1) / CellGrid.SquareColumns(filters);
        int columns = allChannels ? filters : CellGrid.SquareColumns(filters);
        var grid = new CellGrid(rows, columns, kh, kw, cellScale);
        for (int f = 0; f < filters; f++)
        {
            ReadOnlySpan<float> filter = values.AsSpan(f * filterSize, allChannels ? filterSize : mapSize);
            var (min, max) = CellGrid.Range(filter);
            if (!allChannels)
            {
                grid.Paint(f / columns, f % columns, filter, min, max);
                continue;
            }
            for (int c = 0; c < channels; c++) grid.Paint(c, f, filter.Slice(c * mapSize, mapSize), min, max);
        }
        return grid.Image;
    }
}
