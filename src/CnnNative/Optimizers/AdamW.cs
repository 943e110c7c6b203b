namespace CnnNative;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter): param -= lr * weightDecay * param before the Adam
/// step, instead of adding the decay to the gradient.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>An AdamW optimizer.</summary>
    /// <param name="learningRate">Base learning rate, finite and at least 0.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator, greater than 0.</param>
    /// <param name="weightDecay">Decoupled decay coefficient, at least 0.</param>
    public AdamW(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
        : base(learningRate, beta1, beta2, epsilon, weightDecay, decoupled: true)
    {
    }
}
