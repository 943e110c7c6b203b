using System.Globalization;

namespace CnnNative.Data;

/// <summary>
/// Random translation, as torchvision's <c>RandomCrop(size, padding)</c>: pads the sample with
/// <see cref="Padding"/> pixels of <see cref="Fill"/> on every side, then crops it back to its size at a uniformly
/// random offset, i.e. shifts it by (dy, dx) in [-Padding, Padding]² and fills the uncovered border.
/// Note that loaders standardise before augmenting, so a fill of 0 is the mean pixel, not black; for black
/// pass <c>fill: -mean / std</c>.
/// </summary>
public sealed class RandomCrop : AugmentationStep
{
    /// <summary>Shifts by up to <paramref name="padding"/> pixels in each direction, filling with <paramref name="fill"/>.</summary>
    public RandomCrop(int padding, float fill = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        Padding = padding;
        Fill = fill;
    }

    /// <summary>Largest shift, in pixels, along each axis.</summary>
    public int Padding { get; }

    /// <summary>Value of the pixels shifted in from outside.</summary>
    public float Fill { get; }

    /// <inheritdoc />
    public override void Apply(Span<float> sample, TensorShape sampleShape, AugmentationRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        // The crop's top-left corner in the padded picture is (top, left) in [0, 2 * Padding]; drawn top first.
        int top = random.NextInt(2 * Padding + 1);
        int left = random.NextInt(2 * Padding + 1);
        Shift(sample, sampleShape, top - Padding, left - Padding, Fill);
    }

    /// <summary>
    /// Moves the picture's content in place so that output(y, x) = input(y + <paramref name="dy"/>, x + <paramref name="dx"/>)
    /// for every channel, and <paramref name="fill"/> where that lies outside the picture. A crop of the padded picture at
    /// (top, left) is the shift (top - padding, left - padding).
    /// </summary>
    public static void Shift(Span<float> sample, TensorShape sampleShape, int dy, int dx, float fill = 0f)
    {
        ImageLayout layout = ImageLayout.From(sampleShape, nameof(RandomCrop));
        layout.CheckLength(sample.Length, nameof(RandomCrop));
        int height = layout.Height, width = layout.Width;
        for (int c = 0; c < layout.Channels; c++)
        {
            Span<float> plane = sample.Slice(c * layout.Plane, layout.Plane);
            // The source lies a fixed distance dy*W+dx ahead of (or behind) the target, so walking away from the
            // unread values (forwards when reading ahead, backwards otherwise) works in place, like memmove.
            if (dy * width + dx >= 0)
            {
                for (int y = 0; y < height; y++)
                    ShiftRow(plane, y, dy, dx, width, height, fill, forwards: true);
            }
            else
            {
                for (int y = height - 1; y >= 0; y--)
                    ShiftRow(plane, y, dy, dx, width, height, fill, forwards: false);
            }
        }
    }

    private static void ShiftRow(Span<float> plane, int y, int dy, int dx, int width, int height, float fill, bool forwards)
    {
        int sourceY = y + dy;
        Span<float> row = plane.Slice(y * width, width);
        if ((uint)sourceY >= (uint)height)
        {
            row.Fill(fill);
            return;
        }
        for (int i = 0; i < width; i++)
        {
            int x = forwards ? i : width - 1 - i;
            int sourceX = x + dx;
            row[x] = (uint)sourceX < (uint)width ? plane[sourceY * width + sourceX] : fill;
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"RandomCrop(padding={Padding}, fill={Fill})");
}
