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

    /// <param name="device">Where the tensors live.</param>
    /// <param name="layers">The model's layers.</param>
    /// <param name="runCount">Layers run while training: all, or all but a final softmax fused into the loss.</param>
    /// <param name="sampleShapes">Per-sample shapes: [0] the input, [i + 1] the output of layer i.</param>
    /// <param name="batchSize">Samples per step.</param>
    public TrainingWorkspace(Device device, IReadOnlyList<Layer> layers, int runCount, IReadOnlyList<TensorShape> sampleShapes,
        int batchSize)
    {
        _device = device;
        BatchSize = batchSize;
        RunCount = runCount;
        _activations = new Tensor[runCount + 1];
        _gradients = new Tensor?[runCount + 1];
        _states = new Tensor[]?[runCount];
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

    /// <summary>Where the loss writes the gradient of <see cref="Logits"/>.</summary>
    public Tensor LogitsGradient => _gradients[RunCount]!;

    /// <summary>The gradient of the model input, created on first use.</summary>
    public Tensor InputGradient => _gradients[0] ??= new Tensor(_device, _activations[0].Shape);

    /// <summary>Runs layers 0 .. RunCount-1 in training or eval behaviour; no managed allocation.</summary>
    public void Forward(Layer[] layers, bool isTraining, int modelSeed, long step)
    {
        for (int i = 0; i < RunCount; i++)
        {
            if (layers[i].OutputIsViewWhileTraining) continue;
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
            layers[i].Backward(_device, _activations[i], _activations[i + 1], _gradients[i + 1]!, inputGradient, pass, _states[i]);
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
