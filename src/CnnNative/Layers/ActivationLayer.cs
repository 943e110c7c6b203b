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
}
