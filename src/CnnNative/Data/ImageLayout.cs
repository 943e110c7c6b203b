namespace CnnNative.Data;

/// <summary>Channels, height and width of one sample: [C, H, W], or [H, W] as one channel.</summary>
internal readonly record struct ImageLayout(int Channels, int Height, int Width)
{
    /// <summary>Values per channel.</summary>
    public int Plane => Height * Width;

    /// <summary>The layout of <paramref name="sampleShape"/>, or an error naming <paramref name="who"/>.</summary>
    public static ImageLayout From(TensorShape sampleShape, string who)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        return sampleShape.Rank switch
        {
            3 => new ImageLayout(sampleShape[0], sampleShape[1], sampleShape[2]),
            2 => new ImageLayout(1, sampleShape[0], sampleShape[1]),
            _ => throw new ArgumentException(
                $"{who} works on samples shaped [C, H, W] or [H, W]; got {sampleShape}.", nameof(sampleShape)),
        };
    }

    /// <summary>Throws unless <paramref name="length"/> values are exactly one sample of this layout.</summary>
    public void CheckLength(int length, string who)
    {
        if (length != Channels * Plane)
            throw new ArgumentException(
                $"{who}: the sample has {length} values but [{Channels}, {Height}, {Width}] needs {Channels * Plane}.");
    }
}
