using CnnNative.Interop;

namespace CnnNative;

/// <summary>1 / (1 + exp(-x)), element-wise.</summary>
public sealed class Sigmoid : ActivationLayer
{
    /// <summary>The Sigmoid activation.</summary>
    public Sigmoid() : base(CnnActivation.Sigmoid, 0f) { }

    internal override string BaseName => "sigmoid";
}
