using CnnNative.Interop;

namespace CnnNative;

/// <summary>An element-wise activation: the output has the input's shape.</summary>
public abstract class ActivationLayer : Layer
{
    private readonly CnnActivation _function;
    private readonly float _alpha;

    private protected ActivationLayer(CnnActivation function, float alpha)
    {
        _function = function;
        _alpha = alpha;
    }

    /// <summary>The native activation, for layers that fuse it into their own forward call.</summary>
    internal CnnActivation Function => _function;

    /// <summary>Leaky ReLU's slope or ELU's scale; ignored by the others.</summary>
    internal float NativeAlpha => _alpha;

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input;
    }

    internal override void Forward(Device device, Tensor input, Tensor output) =>
        Native.Check(NativeMethods.cnn_activation_forward(device.Handle, _function, _alpha, input.Handle, output.Handle));

    internal override void Backward(Device device, Tensor input, Tensor output, Tensor outputGradient,
        TensorHandle inputGradient, in TrainingPass pass, Tensor[]? state)
    {
        if (inputGradient.IsInvalid) return; // no parameters: nothing else to compute
        Native.Check(NativeMethods.cnn_activation_backward(device.Handle, _function, _alpha, input.Handle,
            outputGradient.Handle, inputGradient));
    }
}
