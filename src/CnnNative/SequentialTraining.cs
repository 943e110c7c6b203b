using CnnNative.Interop;

namespace CnnNative;

// Training: modes, Compile, TrainBatch, EvaluateBatch, ComputeGradients. One thread at a time: do not call
// TrainBatch, ComputeGradients, Compile or ReplaceLayers while another call on the same model is running.
public sealed partial class Sequential
{
    private readonly Dictionary<int, TrainingWorkspace> _trainingWorkspaces = [];
    private long _trainingStep; // TrainBatch calls so far: the "global step" the dropout masks are derived from

    /// <summary>
    /// True in training mode (after <see cref="Train"/> or <see cref="TrainBatch"/>): dropout drops and batch norm
    /// uses batch statistics in <see cref="ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{int}, out float)"/>. False (the default) after <see cref="Eval"/>.
    /// Predict and <see cref="EvaluateBatch"/> always run in inference mode whatever the mode.
    /// </summary>
    public bool IsTraining { get; private set; }

    /// <summary>The optimizer given to <see cref="Compile"/>, or null before.</summary>
    public Optimizer? Optimizer { get; private set; }

    /// <summary>The loss given to <see cref="Compile"/>, or null before.</summary>
    public Loss? Loss { get; private set; }

    /// <summary>Switches to training mode (see <see cref="IsTraining"/>).</summary>
    public void Train() => IsTraining = true;

    /// <summary>Switches to inference mode (see <see cref="IsTraining"/>).</summary>
    public void Eval() => IsTraining = false;

