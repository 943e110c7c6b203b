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
