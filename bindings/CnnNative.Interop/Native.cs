using System.Runtime.InteropServices;

namespace CnnNative.Interop;

/// <summary>
/// Checked wrappers over <see cref="NativeMethods"/>. <see cref="Check"/> is the only place a native status
/// becomes an exception; every generated call that returns <see cref="CnnStatus"/> goes through it.
/// </summary>
internal static class Native
{
    /// <summary>Throws for any status but Ok: ArgumentException for caller mistakes, else CnnNativeException.</summary>
    public static void Check(CnnStatus status)
    {
        if (status != CnnStatus.Ok)
            throw ToException(status, LastErrorMessage);
    }

    internal static Exception ToException(CnnStatus status, string message)
    {
        if (message.Length == 0)
            message = $"libcnnnative returned {status} without a message.";
        return status switch
        {
            CnnStatus.InvalidArgument or CnnStatus.ShapeMismatch => new ArgumentException(message),
            _ => new CnnNativeException(status, message),
        };
    }

    /// <summary>This thread's last native failure message; "" after a successful call.</summary>
    public static string LastErrorMessage => Marshal.PtrToStringUTF8(NativeMethods.cnn_last_error_message()) ?? "";

    /// <summary>The kernel tier libcnnnative chose: "ref", "generic", "avx2" or "avx512".</summary>
    public static string ActiveIsa => Marshal.PtrToStringUTF8(NativeMethods.cnn_active_isa()) ?? "";

    /// <summary>
    /// Throws when the loaded library was built from another cnn.h than these bindings. Runs once, when
    /// <see cref="NativeLibraryLoader"/> loads the library, before any call reaches it.
    /// </summary>
    internal static void VerifyAbi(uint native, uint managed)
    {
        if (native != managed)
            throw new CnnNativeException(CnnStatus.Unsupported,
                $"libcnnnative ABI {native}, managed bindings ABI {managed}: rebuild the native library and the " +
                "C# projects from the same native/include/cnn/cnn.h (and run bindings/generate.sh after changing it).");
    }

    /// <summary>A CPU context; 0 threads means one per logical core.</summary>
    public static ContextHandle CreateContext(int threads = 0) =>
        Created(NativeMethods.cnn_context_create(threads, out ContextHandle context), context);

    public static unsafe int Threads(ContextHandle context)
    {
        int threads;
        Check(NativeMethods.cnn_context_threads(context, &threads));
        return threads;
    }

    /// <summary>0 means one thread per logical core.</summary>
    public static void SetThreads(ContextHandle context, int threads) =>
        Check(NativeMethods.cnn_context_set_threads(context, threads));

    /// <summary>Output length of a sliding window along one axis (convolution, pooling).</summary>
    public static unsafe long WindowOutputSize(long input, int kernel, int stride, int padBegin, int padEnd, int dilation = 1)
    {
        long size;
        Check(NativeMethods.cnn_window_output_size(input, kernel, stride, padBegin, padEnd, dilation, &size));
        return size;
    }

    /// <summary>A zero-filled tensor of the given shape on the context's device.</summary>
    public static unsafe TensorHandle CreateTensor(ContextHandle context, ReadOnlySpan<long> shape)
    {
        fixed (long* dims = shape)
            return Created(NativeMethods.cnn_tensor_create(context, dims, (nuint)shape.Length, out TensorHandle tensor), tensor);
    }

    /// <summary>A new handle over the same storage with another shape of the same element count.</summary>
    public static unsafe TensorHandle Reshape(TensorHandle tensor, ReadOnlySpan<long> shape)
    {
        fixed (long* dims = shape)
            return Created(NativeMethods.cnn_tensor_reshape(tensor, dims, (nuint)shape.Length, out TensorHandle view), view);
    }

    public static unsafe int Rank(TensorHandle tensor)
    {
        nuint rank;
        Check(NativeMethods.cnn_tensor_rank(tensor, &rank));
        return (int)rank;
    }

    public static unsafe long[] Shape(TensorHandle tensor)
    {
        var shape = new long[Rank(tensor)];
        fixed (long* dims = shape)
            Check(NativeMethods.cnn_tensor_shape(tensor, dims, (nuint)shape.Length));
        return shape;
    }

    public static unsafe long ElementCount(TensorHandle tensor)
    {
        nuint count;
        Check(NativeMethods.cnn_tensor_element_count(tensor, &count));
        return (long)count;
    }

    /// <summary>Copies <paramref name="source"/> into the tensor; its length must equal the element count.</summary>
    public static unsafe void Write(TensorHandle tensor, ReadOnlySpan<float> source)
    {
        fixed (float* src = source)
            Check(NativeMethods.cnn_tensor_write(tensor, src, (nuint)source.Length));
    }

    /// <summary>Copies the tensor into <paramref name="destination"/>; its length must equal the element count.</summary>
    public static unsafe void Read(TensorHandle tensor, Span<float> destination)
    {
        fixed (float* dst = destination)
            Check(NativeMethods.cnn_tensor_read(tensor, dst, (nuint)destination.Length));
    }

    // A failed create leaves an invalid handle in the out parameter: release it, then throw.
    private static T Created<T>(CnnStatus status, T handle) where T : SafeHandle
    {
        if (status != CnnStatus.Ok)
        {
            handle.Dispose();
            Check(status);
        }
        return handle;
    }
}
