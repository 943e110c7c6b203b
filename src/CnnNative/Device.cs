using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// Where tensors live and ops run: a native context (device, thread count, reusable scratch).
/// A device is safe to share between threads; each native call takes its own scratch when the
/// shared one is busy, so concurrent calls give the same results as sequential ones.
/// </summary>
public sealed unsafe class Device
{
    private static readonly Lazy<Device> s_cpu = new(CreateCpu, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly ContextHandle _handle;

    private Device(ContextHandle handle) => _handle = handle;

    /// <summary>The process-wide CPU device, created on first use with one thread per logical core.</summary>
    public static Device Cpu => s_cpu.Value;

    /// <summary>
    /// Threads native ops may use on this device. Setting 0 means one per logical core; the getter
    /// always reports the resolved number. Changing it affects every model running on this device.
    /// </summary>
    public int Threads
    {
        get
        {
            int threads;
            Native.Check(NativeMethods.cnn_context_threads(_handle, &threads));
            return threads;
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Native.Check(NativeMethods.cnn_context_set_threads(_handle, value));
        }
    }

    /// <summary>The kernel tier the native library chose for this process: "ref", "generic", "avx2" or "avx512".</summary>
    public string Isa => Native.ActiveIsa;

    /// <summary>The native context; valid for the life of the process for <see cref="Cpu"/>.</summary>
    internal ContextHandle Handle => _handle;

    /// <inheritdoc />
    public override string ToString() => $"CPU ({Threads} threads, {Isa})";

    private static Device CreateCpu() => new(Native.CreateContext(threads: 0));
}
