using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2 weight decay:
/// g = grad + weightDecay * param; v = momentum * v + g; param -= lr * (nesterov ? g + momentum * v : v)
/// (with momentum 0 simply param -= lr * g).
/// </summary>
public sealed unsafe class Sgd : Optimizer
{
    /// <summary>An SGD optimizer.</summary>
    /// <param name="learningRate">Base learning rate, finite and at least 0.</param>
    /// <param name="momentum">Momentum in [0, 1); 0 disables it.</param>
    /// <param name="nesterov">Nesterov momentum; needs a momentum above 0.</param>
    /// <param name="weightDecay">L2 coefficient added to the gradient, at least 0.</param>
    public Sgd(float learningRate, float momentum = 0f, bool nesterov = false, float weightDecay = 0f) : base(learningRate)
    {
        Momentum = RequireFraction(momentum, nameof(momentum));
        if (nesterov && momentum == 0f)
            throw new ArgumentException("Nesterov momentum needs a momentum above 0; got momentum 0.", nameof(nesterov));
        Nesterov = nesterov;
        WeightDecay = RequireNonNegative(weightDecay, nameof(weightDecay));
    }

    /// <summary>Momentum factor; 0 means none.</summary>
    public float Momentum { get; }

    /// <summary>Whether the momentum is Nesterov's.</summary>
    public bool Nesterov { get; }

    /// <summary>L2 coefficient added to the gradient (coupled weight decay).</summary>
    public float WeightDecay { get; }

    private protected override int StateTensorCount => Momentum > 0f ? 1 : 0;

    private protected override void Update(Device device, Tensor parameter, Tensor gradient, Tensor[] state,
        float learningRate, long step)
    {
        var p = new CnnSgdParams
        {
            LearningRate = learningRate,
            Momentum = Momentum,
            WeightDecay = WeightDecay,
            Nesterov = Nesterov ? 1 : 0,
        };
        Native.Check(NativeMethods.cnn_sgd_update(device.Handle, &p, parameter.Handle, gradient.Handle,
            state.Length > 0 ? state[0].Handle : TensorHandle.Null));
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Sgd(learningRate: {LearningRate}, momentum: {Momentum}, nesterov: {Nesterov}, weightDecay: {WeightDecay})";
}
