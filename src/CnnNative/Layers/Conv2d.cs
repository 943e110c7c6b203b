using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// 2-D convolution (cross-correlation, as in every CNN library): input [N, C, H, W], weights
/// [OC, C, KH, KW], optional bias [OC], output [N, OC, OH, OW] with zero padding per side.
/// </summary>
public sealed unsafe class Conv2d : Layer
{
    private readonly NamedTensor[] _parameters;

    /// <summary>A square convolution with the same stride, padding and dilation on both axes.</summary>
    /// <param name="inChannels">Channels of the input, C.</param>
    /// <param name="outChannels">Filters, OC: channels of the output.</param>
    /// <param name="kernelSize">Kernel height and width.</param>
    /// <param name="stride">Step between windows, at least 1.</param>
    /// <param name="padding">Zeros added on every side, at least 0.</param>
    /// <param name="dilation">Spacing between kernel taps, at least 1.</param>
    /// <param name="bias">Whether to add a learnable bias per output channel.</param>
    /// <param name="initializer">How the weights are drawn from the model's seed; by default He normal ahead of a
    /// rectifier, Glorot uniform otherwise.</param>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        bool bias = true, Initializer initializer = Initializer.Automatic)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding, padding, padding),
            (dilation, dilation), bias, initializer)
    {
    }

    /// <summary>A convolution with a rectangular kernel, per-axis stride and dilation, and per-side padding.</summary>
    /// <param name="inChannels">Channels of the input, C.</param>
    /// <param name="outChannels">Filters, OC: channels of the output.</param>
    /// <param name="kernelSize">Kernel (height, width).</param>
    /// <param name="stride">(vertical, horizontal) step, default (1, 1).</param>
    /// <param name="padding">Zeros added (top, bottom, left, right), default none.</param>
    /// <param name="dilation">(vertical, horizontal) spacing between taps, default (1, 1).</param>
    /// <param name="bias">Whether to add a learnable bias per output channel.</param>
    /// <param name="initializer">How the weights are drawn from the model's seed; by default He normal ahead of a
    /// rectifier, Glorot uniform otherwise.</param>
    public Conv2d(int inChannels, int outChannels, (int Height, int Width) kernelSize, (int Height, int Width)? stride = null,
        (int Top, int Bottom, int Left, int Right)? padding = null, (int Height, int Width)? dilation = null, bool bias = true,
        Initializer initializer = Initializer.Automatic)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize.Height, 1, nameof(kernelSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize.Width, 1, nameof(kernelSize));
        var s = stride ?? (1, 1);
        var p = padding ?? (0, 0, 0, 0);
        var d = dilation ?? (1, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(s.Height, s.Width), 1, nameof(stride));
        ArgumentOutOfRangeException.ThrowIfNegative(Math.Min(Math.Min(p.Top, p.Bottom), Math.Min(p.Left, p.Right)), nameof(padding));
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(d.Height, d.Width), 1, nameof(dilation));

        InChannels = inChannels;
        OutChannels = outChannels;
        KernelHeight = kernelSize.Height;
        KernelWidth = kernelSize.Width;
        StrideHeight = s.Height;
        StrideWidth = s.Width;
        PadTop = p.Top;
        PadBottom = p.Bottom;
        PadLeft = p.Left;
        PadRight = p.Right;
        DilationHeight = d.Height;
        DilationWidth = d.Width;
        Initializer = ParameterInit.Validate(initializer);

        _parameters = CreateWeightAndBias(
            new TensorShape(outChannels, inChannels, KernelHeight, KernelWidth), outChannels, bias,
            out Tensor weight, out Tensor? biasTensor);
        Weight = weight;
        Bias = biasTensor;
    }

    /// <summary>Input channels, C.</summary>
    public int InChannels { get; }

    /// <summary>Output channels (filters), OC.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height, KH.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel width, KW.</summary>
    public int KernelWidth { get; }

    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; }

    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; }

    /// <summary>Zero rows added above the input.</summary>
    public int PadTop { get; }

    /// <summary>Zero rows added below the input.</summary>
    public int PadBottom { get; }

    /// <summary>Zero columns added left of the input.</summary>
    public int PadLeft { get; }

    /// <summary>Zero columns added right of the input.</summary>
    public int PadRight { get; }

    /// <summary>Vertical spacing between kernel taps.</summary>
    public int DilationHeight { get; }

    /// <summary>Horizontal spacing between kernel taps.</summary>
    public int DilationWidth { get; }

    /// <summary>How the weights are initialised from the model's seed.</summary>
    public Initializer Initializer { get; }

    /// <summary>The filters, [OC, C, KH, KW].</summary>
    public Tensor Weight { get; }

    /// <summary>The per-filter bias, [OC], or null when built with <c>bias: false</c>.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc />
    public override IReadOnlyList<NamedTensor> Parameters => _parameters;

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input)
    {
        RequireImage(input, InChannels);
        int outHeight = WindowMath.OutputSize(input[2], KernelHeight, StrideHeight, PadTop, PadBottom, DilationHeight);
        int outWidth = WindowMath.OutputSize(input[3], KernelWidth, StrideWidth, PadLeft, PadRight, DilationWidth);
        if (outHeight == 0)
            throw ShapeError($"[N, {InChannels}, H, W] with H + {PadTop + PadBottom} padding >= {WindowMath.WindowExtent(KernelHeight, DilationHeight)}",
                input, $"padded height {input[2] + PadTop + PadBottom} < kernel extent {WindowMath.WindowExtent(KernelHeight, DilationHeight)}");
        if (outWidth == 0)
            throw ShapeError($"[N, {InChannels}, H, W] with W + {PadLeft + PadRight} padding >= {WindowMath.WindowExtent(KernelWidth, DilationWidth)}",
                input, $"padded width {input[3] + PadLeft + PadRight} < kernel extent {WindowMath.WindowExtent(KernelWidth, DilationWidth)}");
        return new TensorShape(input[0], OutChannels, outHeight, outWidth);
    }

    internal override string BaseName => "conv2d";

    internal override void InitializeParameters(SeededRandom random, bool followedByRectifier)
    {
        int receptive = KernelHeight * KernelWidth;
        Fill(Weight, w => ParameterInit.FillWeights(w, InChannels * receptive, OutChannels * receptive, followedByRectifier,
            random, Initializer));
        if (Bias is not null) Fill(Bias, b => b.Clear());
    }

    internal override void Forward(Device device, Tensor input, Tensor output)
    {
        CnnConv2dParams p = NativeParams();
        Native.Check(NativeMethods.cnn_conv2d_forward(device.Handle, input.Handle, Weight.Handle,
            Bias is null ? TensorHandle.Null : Bias.Handle, &p, output.Handle));
    }

    internal override bool CanFuseActivation => true;

    internal override void ForwardFused(Device device, Tensor input, ActivationLayer activation, Tensor output)
    {
        CnnConv2dParams p = NativeParams();
        Native.Check(NativeMethods.cnn_conv2d_forward_fused(device.Handle, input.Handle, Weight.Handle,
            Bias is null ? TensorHandle.Null : Bias.Handle, &p, activation.Function, activation.NativeAlpha, output.Handle));
    }

    internal override void Backward(Device device, Tensor input, Tensor output, Tensor outputGradient,
        TensorHandle inputGradient, in TrainingPass pass, Tensor[]? state)
    {
        TensorHandle dw = GradientHandle(0);
        TensorHandle db = Bias is null ? TensorHandle.Null : GradientHandle(1);
        if (inputGradient.IsInvalid && dw.IsInvalid && db.IsInvalid) return; // frozen first layer: nothing wanted
        CnnConv2dParams p = NativeParams();
        Native.Check(NativeMethods.cnn_conv2d_backward(device.Handle, input.Handle, Weight.Handle, outputGradient.Handle,
            &p, inputGradient, dw, db));
    }

    private CnnConv2dParams NativeParams() => new()
    {
        StrideH = StrideHeight,
        StrideW = StrideWidth,
        PadTop = PadTop,
        PadBottom = PadBottom,
        PadLeft = PadLeft,
        PadRight = PadRight,
        DilationH = DilationHeight,
        DilationW = DilationWidth,
    };
}
