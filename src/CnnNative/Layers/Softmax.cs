using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// Softmax over axis 1 (classes, or channels of an image), computed stably; the output has the input's shape.
/// As the last layer of a model trained with <see cref="Loss.CrossEntropy"/> it is skipped while training: the
/// fused softmax + cross-entropy takes the Softmax's input as the logits (see <see cref="Sequential.TrainBatch"/>).
/// </summary>
public sealed class Softmax : Layer
{
    /// <summary>Softmax over the class axis.</summary>
    public Softmax() { }

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2) throw ShapeError("[N, classes, ...]", input, $"rank {input.Rank} < 2");
        return input;
    }

    internal override string BaseName => "softmax";

    internal override void Forward(Device device, Tensor input, Tensor output) =>
        Native.Check(NativeMethods.cnn_softmax_forward(device.Handle, input.Handle, output.Handle));

    internal override void Backward(Device device, Tensor input, Tensor output, Tensor outputGradient,
        TensorHandle inputGradient, in TrainingPass pass, Tensor[]? state)
    {
        if (inputGradient.IsInvalid) return;
        Native.Check(NativeMethods.cnn_softmax_backward(device.Handle, output.Handle, outputGradient.Handle, inputGradient));
    }
}
