using CnnNative.Interop;

namespace CnnNative;

/// <summary>max(x, 0), element-wise.</summary>
public sealed class ReLU : ActivationLayer
{
    /// <summary>The ReLU activation.</summary>
    public ReLU() : base(CnnActivation.Relu, 0f) { }

    internal override string BaseName => "relu";

    internal override bool IsRectifier => true;
}
