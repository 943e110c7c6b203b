namespace CnnNative;

/// <summary>
/// One step of a <see cref="Sequential"/> model. Layers with parameters own native tensors, so a layer
/// is disposable; a model disposes the layers it holds.
/// </summary>
public abstract class Layer : IDisposable
{
    private string? _name;
    private bool _disposed;

    private protected Layer() { }

    /// <summary>
    /// The layer's name. Unless set before the layer joins a model, the model names it after its type
    /// and position among layers of that type: conv2d_1, conv2d_2, dense_1 ...
    /// </summary>
    public string Name
    {
        get => _name ?? BaseName;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            _name = value;
        }
    }

    /// <summary>The layer's type name as shown by <see cref="Sequential.Summary"/>, e.g. "Conv2d".</summary>
    public string TypeName => GetType().Name;

    /// <summary>The learnable parameters, named "weight" and "bias"; empty for layers without any.</summary>
    public virtual IReadOnlyList<NamedTensor> Parameters => [];

    /// <summary>Number of learnable values in <see cref="Parameters"/>.</summary>
    public long ParameterCount
    {
        get
        {
            long count = 0;
            foreach (NamedTensor parameter in Parameters) count += parameter.Value.ElementCount;
            return count;
        }
    }

    /// <summary>
    /// The shape this layer produces from an input of shape <paramref name="input"/> (batch first).
    /// </summary>
    /// <exception cref="ArgumentException">The layer cannot take this input; the message names the expected
    /// and actual shapes.</exception>
    public abstract TensorShape OutputShape(TensorShape input);

    /// <summary>
    /// Creates a weight tensor and, when <paramref name="withBias"/>, a bias [biasLength] on the CPU,
    /// releasing the weight if the bias cannot be made; returns them as the layer's named parameters.
    /// </summary>
    private protected static NamedTensor[] CreateWeightAndBias(
        TensorShape weightShape, int biasLength, bool withBias, out Tensor weight, out Tensor? bias)
    {
        weight = new Tensor(Device.Cpu, weightShape);
        bias = null;
        if (!withBias) return [new NamedTensor("weight", weight)];
        try
        {
            bias = new Tensor(Device.Cpu, new TensorShape(biasLength));
        }
        catch
        {
            weight.Dispose();
            throw;
        }
        return [new NamedTensor("weight", weight), new NamedTensor("bias", bias)];
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({TypeName})";

    /// <summary>Releases the layer's parameter tensors; calling it again does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (NamedTensor parameter in Parameters) parameter.Value.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The stem of generated names: "conv2d" for conv2d_1.</summary>
    internal abstract string BaseName { get; }

    /// <summary>True when the model has named this layer (or the user has); false while it has its default name.</summary>
    internal bool HasName => _name is not null;

    /// <summary>Back to the default name (used when a model that named the layer fails to construct).</summary>
    internal void ResetName() => _name = null;

    /// <summary>The model this layer belongs to; a layer joins at most one model.</summary>
    internal Sequential? Owner { get; set; }

    /// <summary>True after <see cref="Dispose"/>.</summary>
    internal bool IsDisposed => _disposed;

    /// <summary>True for ReLU, leaky ReLU and ELU: layers ahead of them get He initialisation.</summary>
    internal virtual bool IsRectifier => false;

    /// <summary>
    /// True for layers that keep rectifiers' reasoning valid when placed between a weighted layer and its
    /// activation (flatten, dropout, max pooling), so conv -> max-pool -> ReLU still gets He initialisation.
    /// </summary>
    internal virtual bool IsTransparentToActivation => false;

    /// <summary>
    /// True when the output is a reshape view of the input (flatten, dropout at inference): the model
    /// creates the view once per workspace and <see cref="Forward"/> is never called.
    /// </summary>
    internal virtual bool OutputIsView => false;

    /// <summary>Fills the weights from <paramref name="random"/> (He or Glorot) and zeroes the biases.</summary>
    internal virtual void InitializeParameters(SeededRandom random, bool followedByRectifier) { }

    /// <summary>
    /// Computes the layer on <paramref name="device"/>: reads <paramref name="input"/>, writes the
    /// preallocated <paramref name="output"/> of shape <see cref="OutputShape"/>(input.Shape).
    /// Allocates no managed memory.
    /// </summary>
    internal abstract void Forward(Device device, Tensor input, Tensor output);

    /// <summary>Throws <see cref="ArgumentException"/> with the standard "expects ...; got ..." wording.</summary>
    private protected ArgumentException ShapeError(string expected, TensorShape actual, string? reason = null) =>
        new(reason is null
                ? $"{TypeName} expects input {expected}; got {actual}."
                : $"{TypeName} expects input {expected}; got {actual} ({reason}).");

    /// <summary>Checks <paramref name="input"/> is [N, <paramref name="channels"/>, H, W] (any channels when null).</summary>
    private protected void RequireImage(TensorShape input, int? channels)
    {
        ArgumentNullException.ThrowIfNull(input);
        string expected = channels is int c ? $"[N, {c}, H, W]" : "[N, C, H, W]";
        if (input.Rank != 4) throw ShapeError(expected, input, $"rank {input.Rank} != 4");
        if (channels is int ch && input[1] != ch) throw ShapeError(expected, input, $"channel count {input[1]} != {ch}");
    }
}
