namespace CnnNative.Tests;

/// <summary>Changes the shared CPU device's thread count, so it runs alone (after the parallel tests).</summary>
[CollectionDefinition(nameof(DeviceTests), DisableParallelization = true)]
public class DeviceTestsCollection;

[Collection(nameof(DeviceTests))]
public class DeviceTests
{
    [Fact]
    public void CpuIsOneSharedDeviceUsingEveryCoreByDefault()
    {
        Assert.Same(Device.Cpu, Device.Cpu);
        Assert.InRange(Device.Cpu.Threads, 1, 4096);
        Assert.Contains(Device.Cpu.Isa, new[] { "ref", "generic", "avx2", "avx512" });
        Assert.Contains(Device.Cpu.Isa, Device.Cpu.ToString());
    }

    [Fact]
    public void ThreadCountCanBeChangedAndResultsStayTheSame()
    {
        Device cpu = Device.Cpu;
        int original = cpu.Threads;
        using var model = new Sequential(new TensorShape(2, 16, 16), new Conv2d(2, 8, 3), new ReLU(), new Flatten(), new Dense(8 * 14 * 14, 5));
        float[] input = NaiveReference.RandomArray(new Random(3), 2 * 16 * 16);
        float[] expected = model.Predict(input);
        try
        {
            cpu.Threads = 1;
            Assert.Equal(1, cpu.Threads);
            NaiveReference.AssertClose(expected, model.Predict(input), "1 thread");

            cpu.Threads = 0; // one per logical core, which is the default
            Assert.Equal(original, cpu.Threads);
        }
        finally
        {
            cpu.Threads = original;
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => cpu.Threads = -1);
    }
}
