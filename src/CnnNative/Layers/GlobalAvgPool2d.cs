using CnnNative.Interop;

namespace CnnNative;

/// <summary>The mean of each channel's plane: [N, C, H, W] to [N, C, 1, 1]. Follow it with <see cref="Flatten"/> for [N, C].</summary>
public sealed class GlobalAvgPool2d : Layer
{
    /// <summary>Global average pooling.</summary>
    public GlobalAvgPool2d() { }

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input)
    {
        RequireImage(input, channels: null);
        return new TensorShape(input[0], input[1], 1, 1);
    }

    internal override string BaseName => "global_avg_pool2d";

    internal override void Forward(Device device, Tensor input, Tensor output) =>
        Native.Check(NativeMethods.cnn_global_avgpool2d_forward(device.Handle, input.Handle, output.Handle));

    internal override void Backward(Device device, Tensor input, Tensor output, Tensor outputGradient,
        TensorHandle inputGradient, in TrainingPass pass, Tensor[]? state)
    {
        if (inputGradient.IsInvalid) return;
        Native.Check(NativeMethods.cnn_global_avgpool2d_backward(device.Handle, outputGradient.Handle, inputGradient));
    }
}
