namespace CnnNative;

/// <summary>
/// The activations of one forward pass at one batch size: the input tensor and one output tensor per
/// layer (views for flatten and dropout). Used by one call at a time; the model pools them.
/// </summary>
internal sealed class Workspace : IDisposable
{
    private readonly Tensor[] _tensors; // [0] model input, [i + 1] output of layer i

    /// <param name="device">Where the activations live.</param>
    /// <param name="layers">The model's layers.</param>
    /// <param name="sampleShapes">Per-sample shapes: [0] the input, [i + 1] the output of layer i.</param>
    /// <param name="batchSize">Samples per call.</param>
    public Workspace(Device device, IReadOnlyList<Layer> layers, IReadOnlyList<TensorShape> sampleShapes, int batchSize)
    {
        BatchSize = batchSize;
        _tensors = new Tensor[layers.Count + 1];
        try
        {
            _tensors[0] = new Tensor(device, sampleShapes[0].WithBatch(batchSize));
            for (int i = 0; i < layers.Count; i++)
            {
                TensorShape shape = sampleShapes[i + 1].WithBatch(batchSize);
                _tensors[i + 1] = layers[i].OutputIsView ? _tensors[i].Reshape(shape) : new Tensor(device, shape);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int BatchSize { get; }

    public Tensor Input => _tensors[0];

    public Tensor Output => _tensors[^1];

    /// <summary>[0] the input, [i + 1] the output of layer i.</summary>
    public Tensor Activation(int index) => _tensors[index];

    /// <summary>Runs every layer from <see cref="Input"/> to <see cref="Output"/>; no managed allocation.</summary>
    public void Run(Device device, Layer[] layers) => Run(device, layers, layers.Length);

    /// <summary>Runs the first <paramref name="count"/> layers (inference); no managed allocation.</summary>
    public void Run(Device device, Layer[] layers, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (!layers[i].OutputIsView) layers[i].Forward(device, _tensors[i], _tensors[i + 1]);
        }
    }

    public void Dispose()
    {
        foreach (Tensor? tensor in _tensors) tensor?.Dispose();
    }
}
