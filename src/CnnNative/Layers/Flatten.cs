using CnnNative.Interop;

namespace CnnNative;

/// <summary>[N, d1, d2, ...] to [N, d1*d2*...]: a reshape view of the input, no copy.</summary>
public sealed class Flatten : Layer
{
    /// <summary>Flattens every dimension after the batch.</summary>
    public Flatten() { }

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2) throw ShapeError("[N, d1, ...]", input, $"rank {input.Rank} < 2");
        long features = input.ElementCount / input[0];
        if (features > int.MaxValue)
            throw ShapeError("[N, d1, ...] with at most 2^31 - 1 features per sample", input, $"{features} features");
        return new TensorShape(input[0], (int)features);
    }

    internal override string BaseName => "flatten";

    internal override bool IsTransparentToActivation => true;

    internal override bool OutputIsView => true;

    internal override bool OutputIsViewWhileTraining => true;

    internal override void Forward(Device device, Tensor input, Tensor output)
    {
        // The model makes the output a view of the input; nothing to compute.
    }

    internal override void Backward(Device device, Tensor input, Tensor output, Tensor outputGradient,
        TensorHandle inputGradient, in TrainingPass pass, Tensor[]? state)
    {
        // The model makes the output's gradient a view of the input's gradient; nothing to compute.
    }
}
