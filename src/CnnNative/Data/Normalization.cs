using System.Globalization;

namespace CnnNative.Data;

/// <summary>
/// How loaders standardise pixel values after scaling bytes to [0, 1] (byte / 255): not at all
/// (<see cref="None"/>), with the training set's own per-channel mean and standard deviation
/// (<see cref="FromTrainingSet"/>, the loaders' default), or with given values (<see cref="Standardize(float, float)"/>).
/// Standardising maps x to (x - mean[c]) / std[c] for channel c of a [C, H, W] sample (one channel otherwise).
/// Immutable.
/// </summary>
public sealed class Normalization
{
    private readonly float[] _mean;
    private readonly float[] _std;

    private Normalization(bool computeFromTrainingSet, float[] mean, float[] std)
    {
        IsFromTrainingSet = computeFromTrainingSet;
        _mean = mean;
        _std = std;
    }

    /// <summary>Values stay byte / 255, in [0, 1].</summary>
    public static Normalization None { get; } = new(false, [], []);

    /// <summary>Standardise with the per-channel mean and standard deviation of the training set (computed at load).</summary>
    public static Normalization FromTrainingSet { get; } = new(true, [], []);

    /// <summary>True for <see cref="FromTrainingSet"/> before it is resolved into actual numbers.</summary>
    public bool IsFromTrainingSet { get; }

    /// <summary>True when values are left as they are (<see cref="None"/>).</summary>
    public bool IsIdentity => !IsFromTrainingSet && _mean.Length == 0;

    /// <summary>Per-channel means (one value applies to every channel); empty unless standardising with known values.</summary>
    public ReadOnlySpan<float> Mean => _mean;

    /// <summary>Per-channel standard deviations, same length as <see cref="Mean"/>.</summary>
    public ReadOnlySpan<float> Std => _std;

    /// <summary>Standardise every channel with one <paramref name="mean"/> and <paramref name="std"/> (std &gt; 0).</summary>
    public static Normalization Standardize(float mean, float std) => Standardize([mean], [std]);

    /// <summary>Standardise channel c with <paramref name="mean"/>[c] and <paramref name="std"/>[c] (all std &gt; 0).</summary>
    /// <exception cref="ArgumentException">The arrays are empty, of different lengths, or a std is not positive and finite.</exception>
    public static Normalization Standardize(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException(
                $"Normalization needs one mean and one std per channel; got {mean.Length} means and {std.Length} stds.",
                nameof(std));
        for (int c = 0; c < std.Length; c++)
        {
            if (!(std[c] > 0) || !float.IsFinite(std[c]) || !float.IsFinite(mean[c]))
                throw new ArgumentException(
                    $"Normalization channel {c}: mean {mean[c]} and std {std[c]}; std must be positive and both finite.",
                    nameof(std));
        }
        return new Normalization(false, (float[])mean.Clone(), (float[])std.Clone());
    }

    /// <summary>
    /// The per-channel mean and population standard deviation of <paramref name="data"/>'s images, as a
    /// standardisation. A channel whose values are all equal gets std 1 (it is only centred).
    /// </summary>
    public static Normalization ComputeFrom(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
            throw new ArgumentException($"{data.Name}: cannot compute a mean and std from 0 samples.", nameof(data));
        return Compute(data.Images, data.SampleShape);
    }

    /// <summary>
    /// Standardises <paramref name="samples"/> in place: any number of consecutive samples of
    /// <paramref name="sampleShape"/>, already scaled to [0, 1]. Nothing happens for <see cref="None"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">This is <see cref="FromTrainingSet"/>, which has no numbers yet.</exception>
    /// <exception cref="ArgumentException">The length is not a multiple of the sample size, or the channel count does not match.</exception>
    public void Normalize(Span<float> samples, TensorShape sampleShape)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (IsFromTrainingSet)
            throw new InvalidOperationException(
                "Normalization.FromTrainingSet has no numbers yet; use Normalization.ComputeFrom(trainingSet) first.");
        int sampleSize = checked((int)sampleShape.ElementCount);
        if (samples.Length % sampleSize != 0)
            throw new ArgumentException(
                $"{samples.Length} values are not a whole number of samples of {sampleShape} ({sampleSize} values each).",
                nameof(samples));
        if (IsIdentity) return;
        (int channels, int plane) = Channels(sampleShape);
        if (_mean.Length != 1 && _mean.Length != channels)
            throw new ArgumentException(
                $"Normalization has {_mean.Length} channel means but samples {sampleShape} have {channels} channels.",
                nameof(sampleShape));
        for (int offset = 0; offset < samples.Length; offset += sampleSize)
        {
            for (int c = 0; c < channels; c++)
            {
                int k = _mean.Length == 1 ? 0 : c;
                float mean = _mean[k], inverseStd = 1f / _std[k];
                Span<float> values = samples.Slice(offset + c * plane, plane);
                for (int i = 0; i < values.Length; i++) values[i] = (values[i] - mean) * inverseStd;
            }
        }
    }

    /// <summary>A new dataset holding <paramref name="data"/>'s images standardised by this normalisation
    /// (<see cref="FromTrainingSet"/> uses <paramref name="data"/>'s own statistics).</summary>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        float[] images = data.Images.ToArray();
        Resolve(images, data.SampleShape).Normalize(images, data.SampleShape);
        return new Dataset(images, data.Labels.ToArray(), data.SampleShape, data.ClassCount, data.Name)
        {
            ClassNames = data.ClassNames,
        };
    }

    /// <summary>"none", "from training set" or "mean 0.2860, std 0.3530" (per channel, comma-separated).</summary>
    public override string ToString()
    {
        if (IsFromTrainingSet) return "from training set";
        if (IsIdentity) return "none";
        static string Join(float[] values) =>
            string.Join(", ", values.Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture)));
        return $"mean {Join(_mean)}; std {Join(_std)}";
    }

    /// <summary>This normalisation with numbers: <see cref="FromTrainingSet"/> becomes the statistics of <paramref name="trainingImages"/>.</summary>
    internal Normalization Resolve(ReadOnlySpan<float> trainingImages, TensorShape sampleShape) =>
        IsFromTrainingSet ? Compute(trainingImages, sampleShape) : this;

    private static Normalization Compute(ReadOnlySpan<float> images, TensorShape sampleShape)
    {
        (int channels, int plane) = Channels(sampleShape);
        int sampleSize = checked((int)sampleShape.ElementCount);
        var means = new float[channels];
        var stds = new float[channels];
        long perChannel = (long)(images.Length / sampleSize) * plane;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int offset = c * plane; offset < images.Length; offset += sampleSize)
                foreach (float v in images.Slice(offset, plane)) sum += v;
            double mean = sum / perChannel;
            double squares = 0;
            for (int offset = c * plane; offset < images.Length; offset += sampleSize)
                foreach (float v in images.Slice(offset, plane)) squares += (v - mean) * (v - mean);
            double std = Math.Sqrt(squares / perChannel);
            means[c] = (float)mean;
            stds[c] = std > 0 ? (float)std : 1f;
        }
        return new Normalization(false, means, stds);
    }

    /// <summary>Channels and values per channel: [C, H, W] has C channels; other ranks count as one channel.</summary>
    private static (int Channels, int Plane) Channels(TensorShape sampleShape)
    {
        int size = checked((int)sampleShape.ElementCount);
        return sampleShape.Rank == 3 ? (sampleShape[0], size / sampleShape[0]) : (1, size);
    }
}
