namespace CnnNative.Imaging;

/// <summary>
/// Paints small float maps as enlarged cells of a grid separated by 1-pixel gaps of <see cref="GapValue"/>,
/// each map scaled from its own [min, max] to [0, 255] (a constant map is mid-gray).
/// </summary>
internal sealed class CellGrid
{
    /// <summary>The value of gap pixels and unused cells: white.</summary>
    public const byte GapValue = 255;

    private readonly int _cellWidth, _cellHeight, _scale;

    /// <summary>A grid of <paramref name="rows"/> x <paramref name="columns"/> cells, each a mapHeight x mapWidth map enlarged <paramref name="scale"/> times.</summary>
    public CellGrid(int rows, int columns, int mapHeight, int mapWidth, int scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        _scale = scale;
        _cellWidth = checked(mapWidth * scale);
        _cellHeight = checked(mapHeight * scale);
        Image = new GrayImage(checked(columns * _cellWidth + columns - 1), checked(rows * _cellHeight + rows - 1));
        Image.Pixels.Fill(GapValue);
    }

    /// <summary>The picture being painted.</summary>
    public GrayImage Image { get; }

    /// <summary>Columns for <paramref name="count"/> cells in a near-square grid: ceil(sqrt(count)).</summary>
    public static int SquareColumns(int count) => Math.Max(1, (int)Math.Ceiling(Math.Sqrt(count)));

    /// <summary>Min and max of the finite values (0, 0 when there are none).</summary>
    public static (float Min, float Max) Range(ReadOnlySpan<float> values)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        return min <= max ? (min, max) : (0f, 0f);
    }

    /// <summary>Paints <paramref name="map"/> (row-major, mapHeight x mapWidth) into cell (<paramref name="row"/>, <paramref name="column"/>), scaled from [min, max].</summary>
    public void Paint(int row, int column, ReadOnlySpan<float> map, float min, float max)
    {
        int mapWidth = _cellWidth / _scale, mapHeight = _cellHeight / _scale;
        int left = column * (_cellWidth + 1), top = row * (_cellHeight + 1);
        float range = max - min;
        for (int y = 0; y < mapHeight; y++)
        {
            for (int x = 0; x < mapWidth; x++)
            {
                float v = map[y * mapWidth + x];
                byte level = range > 0 && float.IsFinite(v)
                    ? (byte)Math.Clamp(MathF.Round((v - min) / range * 255f), 0f, 255f)
                    : (byte)128;
                Image.Fill(left + x * _scale, top + y * _scale, _scale, _scale, level);
            }
        }
    }
}
