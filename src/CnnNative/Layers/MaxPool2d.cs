using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// Max pooling over square windows: [N, C, H, W] to [N, C, OH, OW]. Padding cells never win.
/// </summary>
public sealed unsafe class MaxPool2d : Layer
{
    private readonly PoolWindow _window;

    /// <summary>Max pooling with a <paramref name="kernelSize"/> x <paramref name="kernelSize"/> window.</summary>
    /// <param name="kernelSize">Window height and width.</param>
    /// <param name="stride">Step between windows; defaults to <paramref name="kernelSize"/> (no overlap).</param>
    /// <param name="padding">Cells added on every side, smaller than <paramref name="kernelSize"/>.</param>
    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0) => _window = new PoolWindow(kernelSize, stride, padding);

    /// <summary>Window height and width.</summary>
    public int KernelSize => _window.KernelSize;

    /// <summary>Step between windows.</summary>
    public int Stride => _window.Stride;

    /// <summary>Cells added on every side.</summary>
    public int Padding => _window.Padding;

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input) => _window.OutputShape(TypeName, input);

    internal override string BaseName => "max_pool2d";

    internal override bool IsTransparentToActivation => true;

    internal override void Forward(Device device, Tensor input, Tensor output)
    {
        CnnPool2dParams p = _window.ToNative(countIncludePad: false);
        Native.Check(NativeMethods.cnn_maxpool2d_forward(device.Handle, input.Handle, &p, output.Handle));
    }

    /// <summary>Routes each window's gradient to its first maximum, recomputed from the input.</summary>
    internal override void Backward(Device device, Tensor input, Tensor output, Tensor outputGradient,
        TensorHandle inputGradient, in TrainingPass pass, Tensor[]? state)
    {
        if (inputGradient.IsInvalid) return;
        CnnPool2dParams p = _window.ToNative(countIncludePad: false);
        Native.Check(NativeMethods.cnn_maxpool2d_backward(device.Handle, input.Handle, outputGradient.Handle, &p, inputGradient));
    }
}
