using CnnNative.Interop;

namespace CnnNative.Tests.Devices;

/// <summary>
/// OpenCL devices through the C# API. CI installs PoCL (native/setup.sh), so at least one device exists; a
/// machine without it fails the first test with the reason Device.List gives.
/// </summary>
public class OpenCLDeviceTests
{
    private static DeviceInfo FirstDevice()
    {
        IReadOnlyList<DeviceInfo> devices = Device.List(out string? problem);
        Assert.True(devices.Count >= 1, $"no OpenCL device: {problem}");
        return devices[0];
    }

    [Fact]
    public void ListReportsAtLeastOneDeviceWithItsFacts()
    {
        IReadOnlyList<DeviceInfo> devices = Device.List(out string? problem);

        Assert.True(devices.Count >= 1, $"no OpenCL device: {problem}");
        Assert.Null(problem);
        for (int i = 0; i < devices.Count; i++)
        {
            DeviceInfo d = devices[i];
            Assert.Equal(i, d.Index);
            Assert.NotEmpty(d.Name);
            Assert.NotEmpty(d.Platform);
            Assert.StartsWith("OpenCL ", d.Version);
            Assert.True(d.ComputeUnits >= 1, d.ToString());
            Assert.True(d.GlobalMemoryBytes > 0 && d.LocalMemoryBytes > 0, d.ToString());
        }
        Assert.Equal(devices, Device.List());
    }

    [Fact]
    public void OpenCLDeviceIsSharedAndDescribesItself()
    {
        DeviceInfo info = FirstDevice();
        Device device = Device.OpenCL(0);

        Assert.Same(device, Device.OpenCL());
        Assert.False(device.IsCpu);
        Assert.True(Device.Cpu.IsCpu);
        Assert.Equal(info, device.Info);
        Assert.Contains(info.Name, device.ToString());
    }

    [Fact]
    public void AnIndexPastTheLastDeviceNamesHowManyThereAre()
    {
        int count = Device.List().Count;
        Assert.True(count >= 1);

        var e = Assert.ThrowsAny<ArgumentException>(() => Device.OpenCL(99));

        Assert.Contains("99", e.Message);
        Assert.Contains(count.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    [Fact]
    public void TensorRoundTripsThroughDeviceMemory()
    {
        FirstDevice();
        float[] values = NaiveReference.RandomArray(new Random(5), 2 * 3 * 7 * 5);
        using var tensor = new Tensor(Device.OpenCL(0), new TensorShape(2, 3, 7, 5));

        tensor.CopyFrom(values);
        var back = new float[values.Length];
        tensor.CopyTo(back);

        Assert.Equal(values, back);
        Assert.Equal(values, tensor.ToArray());
        using Tensor view = tensor.Reshape(6, 35);
        Assert.Equal(values, view.ToArray());
        Assert.Same(Device.OpenCL(0), view.Device);
    }

    [Fact]
    public void AsSpanOnADeviceTensorSaysWhereItLivesAndWhatToUse()
    {
        DeviceInfo info = FirstDevice();
        using var tensor = new Tensor(Device.OpenCL(0), new TensorShape(4));

        var e = Assert.Throws<InvalidOperationException>(() => tensor.AsSpan());

        Assert.Contains(info.Name, e.Message);
        Assert.Contains("CopyTo", e.Message);
        Assert.Contains("CopyFrom", e.Message);
    }
}
