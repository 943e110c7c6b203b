using CnnNative.Interop;

namespace CnnNative;

/// <summary>tanh(x), element-wise.</summary>
public sealed class Tanh : ActivationLayer
{
    /// <summary>The Tanh activation.</summary>
    public Tanh() : base(CnnActivation.Tanh, 0f) { }

    internal override string BaseName => "tanh";
}
