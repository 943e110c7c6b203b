using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// Everything one training step at one batch size needs besides the parameters: the activations, their
/// gradients (flatten's as views, like its activation) and the layers' per-batch state (batch norm's saved
/// statistics). Created once per batch size and reused, so a step allocates nothing. Used by one call at a time.
/// </summary>
internal sealed class TrainingWorkspace : IDisposable
{
    private readonly Device _device;
    private readonly Tensor[] _activations; // [0] model input, [i + 1] output of layer i, for i < RunCount
    private readonly Tensor?[] _gradients;  // [i] gradient of _activations[i]; [0] only when asked for
    private readonly Tensor[]?[] _states;   // [i] layer i's training state, or null
    private readonly bool[] _fusesNext;     // [i]: layer i runs the ReLU after it in its own forward call

    /// <param name="device">Where the tensors live.</param>
    /// <param name="layers">The model's layers.</param>
    /// <param name="runCount">Layers run while training: all, or all but a final softmax fused into the loss.</param>
    /// <param name="sampleShapes">Per-sample shapes: [0] the input, [i + 1] the output of layer i.</param>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="fuseActivations">
    /// Run a convolution or dense layer and a ReLU after it in one forward call (ReLU in the GEMM's write-back on the
    /// CPU), as inference does. The layer's own output is then left unwritten, and the ReLU's backward pass reads the
    /// ReLU's output in place of its input: max(x, 0) > 0 exactly when x > 0, so the gradients are the same bits.
    /// Other activations need their input in the backward pass and are not fused. False: every layer on its own.
    /// </param>
    public TrainingWorkspace(Device device, IReadOnlyList<Layer> layers, int runCount, IReadOnlyList<TensorShape> sampleShapes,
        int batchSize, bool fuseActivations = true)
    {
        _device = device;
        BatchSize = batchSize;
        RunCount = runCount;
        _activations = new Tensor[runCount + 1];
        _gradients = new Tensor?[runCount + 1];
        _states = new Tensor[]?[runCount];
        _fusesNext = new bool[runCount];
        for (int i = 0; fuseActivations && i + 1 < runCount; i++)
        {
            _fusesNext[i] = layers[i].CanFuseActivation && layers[i + 1] is ActivationLayer { Function: CnnActivation.Relu };
        }
        try
        {
            _activations[0] = new Tensor(device, sampleShapes[0].WithBatch(batchSize));
            if (runCount > 0 && layers[0].OutputIsViewWhileTraining) _gradients[0] = new Tensor(device, _activations[0].Shape);
            for (int i = 0; i < runCount; i++)
            {
                TensorShape shape = sampleShapes[i + 1].WithBatch(batchSize);
                bool view = layers[i].OutputIsViewWhileTraining;
                _activations[i + 1] = view ? _activations[i].Reshape(shape) : new Tensor(device, shape);
                _gradients[i + 1] = view ? _gradients[i]!.Reshape(shape) : new Tensor(device, shape);
                _states[i] = layers[i].CreateTrainingState(device, _activations[i].Shape);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int BatchSize { get; }

    /// <summary>Layers the training pass runs, from the first.</summary>
    public int RunCount { get; }

    public Tensor Input => _activations[0];

    /// <summary>The output of the last layer run: the logits the loss reads.</summary>
    public Tensor Logits => _activations[RunCount];

    /// <summary>[0] the input, [i + 1] the output of layer i (unwritten for a layer fused with the ReLU after it).</summary>
    public Tensor Activation(int index) => _activations[index];

    /// <summary>Where the loss writes the gradient of <see cref="Logits"/>.</summary>
    public Tensor LogitsGradient => _gradients[RunCount]!;

    /// <summary>The gradient of the model input, created on first use.</summary>
    public Tensor InputGradient => _gradients[0] ??= new Tensor(_device, _activations[0].Shape);

    /// <summary>
    /// Runs layers 0 .. RunCount-1 in training or eval behaviour (a convolution or dense layer and a ReLU after it
    /// in one call, see the constructor); no managed allocation.
    /// </summary>
    public void Forward(Layer[] layers, bool isTraining, int modelSeed, long step)
    {
        for (int i = 0; i < RunCount; i++)
        {
            if (layers[i].OutputIsViewWhileTraining) continue;
            if (_fusesNext[i])
            {
                layers[i].ForwardFused(_device, _activations[i], (ActivationLayer)layers[i + 1], _activations[i + 2]);
                i++;
                continue;
            }
            TrainingPass pass = TrainingPass.For(isTraining, modelSeed, step, i);
            layers[i].ForwardTraining(_device, _activations[i], _activations[i + 1], pass, _states[i]);
        }
    }

    /// <summary>
    /// Runs the backward passes from <see cref="LogitsGradient"/> down to layer <paramref name="stopAt"/>;
    /// layer <paramref name="stopAt"/> computes no input gradient unless it is layer 0 and
    /// <paramref name="wantInputGradient"/>. Must follow <see cref="Forward"/> with the same arguments.
    /// </summary>
    public void Backward(Layer[] layers, bool isTraining, int modelSeed, long step, int stopAt, bool wantInputGradient)
    {
        if (wantInputGradient) _ = InputGradient;
        for (int i = RunCount - 1; i >= stopAt; i--)
        {
            bool needInput = i > stopAt || (i == 0 && wantInputGradient);
            TensorHandle inputGradient = needInput ? _gradients[i]!.Handle : TensorHandle.Null;
            TrainingPass pass = TrainingPass.For(isTraining, modelSeed, step, i);
            // A fused ReLU's input (the layer below's output) was never written: its output gives the same signs.
            Tensor input = i > 0 && _fusesNext[i - 1] ? _activations[i + 1] : _activations[i];
            layers[i].Backward(_device, input, _activations[i + 1], _gradients[i + 1]!, inputGradient, pass, _states[i]);
        }
    }

    public void Dispose()
    {
        foreach (Tensor? tensor in _activations) tensor?.Dispose();
        foreach (Tensor? tensor in _gradients) tensor?.Dispose();
        foreach (Tensor[]? state in _states)
        {
            if (state is null) continue;
            foreach (Tensor? tensor in state) tensor?.Dispose();
        }
    }
}
