using CnnNative.Interop;

namespace CnnNative;

/// <summary>x &gt; 0 ? x : alpha * (exp(x) - 1), element-wise.</summary>
public sealed class ELU : ActivationLayer
{
    /// <summary>ELU with scale <paramref name="alpha"/> for negative inputs.</summary>
    public ELU(float alpha = 1f) : base(CnnActivation.Elu, alpha)
    {
        if (!float.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Alpha must be finite.");
        Alpha = alpha;
    }

    /// <summary>Scale of the negative branch.</summary>
    public float Alpha { get; }

    internal override string BaseName => "elu";

    internal override bool IsRectifier => true;
}
