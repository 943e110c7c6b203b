using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// Batch normalisation per channel over N, H and W: y = gamma * (x - mean) / sqrt(var + epsilon) + beta for
/// input and output [N, C, H, W]. Training uses the batch's mean and biased variance and updates the running
/// statistics (r = (1 - momentum) * r + momentum * batch, the variance unbiased); inference uses the running ones.
/// </summary>
public sealed class BatchNorm2d : Layer
{
    private readonly NamedTensor[] _parameters;
    private readonly NamedTensor[] _buffers;
    private float[]? _hostScratch; // [C], for the eval-mode backward; created on first use

    /// <summary>Batch normalisation of <paramref name="numFeatures"/> channels.</summary>
    /// <param name="numFeatures">Channels of the input, C.</param>
    /// <param name="momentum">Weight of the current batch in the running statistics, in [0, 1].</param>
    /// <param name="epsilon">Added to the variance before the square root, greater than 0.</param>
    public BatchNorm2d(int numFeatures, float momentum = 0.1f, float epsilon = 1e-5f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numFeatures, 1);
        if (!(momentum >= 0f && momentum <= 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"BatchNorm2d momentum must be in [0, 1]; got {momentum}.");
        if (!(epsilon > 0f) || !float.IsFinite(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"BatchNorm2d epsilon must be finite and greater than 0; got {epsilon}.");
        NumFeatures = numFeatures;
        Momentum = momentum;
        Epsilon = epsilon;

        var shape = new TensorShape(numFeatures);
        var created = new List<Tensor>(4);
        try
        {
            for (int i = 0; i < 4; i++) created.Add(new Tensor(Device.Cpu, shape));
        }
        catch
        {
            foreach (Tensor tensor in created) tensor.Dispose();
            throw;
        }
        Gamma = created[0];
        Beta = created[1];
        RunningMean = created[2];
        RunningVar = created[3];
        _parameters = [new NamedTensor("weight", Gamma), new NamedTensor("bias", Beta)];
        _buffers = [new NamedTensor("running_mean", RunningMean), new NamedTensor("running_var", RunningVar)];
        ResetValues();
    }

    /// <summary>Channels, C.</summary>
    public int NumFeatures { get; }

    /// <summary>Weight of the current batch in the running statistics.</summary>
    public float Momentum { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; }

    /// <summary>The learnable scale, [C], parameter "weight"; starts at 1.</summary>
    public Tensor Gamma { get; }

    /// <summary>The learnable shift, [C], parameter "bias"; starts at 0.</summary>
    public Tensor Beta { get; }

    /// <summary>The running mean used at inference, [C], buffer "running_mean"; starts at 0.</summary>
    public Tensor RunningMean { get; }

    /// <summary>The running (unbiased) variance used at inference, [C], buffer "running_var"; starts at 1.</summary>
    public Tensor RunningVar { get; }

    /// <inheritdoc />
    public override IReadOnlyList<NamedTensor> Parameters => _parameters;

    /// <inheritdoc />
    public override IReadOnlyList<NamedTensor> Buffers => _buffers;

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input)
    {
        RequireImage(input, NumFeatures);
        return input;
    }

    internal override string BaseName => "batch_norm2d";

    internal override bool IsTransparentToActivation => true;

    internal override void InitializeParameters(SeededRandom random, bool followedByRectifier) => ResetValues();

    internal override void Forward(Device device, Tensor input, Tensor output) =>
        Native.Check(NativeMethods.cnn_batchnorm2d_forward_inference(device.Handle, input.Handle, Gamma.Handle, Beta.Handle,
            RunningMean.Handle, RunningVar.Handle, Epsilon, output.Handle));

    /// <summary>
    /// [0] saved batch mean, [1] saved 1 / sqrt(var + eps), [2] zeros, [3] 1 / sqrt(running var + eps), each [C];
    /// [4] a scratch input gradient, created on first use (see <see cref="Backward"/>).
    /// </summary>
    internal override Tensor[]? CreateTrainingState(Device device, TensorShape input)
    {
        var state = new Tensor[5];
        try
        {
            for (int i = 0; i < 4; i++) state[i] = new Tensor(device, new TensorShape(NumFeatures));
        }
        catch
        {
            foreach (Tensor? tensor in state) tensor?.Dispose();
            throw;
        }
        return state;
    }

    internal override void ForwardTraining(Device device, Tensor input, Tensor output, in TrainingPass pass, Tensor[]? state)
    {
        if (!pass.IsTraining)
        {
            Forward(device, input, output);
            return;
        }
        Tensor[] s = state!;
        Native.Check(NativeMethods.cnn_batchnorm2d_forward_training(device.Handle, input.Handle, Gamma.Handle, Beta.Handle,
            Momentum, Epsilon, RunningMean.Handle, RunningVar.Handle, s[0].Handle, s[1].Handle, output.Handle));
    }

    /// <summary>
    /// Training mode: the native batch-statistics backward. The native backward always writes dx, so when no input
    /// gradient is wanted (batch norm as the first layer) it writes a scratch tensor kept in the state. Eval mode (the layer is then a per-channel affine map
    /// a * x + b with a = gamma / sqrt(running var + eps)): dgamma and dbeta from the same native backward given the
    /// running statistics, and dx = a * dy from the native inference forward applied to dy with zero mean and shift.
    /// </summary>
    internal override void Backward(Device device, Tensor input, Tensor output, Tensor outputGradient,
        TensorHandle inputGradient, in TrainingPass pass, Tensor[]? state)
    {
        Tensor[] s = state!;
        TensorHandle dgamma = GradientHandle(0), dbeta = GradientHandle(1);
        if (pass.IsTraining)
        {
            if (inputGradient.IsInvalid && dgamma.IsInvalid && dbeta.IsInvalid) return;
            Native.Check(NativeMethods.cnn_batchnorm2d_backward(device.Handle, input.Handle, Gamma.Handle, s[0].Handle,
                s[1].Handle, outputGradient.Handle, inputGradient.IsInvalid ? Scratch(device, input, s) : inputGradient,
                dgamma, dbeta));
            return;
        }

        // 1 / sqrt(running var + eps) on the host ([C] values: cheap on any device), written to the state tensor.
        float[] invStd = _hostScratch ??= new float[NumFeatures];
        RunningVar.CopyTo(invStd);
        for (int c = 0; c < invStd.Length; c++) invStd[c] = 1f / MathF.Sqrt(invStd[c] + Epsilon);
        s[3].CopyFrom(invStd);
        if (!dgamma.IsInvalid || !dbeta.IsInvalid)
            Native.Check(NativeMethods.cnn_batchnorm2d_backward(device.Handle, input.Handle, Gamma.Handle, RunningMean.Handle,
                s[3].Handle, outputGradient.Handle, inputGradient.IsInvalid ? Scratch(device, input, s) : inputGradient,
                dgamma, dbeta)); // its dx is not the eval-mode one: overwritten below
        if (!inputGradient.IsInvalid)
            Native.Check(NativeMethods.cnn_batchnorm2d_forward_inference(device.Handle, outputGradient.Handle, Gamma.Handle,
                s[2].Handle, s[2].Handle, RunningVar.Handle, Epsilon, inputGradient));
    }

    private static TensorHandle Scratch(Device device, Tensor input, Tensor[] state) =>
        (state[4] ??= new Tensor(device, input.Shape)).Handle;

    private void ResetValues()
    {
        Fill(Gamma, v => v.Fill(1f));
        Fill(Beta, v => v.Clear());
        Fill(RunningMean, v => v.Clear());
        Fill(RunningVar, v => v.Fill(1f));
    }
}