    /// <summary>
    /// Prepares training: allocates every layer's <see cref="Layer.Gradients"/> and keeps the optimizer and loss.
    /// The model takes ownership of <paramref name="optimizer"/> and disposes it with itself, or when compiled
    /// again with another optimizer (whose state then starts from zero).
    /// </summary>
    /// <exception cref="ArgumentException">The optimizer already belongs to another model.</exception>
    /// <exception cref="InvalidOperationException">The model's output (the logits) is not [N, classes].</exception>
    public void Compile(Optimizer optimizer, Loss loss)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (optimizer.Owner is not null && !ReferenceEquals(optimizer.Owner, this))
            throw new ArgumentException("The optimizer is already compiled into another model; create one per model.", nameof(optimizer));
        if (_sampleShapes is TensorShape[] shapes) LogitsShape(_layers, shapes);
        foreach (Layer layer in _layers) layer.AllocateGradients();
        if (Optimizer is Optimizer previous && !ReferenceEquals(previous, optimizer))
        {
            previous.Owner = null;
            previous.Dispose();
        }
        optimizer.Owner = this;
        Optimizer = optimizer;
        Loss = loss;
    }

    /// <summary>
    /// One training step on a batch of labels.Length samples: switches to training mode (<see cref="IsTraining"/>
    /// stays true afterwards), runs the training forward pass, the fused softmax cross-entropy on the logits
    /// (a final <see cref="Softmax"/> is skipped: its input is the logits), the backward passes in reverse
    /// (stopping below the lowest unfrozen layer with parameters) and one optimizer update of every unfrozen
    /// parameter. When the loss is NaN or infinite, the weights and <see cref="Optimizer.Step"/> are left as they
    /// are, <see cref="Optimizer.SkippedSteps"/> grows by one and the non-finite loss is returned as is: the caller
    /// decides whether to stop. No managed allocation once a batch size has been seen. Not thread-safe: run no other
    /// call on this model (Predict included) while it runs.
    /// </summary>
    /// <param name="inputs">labels.Length samples of <see cref="InputShape"/>, one after another (NCHW).</param>
    /// <param name="labels">The class of each sample, in [0, classes).</param>
    /// <returns>The batch's mean loss (before the update) and how many samples the model got right.</returns>
    /// <exception cref="InvalidOperationException">Compile was not called, or the model has no input shape.</exception>
    /// <exception cref="ArgumentException">The input length is not labels.Length x the sample size, there are no
    /// labels, or a label is outside [0, classes); the model is left untouched.</exception>
    public BatchResult TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        (Optimizer optimizer, Loss loss) = RequireCompiled();
        TrainingWorkspace workspace = PrepareTraining(inputs, labels, nameof(TrainBatch));
        Train();
        long step = _trainingStep++;
        workspace.Input.CopyFrom(inputs);
        workspace.Forward(_layers, isTraining: true, Seed, step);
        (float lossValue, int correct) = CrossEntropy(workspace.Logits, labels, loss, workspace.LogitsGradient.Handle);
        if (!float.IsFinite(lossValue))
        {
            optimizer.SkippedSteps++;
            return new BatchResult(lossValue, correct, labels.Length);
        }
        int stop = LowestTrainableLayer(workspace.RunCount);
        workspace.Backward(_layers, isTraining: true, Seed, step, stop, wantInputGradient: false);
        optimizer.Apply(Device, _layers);
        return new BatchResult(lossValue, correct, labels.Length);
    }

    /// <summary>
    /// The loss and correct count of a batch in inference mode (whatever <see cref="IsTraining"/> says), without
    /// gradients or updates; safe to call from several threads at once like Predict. Uses the compiled loss, or
    /// plain cross-entropy before <see cref="Compile"/>.
    /// </summary>
    /// <param name="inputs">labels.Length samples of <see cref="InputShape"/>, one after another.</param>
    /// <param name="labels">The class of each sample, in [0, classes).</param>
    /// <param name="logits">When not empty, receives the logits [labels.Length x classes] (before a final softmax),
    /// e.g. for a confusion matrix.</param>
    /// <exception cref="ArgumentException">A span has the wrong length or a label is out of range.</exception>
    public BatchResult EvaluateBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, Span<float> logits = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        TensorShape[] shapes = RequireBuilt();
        int runCount = TrainingLayerCount;
        int classes = LogitsShape(_layers, shapes)[0];
        CheckBatch(inputs, labels, shapes, classes, nameof(EvaluateBatch));
        if (!logits.IsEmpty && logits.Length != (long)labels.Length * classes)
            throw new ArgumentException(
                $"EvaluateBatch expects {(long)labels.Length * classes} logits ({labels.Length} x {classes} classes) or an empty span; got {logits.Length}.",
                nameof(logits));

        Loss loss = Loss ?? Loss.CrossEntropy;
        Workspace workspace = Rent(labels.Length, shapes, out WorkspacePool pool);
        try
        {
            workspace.Input.CopyFrom(inputs);
            workspace.Run(Device, _layers, runCount);
            Tensor output = workspace.Activation(runCount);
            (float lossValue, int correct) = CrossEntropy(output, labels, loss, TensorHandle.Null);
            if (!logits.IsEmpty) output.CopyTo(logits);
            return new BatchResult(lossValue, correct, labels.Length);
        }
        finally
        {
            pool.Return(workspace);
        }
    }

    /// <summary>
    /// Forward and backward passes without an update, in the current mode (<see cref="IsTraining"/>): writes every
    /// unfrozen layer's <see cref="Layer.Gradients"/> and returns the loss, for gradient checks. In training mode the
    /// dropout masks are those the next <see cref="TrainBatch"/> would use, and batch norm updates its running
    /// statistics as in any training forward pass. The model's step does not advance.
    /// </summary>
    /// <exception cref="InvalidOperationException">Compile was not called, or the model has no input shape.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length or a label is out of range.</exception>
    public void ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, out float loss) =>
        ComputeGradients(inputs, labels, out loss, default);

    /// <summary>As the public overload; also writes the gradient of the loss wrt the inputs when <paramref name="inputGradient"/> is not empty.</summary>
    internal void ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, out float loss, Span<float> inputGradient)
    {
        (_, Loss lossFunction) = RequireCompiled();
        TrainingWorkspace workspace = PrepareTraining(inputs, labels, nameof(ComputeGradients));
        bool wantInput = !inputGradient.IsEmpty;
        if (wantInput && inputGradient.Length != inputs.Length)
            throw new ArgumentException($"The input gradient needs {inputs.Length} values; got {inputGradient.Length}.", nameof(inputGradient));
        bool training = IsTraining;
        workspace.Input.CopyFrom(inputs);
        workspace.Forward(_layers, training, Seed, _trainingStep);
        (loss, _) = CrossEntropy(workspace.Logits, labels, lossFunction, workspace.LogitsGradient.Handle);
        int stop = wantInput ? 0 : LowestTrainableLayer(workspace.RunCount);
        workspace.Backward(_layers, training, Seed, _trainingStep, stop, wantInput);
        if (wantInput) workspace.InputGradient.CopyTo(inputGradient);
    }

    /// <summary>Training steps taken so far (TrainBatch calls); dropout masks are derived from it.</summary>
    internal long TrainingStep => _trainingStep;

    /// <summary>Layers the training pass and the loss run: all of them, or all but a final softmax.</summary>
    private int TrainingLayerCount => TrainingLayerCountOf(_layers);

    private static int TrainingLayerCountOf(Layer[] layers) =>
        layers.Length > 0 && layers[^1] is Softmax ? layers.Length - 1 : layers.Length;

    /// <summary>Partial-class hooks: <see cref="Dispose"/> and <see cref="ReleaseWorkspaces"/> call these.</summary>
    private void DisposeTraining()
    {
        ReleaseTrainingWorkspaces();
        if (Optimizer is Optimizer optimizer)
        {
            optimizer.Owner = null;
            optimizer.Dispose();
        }
    }

    private void ReleaseTrainingWorkspaces()
    {
        foreach (TrainingWorkspace workspace in _trainingWorkspaces.Values) workspace.Dispose();
        _trainingWorkspaces.Clear();
    }

    private (Optimizer, Loss) RequireCompiled()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Optimizer is not Optimizer optimizer || Loss is not Loss loss)
            throw new InvalidOperationException("The model is not compiled: call Compile(optimizer, loss) first.");
        return (optimizer, loss);
    }

    /// <summary>Checks the batch and returns the training workspace of its size (created on first use).</summary>
    private TrainingWorkspace PrepareTraining(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, string method)
    {
        TensorShape[] shapes = RequireBuilt();
        CheckBatch(inputs, labels, shapes, LogitsShape(_layers, shapes)[0], method);
        if (_trainingWorkspaces.TryGetValue(labels.Length, out TrainingWorkspace? workspace)) return workspace;
        workspace = new TrainingWorkspace(Device, _layers, TrainingLayerCount, shapes, labels.Length);
        _trainingWorkspaces.Add(labels.Length, workspace);
        return workspace;
    }

    /// <summary>The per-sample logits shape [classes]; throws when the model does not end in [N, classes].</summary>
    private static TensorShape LogitsShape(Layer[] layers, TensorShape[] shapes)
    {
        int runCount = TrainingLayerCountOf(layers);
        TensorShape logits = shapes[runCount];
        if (logits.Rank != 1)
        {
            string source = runCount == 0 ? "the model input" : $"layer {runCount - 1} ({layers[runCount - 1]})";
            throw new InvalidOperationException(
                $"Cross-entropy needs logits [N, classes], but {source} outputs {logits.WithBatch(1).ToBatchString()}; add a Flatten (and a Dense).");
        }
        return logits;
    }

    private static void CheckBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, TensorShape[] shapes, int classes, string method)
    {
        if (labels.IsEmpty) throw new ArgumentException($"{method} needs at least one label; got none.", nameof(labels));
        long expected = shapes[0].ElementCount * labels.Length;
        if (inputs.Length != expected)
            throw new ArgumentException(
                $"{method} expects {expected} input values ({labels.Length} labels x {shapes[0]} = {shapes[0].ElementCount} per sample); got {inputs.Length}.",
                nameof(inputs));
        // Checked here too (the native loss also checks) so a bad batch never reaches the forward pass: batch norm's
        // running statistics would otherwise change before the error.
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException(
                    $"{method}: labels[{i}] = {labels[i]} is outside [0, {classes}): the model has {classes} classes.", nameof(labels));
        }
    }

    /// <summary>The lowest layer below <paramref name="runCount"/> that trains, or runCount when none does.</summary>
    private int LowestTrainableLayer(int runCount)
    {
        for (int i = 0; i < runCount; i++)
        {
            if (_layers[i].IsTrainable) return i;
        }
        return runCount;
    }

    private unsafe (float Loss, int Correct) CrossEntropy(Tensor logits, ReadOnlySpan<int> labels, Loss loss, TensorHandle dlogits)
    {
        float value;
        long correct;
        fixed (int* labelData = labels)
            Native.Check(NativeMethods.cnn_softmax_cross_entropy(Device.Handle, logits.Handle, labelData, (nuint)labels.Length,
                loss.LabelSmoothing, dlogits, &value, &correct));
        return (value, (int)correct);
    }
}
