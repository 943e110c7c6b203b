using CnnNative.Interop;

namespace CnnNative;

/// <summary>x &gt; 0 ? x : alpha * x, element-wise.</summary>
public sealed class LeakyReLU : ActivationLayer
{
    /// <summary>Leaky ReLU with slope <paramref name="alpha"/> for negative inputs.</summary>
    public LeakyReLU(float alpha = 0.01f) : base(CnnActivation.LeakyRelu, alpha)
    {
        if (!float.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Alpha must be finite.");
        Alpha = alpha;
    }

    /// <summary>Slope for negative inputs.</summary>
    public float Alpha { get; }

    internal override string BaseName => "leaky_relu";

    internal override bool IsRectifier => true;
}
