using CnnNative.Interop;

namespace CnnNative;

/// <summary>
/// Facts about one OpenCL device, as <see cref="Device.List()"/> reports them; pass <see cref="Index"/> to
/// <see cref="Device.OpenCL"/> to run on it.
/// </summary>
/// <param name="Index">The device's number: every device of every platform, from 0 in platform order.</param>
/// <param name="Platform">The OpenCL platform (driver), e.g. "Portable Computing Language".</param>
/// <param name="Name">The device's name.</param>
/// <param name="Vendor">The device's vendor.</param>
/// <param name="Version">The OpenCL version the device supports, "OpenCL &lt;major&gt;.&lt;minor&gt; ...".</param>
/// <param name="DriverVersion">The driver's version.</param>
/// <param name="Type">CPU, GPU, accelerator or other.</param>
/// <param name="ComputeUnits">Parallel compute units (cores or streaming multiprocessors).</param>
/// <param name="GlobalMemoryBytes">Device memory, in bytes.</param>
/// <param name="LocalMemoryBytes">Local (shared) memory per work-group, in bytes.</param>
/// <param name="MaxAllocationBytes">The largest single tensor the device can hold, in bytes.</param>
/// <param name="SupportsFp16">True when the device has cl_khr_fp16.</param>
/// <param name="SupportsFp64">True when the device has cl_khr_fp64.</param>
public sealed record DeviceInfo(
    int Index,
    string Platform,
    string Name,
    string Vendor,
    string Version,
    string DriverVersion,
    CnnDeviceType Type,
    int ComputeUnits,
    ulong GlobalMemoryBytes,
    ulong LocalMemoryBytes,
    ulong MaxAllocationBytes,
    bool SupportsFp16,
    bool SupportsFp64)
{
    /// <inheritdoc />
    public override string ToString() => $"OpenCL {Index}: {Name} ({Type}, {Platform})";
}
