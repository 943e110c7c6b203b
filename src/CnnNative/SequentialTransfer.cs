namespace CnnNative;

// Transfer learning: replacing the head of a model.
public sealed partial class Sequential
{
    /// <summary>
    /// Replaces layers[<paramref name="fromIndex"/>..] with <paramref name="newLayers"/> (a new head for transfer
    /// learning; <paramref name="fromIndex"/> equal to the layer count appends). The kept layers keep their weights,
    /// names and frozen state; the new layers are named, shape-checked against the model's input shape (when it has
    /// one) and initialised from a random stream seeded by (<see cref="Seed"/>, <paramref name="fromIndex"/>), so
    /// the same call on the same model gives the same weights. Removed layers are disposed together with their
    /// optimizer state, and every cached workspace is dropped. On any error the model is left unchanged.
    /// Not safe to call while another call on this model runs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fromIndex"/> is not in [0, layer count].</exception>
    /// <exception cref="ArgumentException">A new layer is null, disposed or in a model already, a name repeats, or a
    /// layer cannot take its input (the message names the layer and both shapes).</exception>
    /// <exception cref="InvalidOperationException">The model is compiled and the new head does not output [N, classes].</exception>
    public void ReplaceLayers(int fromIndex, params Layer[] newLayers)
    {
        ArgumentNullException.ThrowIfNull(newLayers);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(fromIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromIndex, _layers.Length);

        lock (_buildLock)
        {
            Layer[] updated = [.. _layers.AsSpan(0, fromIndex), .. newLayers];
            TensorShape[]? shapes = _sampleShapes;
            var claimed = new List<Layer>(newLayers.Length);
            var named = new List<Layer>(newLayers.Length);
            try
            {
                ClaimLayers(updated, fromIndex, claimed);
                NameLayers(updated, named);
                if (shapes is not null)
                {
                    shapes = InferShapes(updated, shapes[0]);
                    if (Optimizer is not null) LogitsShape(updated, shapes);
                }
                InitializeParameters(updated, fromIndex, new SeededRandom(HeadSeed(fromIndex)));
                for (int i = fromIndex; i < updated.Length; i++) updated[i].MoveTo(Device);
                if (Optimizer is not null)
                {
                    for (int i = fromIndex; i < updated.Length; i++) updated[i].AllocateGradients();
                }
            }
            catch
            {
                foreach (Layer layer in claimed) layer.Owner = null;
                foreach (Layer layer in named) layer.ResetName();
                throw;
            }

            Layer[] removed = _layers[fromIndex..];
            var oldPools = _pools;
            _pools = new();
            foreach (WorkspacePool pool in oldPools.Values) pool.Clear(close: true); // in-flight workspaces die on return
            ReleaseTrainingWorkspaces();
            _layers = updated;
            _layersView = Array.AsReadOnly(updated);
            _sampleShapes = shapes;
            foreach (Layer layer in removed)
            {
                Optimizer?.Release(layer);
                layer.Owner = null;
                layer.Dispose();
            }
        }
    }

    /// <summary>The seed of the stream that initialises a head replacing layers from <paramref name="fromIndex"/>.</summary>
    private long HeadSeed(int fromIndex) => unchecked(((long)Seed << 20) ^ (0x4845414400000000L + fromIndex));
}
