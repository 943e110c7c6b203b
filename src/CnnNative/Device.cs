using System.Runtime.InteropServices;
using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// Where tensors live and ops run: a native context (device, thread count, reusable scratch).
/// A device is safe to share between threads; each native call takes its own scratch when the
/// shared one is busy, so concurrent calls give the same results as sequential ones.
/// </summary>
/// <remarks>
/// <see cref="Cpu"/> is the host; <see cref="OpenCL"/> gives an OpenCL device, whose tensors live in device
/// memory and are read and written only through <see cref="Tensor.CopyTo(Span{float})"/> and <see cref="Tensor.CopyFrom"/>.
/// <see cref="List()"/> tells which OpenCL devices exist.
/// </remarks>
public sealed unsafe class Device
{
    private static readonly Lazy<Device> s_cpu = new(CreateCpu, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Dictionary<int, Device> s_openCL = [];
    private static readonly Lock s_openCLLock = new();

    private readonly ContextHandle _handle;

    private Device(ContextHandle handle, DeviceInfo? info)
    {
        _handle = handle;
        Info = info;
    }

    /// <summary>The process-wide CPU device, created on first use with one thread per logical core.</summary>
    public static Device Cpu => s_cpu.Value;

    /// <summary>
    /// The process-wide device for OpenCL device <paramref name="index"/> (see <see cref="List()"/>), created on
    /// first use; later calls with the same index return the same object.
    /// </summary>
    /// <exception cref="ArgumentException">No OpenCL device has this index; the message lists the devices found.</exception>
    /// <exception cref="CnnNativeException">The OpenCL loader is missing or the driver failed; the message says
    /// what to install.</exception>
    public static Device OpenCL(int index = 0)
    {
        lock (s_openCLLock)
        {
            if (s_openCL.TryGetValue(index, out Device? device)) return device;
            // The context first: it fails with the native message (devices found, or what to install).
            CnnStatus status = NativeMethods.cnn_context_create_device(index, out ContextHandle handle);
            if (status != CnnStatus.Ok)
            {
                handle.Dispose(); // a failed create leaves an invalid handle behind
                Native.Check(status);
            }
            device = new Device(handle, ReadInfo(index));
            s_openCL.Add(index, device);
            return device;
        }
    }

    /// <summary>
    /// OpenCL device <paramref name="index"/> when it can be opened, otherwise <see cref="Cpu"/> with
    /// <paramref name="fallbackReason"/> saying why (no loader, no driver, no such index): the explicit opt-in to
    /// falling back, for callers that report it. <see cref="OpenCL"/> never falls back.
    /// </summary>
    /// <param name="index">The OpenCL device wanted (see <see cref="List()"/>).</param>
    /// <param name="fallbackReason">Null when the OpenCL device was returned; otherwise the error that sent the call to the CPU.</param>
    public static Device OpenCLOrCpu(int index, out string? fallbackReason)
    {
        try
        {
            Device device = OpenCL(index);
            fallbackReason = null;
            return device;
        }
        catch (Exception e) when (e is ArgumentException or CnnNativeException)
        {
            fallbackReason = e.Message;
            return Cpu;
        }
    }

    /// <summary>Every OpenCL device of every platform; empty when there is none or OpenCL cannot be loaded.</summary>
    /// <remarks>Use <see cref="List(out string?)"/> to learn why the list is empty.</remarks>
    public static IReadOnlyList<DeviceInfo> List() => List(out _);

    /// <summary>
    /// Every OpenCL device of every platform. When the list is empty, <paramref name="problem"/> says why (no
    /// ICD loader, no driver, a driver error) and what to install; otherwise it is null.
    /// </summary>
    public static IReadOnlyList<DeviceInfo> List(out string? problem)
    {
        int count;
        CnnStatus status = NativeMethods.cnn_device_count(&count);
        if (status != CnnStatus.Ok)
        {
            // A missing loader is an expected state, not an error: report it instead of throwing.
            problem = Native.ToException(status, Native.LastErrorMessage).Message;
            return [];
        }
        if (count == 0)
        {
            problem = "The OpenCL loader found no platform with a device: install an OpenCL driver " +
                "(e.g. pocl-opencl-icd for the CPU, or your GPU vendor's ICD).";
            return [];
        }
        var devices = new DeviceInfo[count];
        for (int i = 0; i < count; i++) devices[i] = ReadInfo(i);
        problem = null;
        return devices;
    }

    /// <summary>The OpenCL device this context runs on, or null for <see cref="Cpu"/>.</summary>
    public DeviceInfo? Info { get; }

    /// <summary>True for <see cref="Cpu"/>, whose tensors can be viewed with <see cref="Tensor.AsSpan"/>.</summary>
    public bool IsCpu => Info is null;

    /// <summary>
    /// Threads native ops may use on this device (on an OpenCL device: host-side work only). Setting 0 means
    /// one per logical core; the getter always reports the resolved number. Changing it affects every model
    /// running on this device.
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

    /// <summary>
    /// Waits until every op queued on this device has finished. Ops on an OpenCL device return once queued (reading
    /// a tensor waits for the ops before it, so results are never stale); call this to time device work or to
    /// bound latency. On the CPU ops finish before they return and this does nothing.
    /// </summary>
    public void Synchronize() => Native.Check(NativeMethods.cnn_context_synchronize(_handle));

    /// <summary>The CPU kernel tier the native library chose for this process: "ref", "generic", "avx2" or "avx512".</summary>
    public string Isa => Native.ActiveIsa;

    /// <summary>The native context; valid for the life of the process (devices are never destroyed).</summary>
    internal ContextHandle Handle => _handle;

    /// <inheritdoc />
    public override string ToString() => Info is null ? $"CPU ({Threads} threads, {Isa})" : Info.ToString();

    private static Device CreateCpu() => new(Native.CreateContext(threads: 0), info: null);

    private static DeviceInfo ReadInfo(int index)
    {
        CnnDeviceProperties p;
        Native.Check(NativeMethods.cnn_device_info(index, &p));
        return new DeviceInfo(index,
            Text(index, CnnDeviceText.Platform), Text(index, CnnDeviceText.Name), Text(index, CnnDeviceText.Vendor),
            Text(index, CnnDeviceText.Version), Text(index, CnnDeviceText.DriverVersion),
            p.Type, p.ComputeUnits, p.GlobalMemoryBytes, p.LocalMemoryBytes, p.MaxAllocationBytes,
            p.Fp16Supported != 0, p.Fp64Supported != 0);
    }

    private static string Text(int index, CnnDeviceText which) =>
        Marshal.PtrToStringUTF8(NativeMethods.cnn_device_string(index, which)) ?? "";
}
