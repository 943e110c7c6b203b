using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// Updates a model's trainable parameters from their gradients, in native code, once per training step.
/// Compiling a model with an optimizer hands it to the model, which disposes it (see
/// <see cref="Sequential.Compile"/>). State tensors (momentum, Adam moments) are created per parameter at its
/// first update and released with the optimizer or when <see cref="Sequential.ReplaceLayers"/> removes the layer.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly Dictionary<Tensor, Tensor[]> _state = new(ReferenceEqualityComparer.Instance);
    private float _learningRate;
    private float? _clipGradientNorm;
    private bool _disposed;

    private protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>The base learning rate; a <see cref="Schedule"/> multiplies it by its factor at each step.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set => _learningRate = RequireNonNegative(value, nameof(LearningRate));
    }

    /// <summary>Scales <see cref="LearningRate"/> by a factor of the step; null keeps it constant.</summary>
    public LearningRateSchedule? Schedule { get; set; }

    /// <summary>
    /// When set, the global L2 norm of all trainable gradients is computed before each update (native sum of
    /// squares per tensor) and, if it exceeds this limit, every gradient is scaled by limit / norm. A non-finite
    /// norm skips the update (see <see cref="SkippedSteps"/>). Null (the default) disables clipping.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite and greater than 0.</exception>
    public float? ClipGradientNorm
    {
        get => _clipGradientNorm;
        set
        {
            if (value is float limit && !(limit > 0f && float.IsFinite(limit)))
                throw new ArgumentOutOfRangeException(nameof(ClipGradientNorm), limit,
                    $"ClipGradientNorm must be finite and greater than 0 (or null to disable clipping); got {limit}.");
            _clipGradientNorm = value;
        }
    }

    /// <summary>Updates applied so far; the schedule sees this count, Adam's bias correction this count + 1.</summary>
    public long Step { get; internal set; }

    /// <summary>Training steps whose update was skipped because the loss or the gradient norm was NaN or infinite.</summary>
    public long SkippedSteps { get; internal set; }

    /// <summary>The rate the next update uses: <see cref="LearningRate"/> times the schedule's factor at <see cref="Step"/>.</summary>
    public float CurrentLearningRate => Schedule is null ? LearningRate : LearningRate * Schedule.Factor(Step);

    /// <summary>The model this optimizer was compiled into, if any.</summary>
    internal Sequential? Owner { get; set; }

    /// <summary>Releases the state tensors; calling it again does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (Tensor[] state in _state.Values)
            foreach (Tensor tensor in state) tensor.Dispose();
        _state.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>Number of state tensors per parameter (0 for plain SGD, 1 with momentum, 2 for Adam).</summary>
    private protected abstract int StateTensorCount { get; }

    /// <summary>One native update of <paramref name="parameter"/> from <paramref name="gradient"/>.</summary>
    /// <param name="device">Where the update runs.</param>
    /// <param name="parameter">The parameter, updated in place.</param>
    /// <param name="gradient">Its gradient.</param>
    /// <param name="learningRate">The rate of this update (schedule applied).</param>
    /// <param name="state">The parameter's <see cref="StateTensorCount"/> state tensors, zero at the first update.</param>
    /// <param name="step">The 1-based number of this update.</param>
    private protected abstract void Update(Device device, Tensor parameter, Tensor gradient, Tensor[] state,
        float learningRate, long step);

    /// <summary>
    /// Clips (when asked) and applies one update to every parameter of every unfrozen layer, then advances
    /// <see cref="Step"/>. Returns false, changing nothing, when the clipping norm is not finite. No managed
    /// allocation once every parameter has its state.
    /// </summary>
    internal bool Apply(Device device, Layer[] layers)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ClipGradientNorm is float limit)
        {
            double norm = Math.Sqrt(SumOfSquares(device, layers));
            if (!double.IsFinite(norm))
            {
                SkippedSteps++;
                return false;
            }
            if (norm > limit) ScaleGradients(device, layers, (float)(limit / norm));
        }

        float learningRate = CurrentLearningRate;
        long step = Step + 1;
        foreach (Layer layer in layers)
        {
            if (!layer.IsTrainable) continue;
            IReadOnlyList<NamedTensor> parameters = layer.Parameters, gradients = layer.Gradients;
            for (int i = 0; i < parameters.Count; i++)
            {
                Tensor parameter = parameters[i].Value;
                Update(device, parameter, gradients[i].Value, StateOf(device, parameter), learningRate, step);
            }
        }
        Step = step;
        return true;
    }

    /// <summary>Disposes the state of <paramref name="layer"/>'s parameters (the layer is leaving the model).</summary>
    internal void Release(Layer layer)
    {
        foreach (NamedTensor parameter in layer.Parameters)
        {
            if (!_state.Remove(parameter.Value, out Tensor[]? state)) continue;
            foreach (Tensor tensor in state) tensor.Dispose();
        }
    }

    /// <summary>
    /// Moves every state tensor to <paramref name="device"/> (the model is moving; see <see cref="Sequential.MoveTo"/>).
    /// Stops at the first tensor that cannot move, leaving it where it was.
    /// </summary>
    internal void MoveTo(Device device)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (Tensor[] state in _state.Values)
            foreach (Tensor tensor in state) tensor.MoveTo(device);
    }

    /// <summary>The state of <paramref name="parameter"/>, or null before its first update (for tests).</summary>
    internal Tensor[]? StateOf(Tensor parameter) => _state.GetValueOrDefault(parameter);

    /// <summary>Throws unless <paramref name="value"/> is finite and at least 0.</summary>
    private protected static float RequireNonNegative(float value, string name) =>
        value >= 0f && float.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and at least 0; got {value}.");

    /// <summary>Throws unless <paramref name="value"/> is in [0, 1).</summary>
    private protected static float RequireFraction(float value, string name) =>
        value >= 0f && value < 1f
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1); got {value}.");

    private Tensor[] StateOf(Device device, Tensor parameter)
    {
        if (_state.TryGetValue(parameter, out Tensor[]? state)) return state;
        state = StateTensorCount == 0 ? [] : new Tensor[StateTensorCount];
        try
        {
            for (int i = 0; i < state.Length; i++) state[i] = new Tensor(device, parameter.Shape);
        }
        catch
        {
            foreach (Tensor? tensor in state) tensor?.Dispose();
            throw;
        }
        _state.Add(parameter, state);
        return state;
    }

    private static unsafe double SumOfSquares(Device device, Layer[] layers)
    {
        double sum = 0;
        foreach (Layer layer in layers)
        {
            if (!layer.IsTrainable) continue;
            IReadOnlyList<NamedTensor> gradients = layer.Gradients;
            for (int i = 0; i < gradients.Count; i++)
            {
                double squares;
                Native.Check(NativeMethods.cnn_tensor_sum_squares(device.Handle, gradients[i].Value.Handle, &squares));
                sum += squares;
            }
        }
        return sum;
    }

    private static void ScaleGradients(Device device, Layer[] layers, float factor)
    {
        foreach (Layer layer in layers)
        {
            if (!layer.IsTrainable) continue;
            IReadOnlyList<NamedTensor> gradients = layer.Gradients;
            for (int i = 0; i < gradients.Count; i++)
                Native.Check(NativeMethods.cnn_tensor_scale(device.Handle, gradients[i].Value.Handle, factor));
        }
    }
}
