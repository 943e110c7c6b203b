namespace CnnNative;

/// <summary>
/// The activations of one forward pass at one batch size: the input tensor and one output tensor per
/// layer (views for flatten and dropout). Used by one call at a time; the model pools them.
/// </summary>
internal sealed class Workspace : IDisposable
{
    private readonly Tensor[] _tensors; // [0] model input, [i + 1] output of layer i
    private readonly bool[] _fusesNext;  // [i]: layer i can run layer i + 1 (an activation) in its own call

    /// <param name="device">Where the activations live.</param>
    /// <param name="layers">The model's layers.</param>
    /// <param name="sampleShapes">Per-sample shapes: [0] the input, [i + 1] the output of layer i.</param>
    /// <param name="batchSize">Samples per call.</param>
    public Workspace(Device device, IReadOnlyList<Layer> layers, IReadOnlyList<TensorShape> sampleShapes, int batchSize)
    {
        BatchSize = batchSize;
        _tensors = new Tensor[layers.Count + 1];
        _fusesNext = new bool[layers.Count];
        for (int i = 0; i + 1 < layers.Count; i++)
            _fusesNext[i] = layers[i].CanFuseActivation && layers[i + 1] is ActivationLayer;
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

    /// <summary>
    /// Runs the first <paramref name="count"/> layers (inference); no managed allocation. With
    /// <paramref name="fuse"/>, a convolution or dense layer followed by an activation runs both in one native call
    /// (ReLU in the GEMM's write-back) and the layer's own output tensor is left unwritten: pass false when every
    /// activation is read afterwards.
    /// </summary>
    public void Run(Device device, Layer[] layers, int count, bool fuse = true)
    {
        for (int i = 0; i < count; i++)
        {
            if (layers[i].OutputIsView) continue;
            if (fuse && _fusesNext[i] && i + 1 < count)
            {
                layers[i].ForwardFused(device, _tensors[i], (ActivationLayer)layers[i + 1], _tensors[i + 2]);
                i++;
                continue;
            }
            layers[i].Forward(device, _tensors[i], _tensors[i + 1]);
        }
    }

    public void Dispose()
    {
        foreach (Tensor? tensor in _tensors) tensor?.Dispose();
    }
}
