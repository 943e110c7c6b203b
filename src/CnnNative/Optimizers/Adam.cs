using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// Adam with bias correction: m = b1 * m + (1 - b1) * g, v = b2 * v + (1 - b2) * g^2,
/// param -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + epsilon) at the 1-based step t. Weight decay is L2
/// (added to the gradient); <see cref="AdamW"/> decouples it.
/// </summary>
public unsafe class Adam : Optimizer
{
    /// <summary>An Adam optimizer with L2 weight decay.</summary>
    /// <param name="learningRate">Base learning rate, finite and at least 0.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator, greater than 0.</param>
    /// <param name="weightDecay">L2 coefficient added to the gradient, at least 0.</param>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : this(learningRate, beta1, beta2, epsilon, weightDecay, decoupled: false)
    {
    }

    private protected Adam(float learningRate, float beta1, float beta2, float epsilon, float weightDecay, bool decoupled)
        : base(learningRate)
    {
        Beta1 = RequireFraction(beta1, nameof(beta1));
        Beta2 = RequireFraction(beta2, nameof(beta2));
        if (!(epsilon > 0f) || !float.IsFinite(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"epsilon must be finite and greater than 0; got {epsilon}.");
        Epsilon = epsilon;
        WeightDecay = RequireNonNegative(weightDecay, nameof(weightDecay));
        DecoupledWeightDecay = decoupled;
    }

    /// <summary>Decay of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the denominator.</summary>
    public float Epsilon { get; }

    /// <summary>Weight decay: L2 for Adam, decoupled (param -= lr * weightDecay * param) for AdamW.</summary>
    public float WeightDecay { get; }

    /// <summary>True for <see cref="AdamW"/>.</summary>
    public bool DecoupledWeightDecay { get; }

    private protected override int StateTensorCount => 2;

    private protected override void Update(Device device, Tensor parameter, Tensor gradient, Tensor[] state,
        float learningRate, long step)
    {
        var p = new CnnAdamParams
        {
            Step = step,
            LearningRate = learningRate,
            Beta1 = Beta1,
            Beta2 = Beta2,
            Epsilon = Epsilon,
            WeightDecay = WeightDecay,
            DecoupledWeightDecay = DecoupledWeightDecay ? 1 : 0,
        };
        Native.Check(NativeMethods.cnn_adam_update(device.Handle, &p, parameter.Handle, gradient.Handle,
            state[0].Handle, state[1].Handle));
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{GetType().Name}(learningRate: {LearningRate}, beta1: {Beta1}, beta2: {Beta2}, epsilon: {Epsilon}, weightDecay: {WeightDecay})";
}
