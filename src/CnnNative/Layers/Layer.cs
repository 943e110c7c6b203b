using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// One step of a <see cref="Sequential"/> model. Layers with parameters own native tensors, so a layer
/// is disposable; a model disposes the layers it holds.
/// </summary>
public abstract class Layer : IDisposable
{
    private string? _name;
    private bool _disposed;
    private NamedTensor[]? _gradients; // same names and shapes as Parameters; created by AllocateGradients

    private protected Layer() { }

    /// <summary>Writes a tensor's values (see <see cref="Fill"/>).</summary>
    private protected delegate void ValuesAction(Span<float> values);

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

    /// <summary>
    /// State that is saved with the model but not learned by gradients, e.g. batch norm's running mean and
    /// variance; empty for most layers.
    /// </summary>
    public virtual IReadOnlyList<NamedTensor> Buffers => [];

    /// <summary>
    /// The gradients of the last training step, one per parameter with the same name and shape ("weight",
    /// "bias"); created when the model is compiled, overwritten by every step, empty before that and for
    /// layers without parameters. A frozen layer's gradients are left untouched.
    /// </summary>
    public IReadOnlyList<NamedTensor> Gradients => _gradients ?? [];

    /// <summary>True after <see cref="Freeze"/>: training computes no gradients for the parameters and never updates them.</summary>
    public bool IsFrozen { get; private set; }

    /// <summary>
    /// Stops training this layer's parameters (transfer learning): no parameter gradients, no optimizer updates.
    /// The layer still takes part in the forward and backward passes in the model's mode (a frozen batch norm
    /// uses batch statistics and updates its running statistics in training mode).
    /// </summary>
    public void Freeze() => IsFrozen = true;

    /// <summary>Makes the parameters trainable again after <see cref="Freeze"/>.</summary>
    public void Unfreeze() => IsFrozen = false;

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
        foreach (NamedTensor buffer in Buffers) buffer.Value.Dispose();
        foreach (NamedTensor gradient in Gradients) gradient.Value.Dispose();
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

    /// <summary>
    /// True for layers whose native forward can apply a following activation in the same call (convolution and
    /// dense: ReLU in the GEMM's write-back on the CPU), see <see cref="ForwardFused"/>.
    /// </summary>
    internal virtual bool CanFuseActivation => false;

    /// <summary>
    /// <see cref="Forward"/> followed by <paramref name="activation"/>, in one native call writing the activation's
    /// output; the same values as the two calls. Only for layers with <see cref="CanFuseActivation"/>.
    /// </summary>
    internal virtual void ForwardFused(Device device, Tensor input, ActivationLayer activation, Tensor output) =>
        throw new NotSupportedException($"{this} cannot fuse an activation into its forward pass.");

    /// <summary>
    /// True when the output is a reshape view of the input in the training pass too (flatten only): the
    /// model creates the views of the activation and of its gradient once and <see cref="Backward"/> does nothing.
    /// </summary>
    internal virtual bool OutputIsViewWhileTraining => false;

    /// <summary>True when the layer has parameters that training updates: it has parameters and is not frozen.</summary>
    internal bool IsTrainable => !IsFrozen && Parameters.Count > 0;

    /// <summary>Creates the zeroed <see cref="Gradients"/> beside the parameters once; later calls do nothing.</summary>
    internal void AllocateGradients()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_gradients is not null) return;
        IReadOnlyList<NamedTensor> parameters = Parameters;
        var gradients = new NamedTensor[parameters.Count];
        try
        {
            for (int i = 0; i < gradients.Length; i++)
                gradients[i] = new NamedTensor(parameters[i].Name, new Tensor(parameters[i].Value.Device, parameters[i].Value.Shape));
        }
        catch
        {
            foreach (NamedTensor? gradient in gradients) gradient?.Value.Dispose();
            throw;
        }
        _gradients = gradients;
    }

    /// <summary>
    /// Moves the parameters, buffers and gradients to <paramref name="device"/> (see <see cref="Sequential.MoveTo"/>);
    /// tensors already there stay. Stops at the first tensor that cannot move, leaving it where it was.
    /// </summary>
    internal void MoveTo(Device device)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (NamedTensor parameter in Parameters) parameter.Value.MoveTo(device);
        foreach (NamedTensor buffer in Buffers) buffer.Value.MoveTo(device);
        foreach (NamedTensor gradient in Gradients) gradient.Value.MoveTo(device);
    }

    /// <summary>
    /// Runs <paramref name="fill"/> on the values of <paramref name="tensor"/>: in place on the CPU, through a host
    /// copy written back afterwards on another device. For initialisation, not for the hot path.
    /// </summary>
    private protected static void Fill(Tensor tensor, ValuesAction fill)
    {
        if (tensor.Device.IsCpu)
        {
            fill(tensor.AsSpan());
            return;
        }
        float[] values = tensor.ToArray();
        fill(values);
        tensor.CopyFrom(values);
    }

    /// <summary>
    /// The gradient tensor of parameter <paramref name="index"/> for a native backward call, or NULL when the
    /// layer is frozen or the model has not allocated gradients (no parameter gradient wanted).
    /// </summary>
    private protected TensorHandle GradientHandle(int index) =>
        IsFrozen || _gradients is null ? TensorHandle.Null : _gradients[index].Value.Handle;

    /// <summary>
    /// Per-workspace tensors the training pass needs besides the activations (batch norm's saved mean and
    /// inverse standard deviation), for a batch whose input has shape <paramref name="input"/>; null for most layers.
    /// </summary>
    internal virtual Tensor[]? CreateTrainingState(Device device, TensorShape input) => null;

    /// <summary>
    /// The forward pass of a training workspace: with <paramref name="pass"/>.IsTraining the training
    /// behaviour (dropout masks, batch statistics), otherwise the inference one written into a separate
    /// output. Allocates no managed memory.
    /// </summary>
    internal virtual void ForwardTraining(Device device, Tensor input, Tensor output, in TrainingPass pass, Tensor[]? state) =>
        Forward(device, input, output);

    /// <summary>
    /// The backward pass of the forward that produced <paramref name="output"/> from <paramref name="input"/>:
    /// from <paramref name="outputGradient"/> writes <paramref name="inputGradient"/> (NULL when no layer below
    /// needs it, e.g. for the first layer) and, unless frozen, the parameter <see cref="Gradients"/>.
    /// One native call per op; allocates no managed memory.
    /// </summary>
    internal abstract void Backward(Device device, Tensor input, Tensor output, Tensor outputGradient,
        TensorHandle inputGradient, in TrainingPass pass, Tensor[]? state);

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
