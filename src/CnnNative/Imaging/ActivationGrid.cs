namespace CnnNative.Imaging;

/// <summary>
/// Pictures of activation maps: each channel of one sample [C, H, W] as a cell enlarged <c>cellScale</c>
/// times, scaled per channel from its min (black) to its max (white), with 1-pixel white gaps.
/// </summary>
public static class ActivationGrid
{
    /// <summary>
    /// Renders <paramref name="channels"/> maps of <paramref name="height"/> x <paramref name="width"/> stored one
    /// after another in <paramref name="maps"/> (one sample of an NCHW activation), in a grid of
    /// <paramref name="columns"/> columns (0: ceil(sqrt(channels))).
    /// </summary>
    /// <param name="maps">channels x height x width values, row-major.</param>
    /// <param name="channels">Number of maps, C.</param>
    /// <param name="height">Rows of each map, H.</param>
    /// <param name="width">Columns of each map, W.</param>
    /// <param name="cellScale">Pixels per activation, at least 1.</param>
    /// <param name="columns">Cells per grid row; 0 picks a near-square grid.</param>
    /// <exception cref="ArgumentException"><paramref name="maps"/> does not hold channels x height x width values.</exception>
    public static GrayImage Render(ReadOnlySpan<float> maps, int channels, int height, int width, int cellScale = 4, int columns = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cellScale, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        long expected = (long)channels * height * width;
        if (maps.Length != expected)
            throw new ArgumentException(
                $"ActivationGrid expects {channels} x {height} x {width} = {expected} values; got {maps.Length}.", nameof(maps));

        int cols = columns > 0 ? Math.Min(columns, channels) : CellGrid.SquareColumns(channels);
        int rows = (channels + cols - 1) / cols;
        var grid = new CellGrid(rows, cols, height, width, cellScale);
        int mapSize = height * width;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> map = maps.Slice(c * mapSize, mapSize);
            var (min, max) = CellGrid.Range(map);
            grid.Paint(c / cols, c % cols, map, min, max);
        }
        return grid.Image;
    }
}
