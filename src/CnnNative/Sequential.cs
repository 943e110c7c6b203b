using System.Collections.Concurrent;

namespace CnnNative;

/// <summary>
/// A stack of layers applied in order. Predict is safe to call from many threads at once: weights are
/// read-only and each call rents its own activations (native tensors cached per batch size), so after
/// the first call at a batch size a prediction allocates no managed memory and every caller gets the
/// same results.
/// </summary>
public sealed partial class Sequential : IDisposable
{
    /// <summary>The seed used when none is given: 42.</summary>
    public const int DefaultSeed = 42;

    private Layer[] _layers;                     // replaced as a whole by ReplaceLayers
    private IReadOnlyList<Layer> _layersView;
    private ConcurrentDictionary<int, WorkspacePool> _pools = new(); // replaced (old pools closed) by ReplaceLayers
    private readonly Lock _buildLock = new();
    private volatile TensorShape[]? _sampleShapes; // [0] input, [i + 1] output of layer i; null until built
    private int _disposed; // 0 live, 1 disposed; Interlocked / Volatile access only

    /// <summary>A model of <paramref name="layers"/>; call <see cref="Build"/> before predicting from spans.</summary>
    public Sequential(params Layer[] layers) : this(null, (IEnumerable<Layer>)layers) { }

    /// <summary>A model of <paramref name="layers"/> for samples of <paramref name="inputShape"/> (without the batch, e.g. [1, 28, 28]).</summary>
    /// <exception cref="ArgumentException">A layer cannot take its input; the message names the layer and both shapes.</exception>
    public Sequential(TensorShape inputShape, params Layer[] layers)
        : this(inputShape ?? throw new ArgumentNullException(nameof(inputShape)), (IEnumerable<Layer>)layers)
    {
    }

    /// <summary>
    /// A model of <paramref name="layers"/> with its parameters initialised from <paramref name="seed"/>
    /// (He normal ahead of ReLU, leaky ReLU and ELU, Glorot uniform elsewhere, zero biases), running on
    /// <paramref name="device"/>. With an <paramref name="inputShape"/> (per sample, without the batch)
    /// every layer's shape is checked now; without one, call <see cref="Build"/>.
    /// </summary>
    /// <param name="inputShape">Shape of one input sample, e.g. [1, 28, 28], or null to build later.</param>
    /// <param name="layers">The layers, applied in order; the model takes ownership and disposes them.</param>
    /// <param name="seed">Seed of the parameter initialisation; the same seed gives the same weights.</param>
    /// <param name="device">Where the model runs; null means <see cref="CnnNative.Device.Cpu"/>.</param>
    /// <exception cref="ArgumentException">A layer is null, repeated, disposed or already in a model, two layers share
    /// a name, or a layer cannot take its input.</exception>
    /// <remarks>On an OpenCL device the parameters are initialised on the host and moved to the device, where
    /// they stay: predictions and training steps copy only the inputs in and the outputs (and the loss) out.</remarks>
    /// <exception cref="Interop.CnnNativeException">The device has not enough memory for the parameters; the message names it.</exception>
    public Sequential(TensorShape? inputShape, IEnumerable<Layer> layers, int seed = DefaultSeed, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        Seed = seed;
        Device = device ?? Device.Cpu;
        _layers = [.. layers];
        _layersView = Array.AsReadOnly(_layers);

        var claimed = new List<Layer>(_layers.Length);
        var named = new List<Layer>(_layers.Length);
        try
        {
            ClaimLayers(claimed);
            NameLayers(named);
            if (inputShape is not null) Build(inputShape);
            InitializeParameters(_layers, 0, new SeededRandom(Seed));
            foreach (Layer layer in _layers) layer.MoveTo(Device);
        }
        catch
        {
            foreach (Layer layer in claimed) layer.Owner = null;
            foreach (Layer layer in named) layer.ResetName();
            throw;
        }
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<Layer> Layers => _layersView;

    /// <summary>The device the model runs on, where its parameters live; <see cref="MoveTo"/> changes it.</summary>
    public Device Device { get; private set; }

    /// <summary>The seed the parameters were initialised from.</summary>
    public int Seed { get; }

    /// <summary>Shape of one input sample without the batch, e.g. [1, 28, 28].</summary>
    /// <exception cref="InvalidOperationException">The model has no input shape yet (see <see cref="IsBuilt"/>).</exception>
    public TensorShape InputShape => (_sampleShapes ?? throw NotBuilt())[0];

    /// <summary>Shape of one output sample without the batch, e.g. [10].</summary>
    /// <exception cref="InvalidOperationException">The model has no input shape yet (see <see cref="IsBuilt"/>).</exception>
    public TensorShape OutputShape => (_sampleShapes ?? throw NotBuilt())[^1];

    /// <summary>True once an input shape is known and every layer's shape has been checked.</summary>
    public bool IsBuilt => _sampleShapes is not null;

    /// <summary>Number of learnable values in all layers.</summary>
    public long ParameterCount
    {
        get
        {
            long count = 0;
            foreach (Layer layer in _layers) count += layer.ParameterCount;
            return count;
        }
    }

    /// <summary>Every layer's parameters, named "layer.parameter", e.g. "conv2d_1.weight".</summary>
    public IReadOnlyList<NamedTensor> Parameters
    {
        get
        {
            var result = new List<NamedTensor>();
            foreach (Layer layer in _layers)
            {
                foreach (NamedTensor parameter in layer.Parameters)
                    result.Add(new NamedTensor($"{layer.Name}.{parameter.Name}", parameter.Value));
            }
            return result;
        }
    }

    /// <summary>
    /// Fixes the per-sample input shape (without the batch) and checks every layer's shape. Building again
    /// with the same shape does nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A layer cannot take its input; the message names the layer and both shapes.</exception>
    /// <exception cref="InvalidOperationException">The model was built for another shape.</exception>
    public void Build(TensorShape inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_buildLock)
        {
            if (_sampleShapes is TensorShape[] built)
            {
                if (built[0] == inputShape) return;
                throw new InvalidOperationException(
                    $"The model was built for input {built[0].WithBatch(1).ToBatchString()}; it cannot take {inputShape.WithBatch(1).ToBatchString()}.");
            }
            _sampleShapes = InferShapes(_layers, inputShape);
        }
    }

