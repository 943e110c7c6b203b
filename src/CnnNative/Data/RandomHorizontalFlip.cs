using System.Globalization;

namespace CnnNative.Data;

/// <summary>Mirrors the sample left to right (every row of every channel) with probability <see cref="Probability"/>.</summary>
public sealed class RandomHorizontalFlip : AugmentationStep
{
    /// <summary>Flips with probability <paramref name="probability"/> in [0, 1].</summary>
    public RandomHorizontalFlip(double probability = 0.5)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability must lie in [0, 1].");
        Probability = probability;
    }

    /// <summary>Chance that a sample is flipped.</summary>
    public double Probability { get; }

    /// <inheritdoc />
    public override void Apply(Span<float> sample, TensorShape sampleShape, AugmentationRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ImageLayout layout = ImageLayout.From(sampleShape, nameof(RandomHorizontalFlip));
        layout.CheckLength(sample.Length, nameof(RandomHorizontalFlip));
        if (random.NextDouble() < Probability) Flip(sample, sampleShape);
    }

    /// <summary>Mirrors <paramref name="sample"/> left to right, always.</summary>
    public static void Flip(Span<float> sample, TensorShape sampleShape)
    {
        ImageLayout layout = ImageLayout.From(sampleShape, nameof(RandomHorizontalFlip));
        layout.CheckLength(sample.Length, nameof(RandomHorizontalFlip));
        for (int row = 0; row < layout.Channels * layout.Height; row++)
            sample.Slice(row * layout.Width, layout.Width).Reverse();
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"RandomHorizontalFlip(p={Probability})");
}
