namespace CnnNative;

/// <summary>The output of one layer for one sample, as returned by <see cref="Sequential.Activations"/>.</summary>
/// <param name="Layer">The layer that produced it.</param>
/// <param name="Shape">Its per-sample shape, e.g. [32, 28, 28].</param>
/// <param name="Values">A copy of the values, NCHW without the batch axis.</param>
public sealed record LayerActivation(Layer Layer, TensorShape Shape, float[] Values);

// Looking inside a model: every layer's output for one sample (activation maps, debugging).
public sealed partial class Sequential
{
    /// <summary>
    /// Runs one sample in inference mode and returns every layer's output, in layer order. Allocates the
    /// copies it returns; meant for inspection and pictures, not the hot path.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> has the wrong length.</exception>
    public IReadOnlyList<LayerActivation> Activations(ReadOnlySpan<float> input)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        TensorShape[] shapes = RequireBuilt();
        CheckLength(input.Length, 1, shapes[0], "input", nameof(input));
        Workspace workspace = Rent(1, shapes, out WorkspacePool pool);
        try
        {
            workspace.Input.CopyFrom(input);
            workspace.Run(Device, _layers, _layers.Length, fuse: false); // every layer's own output is read
            var result = new LayerActivation[_layers.Length];
            for (int i = 0; i < _layers.Length; i++)
                result[i] = new LayerActivation(_layers[i], shapes[i + 1], workspace.Activation(i + 1).ToArray());
            return result;
        }
        finally
        {
            pool.Return(workspace);
        }
    }
}
