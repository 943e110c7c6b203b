using CnnNative.Interop;

namespace CnnNative;

/// <summary>Fully connected layer: y = x * W^T + b, input [N, IN], weights [OUT, IN], bias [OUT], output [N, OUT].</summary>
public sealed class Dense : Layer
{
    private readonly NamedTensor[] _parameters;

    /// <summary>A fully connected layer.</summary>
    /// <param name="inFeatures">Features per input sample, IN (put a <see cref="Flatten"/> before it for images).</param>
    /// <param name="outFeatures">Features per output sample, OUT.</param>
    /// <param name="bias">Whether to add a learnable bias per output feature.</param>
    /// <param name="initializer">How the weights are drawn from the model's seed; by default He normal ahead of a
    /// rectifier, Glorot uniform otherwise.</param>
    public Dense(int inFeatures, int outFeatures, bool bias = true, Initializer initializer = Initializer.Automatic)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Initializer = ParameterInit.Validate(initializer);
        _parameters = CreateWeightAndBias(
            new TensorShape(outFeatures, inFeatures), outFeatures, bias, out Tensor weight, out Tensor? biasTensor);
        Weight = weight;
        Bias = biasTensor;
    }

    /// <summary>Features per input sample.</summary>
    public int InFeatures { get; }

    /// <summary>Features per output sample.</summary>
    public int OutFeatures { get; }

    /// <summary>How the weights are initialised from the model's seed.</summary>
    public Initializer Initializer { get; }

    /// <summary>The weights, [OUT, IN].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [OUT], or null when built with <c>bias: false</c>.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc />
    public override IReadOnlyList<NamedTensor> Parameters => _parameters;

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string expected = $"[N, {InFeatures}]";
        if (input.Rank != 2)
            throw ShapeError(expected, input, input.Rank > 2 ? $"rank {input.Rank} != 2; add a Flatten first" : $"rank {input.Rank} != 2");
        if (input[1] != InFeatures)
            throw ShapeError(expected, input, $"feature count {input[1]} != {InFeatures}");
        return new TensorShape(input[0], OutFeatures);
    }

    internal override string BaseName => "dense";

    internal override void InitializeParameters(SeededRandom random, bool followedByRectifier)
    {
        Fill(Weight, w => ParameterInit.FillWeights(w, InFeatures, OutFeatures, followedByRectifier, random, Initializer));
        if (Bias is not null) Fill(Bias, b => b.Clear());
    }

    internal override void Forward(Device device, Tensor input, Tensor output) =>
        Native.Check(NativeMethods.cnn_dense_forward(device.Handle, input.Handle, Weight.Handle,
            Bias is null ? TensorHandle.Null : Bias.Handle, output.Handle));

    internal override bool CanFuseActivation => true;

    internal override void ForwardFused(Device device, Tensor input, ActivationLayer activation, Tensor output) =>
        Native.Check(NativeMethods.cnn_dense_forward_fused(device.Handle, input.Handle, Weight.Handle,
            Bias is null ? TensorHandle.Null : Bias.Handle, activation.Function, activation.NativeAlpha, output.Handle));

    internal override void Backward(Device device, Tensor input, Tensor output, Tensor outputGradient,
        TensorHandle inputGradient, in TrainingPass pass, Tensor[]? state)
    {
        TensorHandle dw = GradientHandle(0);
        TensorHandle db = Bias is null ? TensorHandle.Null : GradientHandle(1);
        if (inputGradient.IsInvalid && dw.IsInvalid && db.IsInvalid) return; // frozen first layer: nothing wanted
        Native.Check(NativeMethods.cnn_dense_backward(device.Handle, input.Handle, Weight.Handle, outputGradient.Handle,
            inputGradient, dw, db));
    }
}
