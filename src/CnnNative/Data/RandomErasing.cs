using System.Globalization;

namespace CnnNative.Data;

/// <summary>
/// Random erasing (Zhong et al. 2017), as torchvision's <c>RandomErasing</c>: with probability
/// <see cref="Probability"/>, picks a rectangle whose area is a uniform fraction in <see cref="MinArea"/>..<see cref="MaxArea"/>
/// of the picture and whose aspect ratio (height / width) is log-uniform in <see cref="MinAspect"/>..<see cref="MaxAspect"/>,
/// at a uniform position, and sets it to <see cref="Value"/> in every channel. Up to 10 attempts are made to find a
/// rectangle that fits; if none does the sample is left alone.
/// </summary>
public sealed class RandomErasing : AugmentationStep
{
    private const int Attempts = 10;

    /// <summary>Erases with probability <paramref name="probability"/> a rectangle of area fraction in
    /// [<paramref name="minArea"/>, <paramref name="maxArea"/>] and aspect ratio in [<paramref name="minAspect"/>,
    /// <paramref name="maxAspect"/>], filled with <paramref name="value"/>. The defaults are torchvision's.</summary>
    public RandomErasing(double probability = 0.5, double minArea = 0.02, double maxArea = 0.33,
        double minAspect = 0.3, double maxAspect = 3.3, float value = 0f)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability must lie in [0, 1].");
        if (!(minArea > 0 && minArea <= maxArea && maxArea <= 1))
            throw new ArgumentOutOfRangeException(nameof(maxArea),
                $"RandomErasing needs 0 < minArea <= maxArea <= 1; got minArea {minArea}, maxArea {maxArea}.");
        if (!(minAspect > 0 && minAspect <= maxAspect && double.IsFinite(maxAspect)))
            throw new ArgumentOutOfRangeException(nameof(maxAspect),
                $"RandomErasing needs 0 < minAspect <= maxAspect; got minAspect {minAspect}, maxAspect {maxAspect}.");
        Probability = probability;
        MinArea = minArea;
        MaxArea = maxArea;
        MinAspect = minAspect;
        MaxAspect = maxAspect;
        Value = value;
    }

    /// <summary>Chance that a sample gets a rectangle erased.</summary>
    public double Probability { get; }

    /// <summary>Smallest erased area, as a fraction of the picture.</summary>
    public double MinArea { get; }

    /// <summary>Largest erased area, as a fraction of the picture.</summary>
    public double MaxArea { get; }

    /// <summary>Smallest height / width ratio of the rectangle.</summary>
    public double MinAspect { get; }

    /// <summary>Largest height / width ratio of the rectangle.</summary>
    public double MaxAspect { get; }

    /// <summary>The value written into the rectangle.</summary>
    public float Value { get; }

    /// <inheritdoc />
    public override void Apply(Span<float> sample, TensorShape sampleShape, AugmentationRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ImageLayout layout = ImageLayout.From(sampleShape, nameof(RandomErasing));
        layout.CheckLength(sample.Length, nameof(RandomErasing));
        if (random.NextDouble() >= Probability) return;
        double area = layout.Plane;
        double logMin = Math.Log(MinAspect), logMax = Math.Log(MaxAspect);
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            double eraseArea = area * random.NextUniform(MinArea, MaxArea);
            double aspect = Math.Exp(random.NextUniform(logMin, logMax));
            int height = (int)Math.Round(Math.Sqrt(eraseArea * aspect), MidpointRounding.ToEven);
            int width = (int)Math.Round(Math.Sqrt(eraseArea / aspect), MidpointRounding.ToEven);
            if (height < 1 || width < 1 || height >= layout.Height || width >= layout.Width) continue;
            int top = random.NextInt(layout.Height - height + 1);
            int left = random.NextInt(layout.Width - width + 1);
            Erase(sample, sampleShape, top, left, height, width, Value);
            return;
        }
    }

    /// <summary>Sets rows [top, top + height) × columns [left, left + width) of every channel to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rectangle does not lie inside the picture.</exception>
    public static void Erase(Span<float> sample, TensorShape sampleShape, int top, int left, int height, int width, float value)
    {
        ImageLayout layout = ImageLayout.From(sampleShape, nameof(RandomErasing));
        layout.CheckLength(sample.Length, nameof(RandomErasing));
        if (top < 0 || left < 0 || height < 0 || width < 0 || top + height > layout.Height || left + width > layout.Width)
            throw new ArgumentOutOfRangeException(nameof(height),
                $"RandomErasing: rectangle at ({top}, {left}) of {height}x{width} does not fit a {layout.Height}x{layout.Width} picture.");
        for (int c = 0; c < layout.Channels; c++)
        for (int y = top; y < top + height; y++)
            sample.Slice(c * layout.Plane + y * layout.Width + left, width).Fill(value);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"RandomErasing(p={Probability}, area={MinArea}..{MaxArea}, aspect={MinAspect}..{MaxAspect}, value={Value})");
}
