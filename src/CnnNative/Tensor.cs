using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// A float32 tensor in native, 64-byte aligned memory on a <see cref="CnnNative.Device"/>; row-major,
/// NCHW for images. Dispose it (or use <c>using</c>) to release the memory promptly.
/// </summary>
public sealed unsafe class Tensor : IDisposable
{
    private TensorHandle _handle; // replaced (never while in use) when the owning model moves it: see MoveTo

    /// <summary>A zero-filled tensor of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public Tensor(Device device, TensorShape shape)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(shape);
        Device = device;
        Shape = shape;
        Span<long> dims = stackalloc long[shape.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = shape[i];
        _handle = Native.CreateTensor(device.Handle, dims);
    }

    /// <summary>A zero-filled tensor of <paramref name="shape"/> on <see cref="Device.Cpu"/>.</summary>
    public Tensor(TensorShape shape) : this(Device.Cpu, shape) { }

    /// <summary>A zero-filled tensor on <see cref="Device.Cpu"/>, e.g. <c>new Tensor(2, 3, 4, 4)</c>.</summary>
    public Tensor(params int[] shape) : this(Device.Cpu, new TensorShape(shape)) { }

    private Tensor(Device device, TensorShape shape, TensorHandle handle)
    {
        Device = device;
        Shape = shape;
        _handle = handle;
    }

    /// <summary>The tensor's shape.</summary>
    public TensorShape Shape { get; }

    /// <summary>
    /// The device that holds the tensor's memory. Fixed for tensors you create; a model's parameters, buffers,
    /// gradients and optimizer state follow the model when <see cref="Sequential.MoveTo"/> moves it.
    /// </summary>
    public Device Device { get; private set; }

    /// <summary>Number of elements, the product of the shape's dimensions.</summary>
    public long ElementCount => Shape.ElementCount;

    /// <summary>True once <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>The native handle; throws <see cref="ObjectDisposedException"/> after <see cref="Dispose"/>.</summary>
    internal TensorHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape, on <see cref="Device.Cpu"/>.</summary>
    /// <exception cref="ArgumentException">The data length is not the shape's element count.</exception>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        var tensorShape = new TensorShape(shape);
        if (data.Length != tensorShape.ElementCount)
            throw new ArgumentException(
                $"Data has {data.Length} elements but shape {tensorShape} has {tensorShape.ElementCount}.", nameof(data));
        var tensor = new Tensor(Device.Cpu, tensorShape);
        tensor.CopyFrom(data);
        return tensor;
    }

    /// <summary>
    /// The tensor's memory, without a copy (CPU tensors only). The span is valid until the tensor is
    /// disposed; writing to it changes the tensor and every view of it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor lives in OpenCL device memory, which the host
    /// cannot view; use <see cref="CopyTo(Span{float})"/> and <see cref="CopyFrom"/>.</exception>
    public Span<float> AsSpan()
    {
        if (!Device.IsCpu)
            throw new InvalidOperationException(
                $"Tensor {Shape} lives on {Device}, not in host memory: use CopyTo/CopyFrom (or ToArray) to read or write it.");
        if (ElementCount > int.MaxValue)
            throw new InvalidOperationException($"Tensor {Shape} has {ElementCount} elements, more than a span can hold.");
        float* data;
        Native.Check(NativeMethods.cnn_tensor_data(Handle, &data));
        return new Span<float>(data, (int)ElementCount);
    }

    /// <summary>Copies <paramref name="source"/> into the tensor; its length must equal <see cref="ElementCount"/>.</summary>
    public void CopyFrom(ReadOnlySpan<float> source)
    {
        TensorHandle handle = Handle;
        if (source.Length != ElementCount)
            throw new ArgumentException(
                $"Source has {source.Length} elements but tensor {Shape} has {ElementCount}.", nameof(source));
        Native.Write(handle, source);
    }

    /// <summary>Copies the tensor into <paramref name="destination"/>; its length must equal <see cref="ElementCount"/>.</summary>
    public void CopyTo(Span<float> destination)
    {
        TensorHandle handle = Handle;
        if (destination.Length != ElementCount)
            throw new ArgumentException(
                $"Destination has {destination.Length} elements but tensor {Shape} has {ElementCount}.", nameof(destination));
        Native.Read(handle, destination);
    }

    /// <summary>
    /// Copies the tensor into <paramref name="destination"/>, which may live on another device; both must have
    /// the same element count (shapes may differ). On one device the copy runs there (no host round trip);
    /// between the CPU and a device it is one transfer; between two devices it goes through host memory.
    /// </summary>
    /// <exception cref="ArgumentException">The element counts differ; the message names both shapes.</exception>
    public void CopyTo(Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        TensorHandle source = Handle, target = destination.Handle;
        if (destination.ElementCount != ElementCount)
            throw new ArgumentException(
                $"Cannot copy tensor {Shape} ({ElementCount} elements) into tensor {destination.Shape} ({destination.ElementCount} elements).",
                nameof(destination));
        if (ReferenceEquals(Device, destination.Device))
            Native.Check(NativeMethods.cnn_tensor_copy(Device.Handle, source, target));
        else if (Device.IsCpu)
            Native.Write(target, AsSpan());
        else if (destination.Device.IsCpu)
            Native.Read(source, destination.AsSpan());
        else
        {
            float[] staging = ToArray();
            Native.Write(target, staging);
        }
    }

    /// <summary>A new array holding a copy of the tensor's elements.</summary>
    public float[] ToArray()
    {
        var result = new float[checked((int)ElementCount)];
        CopyTo(result);
        return result;
    }

    /// <summary>
    /// A view of the same memory with another shape of the same element count (no copy). The view is a
    /// tensor of its own to dispose; the memory lives until the last view or tensor over it is disposed.
    /// </summary>
    public Tensor Reshape(TensorShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        TensorHandle handle = Handle;
        if (shape.ElementCount != ElementCount)
            throw new ArgumentException(
                $"Cannot reshape {Shape} ({ElementCount} elements) to {shape} ({shape.ElementCount} elements).", nameof(shape));
        Span<long> dims = stackalloc long[shape.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = shape[i];
        return new Tensor(Device, shape, Native.Reshape(handle, dims));
    }

    /// <summary>A view with another shape of the same element count, e.g. <c>t.Reshape(6, 4)</c>.</summary>
    public Tensor Reshape(params int[] shape) => Reshape(new TensorShape(shape));

    /// <summary>
    /// Moves the tensor's values to <paramref name="target"/> in place: a new native tensor is created there and
    /// filled, then replaces the old one, which is released. On failure (e.g. out of device memory) the tensor is
    /// left as it was. For tensors a model owns, never while a call uses them; views made by
    /// <see cref="Reshape(TensorShape)"/> beforehand keep the old memory.
    /// </summary>
    internal void MoveTo(Device target)
    {
        ArgumentNullException.ThrowIfNull(target);
        TensorHandle old = Handle;
        if (ReferenceEquals(Device, target)) return;
        Span<long> dims = stackalloc long[Shape.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = Shape[i];
        var moved = new Tensor(target, Shape, Native.CreateTensor(target.Handle, dims));
        try
        {
            CopyTo(moved);
        }
        catch
        {
            moved.Dispose();
            throw;
        }
        _handle = moved._handle;
        Device = target;
        old.Dispose();
    }

    /// <summary>Releases this tensor's handle; calling it again does nothing.</summary>
    public void Dispose() => _handle.Dispose();

    /// <inheritdoc />
    public override string ToString() => IsDisposed ? $"Tensor {Shape} (disposed)" : $"Tensor {Shape}";
}
