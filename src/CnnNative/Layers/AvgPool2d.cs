using CnnNative.Interop;

namespace CnnNative;

/// <summary>Average pooling over square windows: [N, C, H, W] to [N, C, OH, OW].</summary>
public sealed unsafe class AvgPool2d : Layer
{
    private readonly PoolWindow _window;

    /// <summary>Average pooling with a <paramref name="kernelSize"/> x <paramref name="kernelSize"/> window.</summary>
    /// <param name="kernelSize">Window height and width.</param>
    /// <param name="stride">Step between windows; defaults to <paramref name="kernelSize"/> (no overlap).</param>
    /// <param name="padding">Zeros added on every side, smaller than <paramref name="kernelSize"/>.</param>
    /// <param name="countIncludePad">True divides by the full window size (padding counts as zeros);
    /// false divides by the number of cells inside the input.</param>
    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = false)
    {
        _window = new PoolWindow(kernelSize, stride, padding);
        CountIncludePad = countIncludePad;
    }

    /// <summary>Window height and width.</summary>
    public int KernelSize => _window.KernelSize;

    /// <summary>Step between windows.</summary>
    public int Stride => _window.Stride;

    /// <summary>Zeros added on every side.</summary>
    public int Padding => _window.Padding;

    /// <summary>Whether padding cells count in the divisor.</summary>
    public bool CountIncludePad { get; }

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input) => _window.OutputShape(TypeName, input);

    internal override string BaseName => "avg_pool2d";

    internal override void Forward(Device device, Tensor input, Tensor output)
    {
        CnnPool2dParams p = _window.ToNative(CountIncludePad);
        Native.Check(NativeMethods.cnn_avgpool2d_forward(device.Handle, input.Handle, &p, output.Handle));
    }

    internal override void Backward(Device device, Tensor input, Tensor output, Tensor outputGradient,
        TensorHandle inputGradient, in TrainingPass pass, Tensor[]? state)
    {
        if (inputGradient.IsInvalid) return;
        CnnPool2dParams p = _window.ToNative(CountIncludePad);
        Native.Check(NativeMethods.cnn_avgpool2d_backward(device.Handle, outputGradient.Handle, &p, inputGradient));
    }
}
