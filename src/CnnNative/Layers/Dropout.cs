namespace CnnNative;

/// <summary>
/// Dropout: zeroes a fraction <see cref="Rate"/> of activations while training; at inference it is the
/// identity (a view of the input, no copy).
/// </summary>
public sealed class Dropout : Layer
{
    /// <summary>Dropout with the given drop probability.</summary>
    /// <param name="rate">Probability of dropping an activation while training, in [0, 1).</param>
    public Dropout(float rate)
    {
        if (!(rate >= 0f && rate < 1f))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"Dropout rate must be in [0, 1); got {rate}.");
        Rate = rate;
    }

    /// <summary>Probability of dropping an activation while training.</summary>
    public float Rate { get; }

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input;
    }

    internal override string BaseName => "dropout";

    internal override bool IsTransparentToActivation => true;

    internal override bool OutputIsView => true;

    internal override void Forward(Device device, Tensor input, Tensor output)
    {
        // Inference: the model makes the output a view of the input; nothing to compute.
    }
}