    /// <summary>A Keras-like table of the layers: name (type), output shape with N for the batch, parameter count, totals.</summary>
    public string Summary() => ModelSummary.Format(this, _sampleShapes);

    /// <summary>Runs one sample: <paramref name="input"/> has <see cref="InputShape"/>'s element count, <paramref name="output"/> <see cref="OutputShape"/>'s.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length; the message names expected and actual.</exception>
    /// <exception cref="InvalidOperationException">The model has no input shape yet.</exception>
    public void Predict(ReadOnlySpan<float> input, Span<float> output) => Predict(input, 1, output);

    /// <summary>Runs <paramref name="batchSize"/> samples stored one after another (NCHW) in <paramref name="inputs"/>.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length; the message names expected and actual.</exception>
    /// <exception cref="InvalidOperationException">The model has no input shape yet.</exception>
    public void Predict(ReadOnlySpan<float> inputs, int batchSize, Span<float> outputs)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        TensorShape[] shapes = RequireBuilt();
        CheckLength(inputs.Length, batchSize, shapes[0], "input", nameof(inputs));
        CheckLength(outputs.Length, batchSize, shapes[^1], "output", nameof(outputs));

        Workspace workspace = Rent(batchSize, shapes, out WorkspacePool pool);
        try
        {
            workspace.Input.CopyFrom(inputs);
            workspace.Run(Device, _layers);
            workspace.Output.CopyTo(outputs);
        }
        finally
        {
            pool.Return(workspace);
        }
    }

    /// <summary>Runs one sample and returns a new array with its output.</summary>
    public float[] Predict(float[] input)
    {
        var output = new float[RequireBuilt()[^1].ElementCount];
        Predict(input, output);
        return output;
    }

    /// <summary>Runs <paramref name="batchSize"/> samples and returns a new array with their outputs.</summary>
    public float[] Predict(float[] inputs, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var outputs = new float[checked(RequireBuilt()[^1].ElementCount * batchSize)];
        Predict(inputs, batchSize, outputs);
        return outputs;
    }

    /// <summary>
    /// Runs a batch held in tensors: <paramref name="input"/> [N, ...InputShape] into <paramref name="output"/>
    /// [N, ...OutputShape]. Builds the model from the input's shape when it has none yet. The tensors may live on any
    /// device: on the model's device they are copied there (no host round trip), otherwise through host memory.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor has the wrong shape; the message names expected and actual.</exception>
    public void Forward(Tensor input, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (input.Shape.Rank < 2)
            throw new ArgumentException($"Forward expects an input of rank 2 or more, [N, ...]; got {input.Shape}.", nameof(input));
        if (!IsBuilt) Build(input.Shape.WithoutBatch());
        TensorShape[] shapes = RequireBuilt();
        int batchSize = input.Shape[0];
        TensorShape expectedInput = shapes[0].WithBatch(batchSize);
        if (input.Shape != expectedInput)
            throw new ArgumentException($"Forward expects input {expectedInput}; got {input.Shape}.", nameof(input));
        TensorShape expectedOutput = shapes[^1].WithBatch(batchSize);
        if (output.Shape != expectedOutput)
            throw new ArgumentException($"Forward expects output {expectedOutput}; got {output.Shape}.", nameof(output));
        if (input.Device.IsCpu && output.Device.IsCpu)
        {
            Predict(input.AsSpan(), batchSize, output.AsSpan());
            return;
        }
        // Device tensors: copied on the model's device when they live there, through the host otherwise.
        Workspace workspace = Rent(batchSize, shapes, out WorkspacePool pool);
        try
        {
            input.CopyTo(workspace.Input);
            workspace.Run(Device, _layers);
            workspace.Output.CopyTo(output);
        }
        finally
        {
            pool.Return(workspace);
        }
    }

    /// <summary>Runs a batch held in a tensor and returns a new output tensor, which the caller disposes.</summary>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (input.Shape.Rank < 2)
            throw new ArgumentException($"Forward expects an input of rank 2 or more, [N, ...]; got {input.Shape}.", nameof(input));
        if (!IsBuilt) Build(input.Shape.WithoutBatch());
        var output = new Tensor(Device, RequireBuilt()[^1].WithBatch(input.Shape[0]));
        try
        {
            Forward(input, output);
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>Frees the cached activations (and training gradients) of every batch size; later calls recreate what they need.</summary>
    public void ReleaseWorkspaces()
    {
        foreach (WorkspacePool pool in _pools.Values) pool.Clear(close: false);
        ReleaseTrainingWorkspaces();
    }

    /// <summary>Releases the layers, the optimizer given to <see cref="Compile"/> and cached activations; calling it again does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (WorkspacePool pool in _pools.Values) pool.Clear(close: true);
        DisposeTraining();
        foreach (Layer layer in _layers) layer.Dispose();
    }

    private void ClaimLayers(List<Layer> claimed) => ClaimLayers(_layers, 0, claimed);

    /// <summary>Makes this model the owner of layers[from..]; fills <paramref name="claimed"/> for rollback.</summary>
    private void ClaimLayers(Layer[] layers, int from, List<Layer> claimed)
    {
        for (int i = from; i < layers.Length; i++)
        {
            Layer layer = layers[i] ?? throw new ArgumentException($"Layer {i} is null.", "layers");
            if (layer.IsDisposed) throw new ArgumentException($"Layer {i} ({layer}) is disposed.", "layers");
            if (layer.Owner is not null)
                throw new ArgumentException($"Layer {i} ({layer}) already belongs to a model; create a new layer instead.", "layers");
            layer.Owner = this;
            claimed.Add(layer);
        }
    }

    private void NameLayers(List<Layer> named) => NameLayers(_layers, named);

    /// <summary>Names unnamed layers type_k by position among their type; checks names are unique.</summary>
    private static void NameLayers(Layer[] layers, List<Layer> named)
    {
        var counts = new Dictionary<string, int>();
        foreach (Layer layer in layers)
        {
            int count = counts.GetValueOrDefault(layer.BaseName) + 1;
            counts[layer.BaseName] = count;
            if (layer.HasName) continue;
            layer.Name = $"{layer.BaseName}_{count}";
            named.Add(layer);
        }
        var seen = new HashSet<string>();
        for (int i = 0; i < layers.Length; i++)
        {
            if (!seen.Add(layers[i].Name))
                throw new ArgumentException($"Layer {i} ({layers[i]}) has the same name as an earlier layer; names must be unique.", "layers");
        }
    }

    /// <summary>Initialises layers[from..] in order from <paramref name="random"/>.</summary>
    private static void InitializeParameters(Layer[] layers, int from, SeededRandom random)
    {
        for (int i = from; i < layers.Length; i++)
        {
            int next = i + 1;
            while (next < layers.Length && layers[next].IsTransparentToActivation) next++;
            bool followedByRectifier = next < layers.Length && layers[next].IsRectifier;
            layers[i].InitializeParameters(random, followedByRectifier);
        }
    }

    private static TensorShape[] InferShapes(Layer[] layers, TensorShape inputShape)
    {
        var shapes = new TensorShape[layers.Length + 1];
        shapes[0] = inputShape;
        TensorShape current = inputShape.WithBatch(1);
        for (int i = 0; i < layers.Length; i++)
        {
            try
            {
                current = layers[i].OutputShape(current);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException(
                    $"Layer {i} ({layers[i]}) cannot take input {current.ToBatchString()}: {e.Message}", "layers", e);
            }
            shapes[i + 1] = current.WithoutBatch();
        }
        return shapes;
    }

    private TensorShape[] RequireBuilt()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _sampleShapes ?? throw NotBuilt();
    }

    private static InvalidOperationException NotBuilt() =>
        new("The model has no input shape: pass one to the constructor or call Build(inputShape) first.");

    /// <summary>An idle or new workspace of <paramref name="batchSize"/>; give it back to <paramref name="pool"/>.</summary>
    private Workspace Rent(int batchSize, TensorShape[] shapes, out WorkspacePool pool)
    {
        pool = _pools.GetOrAdd(batchSize, static _ => new WorkspacePool());
        return pool.TryRent() ?? new Workspace(Device, _layers, shapes, batchSize);
    }

    private static void CheckLength(int actual, int batchSize, TensorShape sampleShape, string what, string parameterName,
        string method = "Predict")
    {
        long expected = checked(sampleShape.ElementCount * batchSize);
        if (actual != expected)
            throw new ArgumentException(
                $"{method} expects {expected} {what} values ({batchSize} x {sampleShape}); got {actual}.", parameterName);
    }
}
