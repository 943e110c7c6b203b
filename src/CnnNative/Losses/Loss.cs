using System.Globalization;

namespace CnnNative;

/// <summary>
/// The training loss of a classifier: softmax cross-entropy on the model's logits, computed by one fused native
/// op that also writes the gradient of the logits. The model's last layer outputs logits [N, classes]; when the
/// last layer is a <see cref="Softmax"/>, the loss takes that layer's input as the logits and the Softmax is
/// skipped while computing the loss (it still runs in <see cref="Sequential.Predict(ReadOnlySpan{float}, Span{float})"/>).
/// </summary>
public sealed class Loss
{
    private Loss(float labelSmoothing) => LabelSmoothing = labelSmoothing;

    /// <summary>Softmax cross-entropy with one-hot targets, averaged over the batch.</summary>
    public static Loss CrossEntropy { get; } = new(0f);

    /// <summary>Cross-entropy against smoothed targets: (1 - smoothing) on the label plus smoothing / classes everywhere.</summary>
    /// <param name="smoothing">Mass spread over all classes, in [0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="smoothing"/> is outside [0, 1).</exception>
    public static Loss CrossEntropyWithLabelSmoothing(float smoothing)
    {
        if (!(smoothing >= 0f && smoothing < 1f))
            throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, $"Label smoothing must be in [0, 1); got {smoothing}.");
        return smoothing == 0f ? CrossEntropy : new Loss(smoothing);
    }

    /// <summary>The label smoothing, 0 for plain cross-entropy.</summary>
    public float LabelSmoothing { get; }

    /// <inheritdoc />
    public override string ToString() => LabelSmoothing == 0f
        ? "CrossEntropy"
        : $"CrossEntropy(labelSmoothing: {LabelSmoothing.ToString(CultureInfo.InvariantCulture)})";
}
