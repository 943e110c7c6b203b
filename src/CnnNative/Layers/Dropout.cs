using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// Inverted dropout: while training, zeroes each activation with probability <see cref="Rate"/> and scales
/// the others by 1 / (1 - rate); at inference it is the identity (a view of the input, no copy). The mask of
/// a training step depends only on (model seed, training step, layer index), so runs are reproducible.
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

    /// <summary>Training: the native mask from the pass's seed. Eval mode in a training workspace: a plain copy.</summary>
    internal override void ForwardTraining(Device device, Tensor input, Tensor output, in TrainingPass pass, Tensor[]? state)
    {
        if (pass.IsTraining)
            Native.Check(NativeMethods.cnn_dropout_forward(device.Handle, input.Handle, Rate, pass.Seed, output.Handle));
        else
            Native.Check(NativeMethods.cnn_tensor_copy(device.Handle, input.Handle, output.Handle));
    }

    internal override void Backward(Device device, Tensor input, Tensor output, Tensor outputGradient,
        TensorHandle inputGradient, in TrainingPass pass, Tensor[]? state)
    {
        if (inputGradient.IsInvalid) return;
        if (pass.IsTraining)
            Native.Check(NativeMethods.cnn_dropout_backward(device.Handle, outputGradient.Handle, Rate, pass.Seed, inputGradient));
        else
            Native.Check(NativeMethods.cnn_tensor_copy(device.Handle, outputGradient.Handle, inputGradient));
    }
}
