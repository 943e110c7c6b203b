using CnnNative.Interop;

namespace CnnNative.Tests;

/// <summary>Caller mistakes become ArgumentException with expected and actual shapes, from C# and from native code.</summary>
public class ErrorMessageTests
{
    [Fact]
    public void Conv2dNamesExpectedAndActualShapes()
    {
        using var conv = new Conv2d(inChannels: 1, outChannels: 16, kernelSize: 3);

        var e = Assert.Throws<ArgumentException>(() => conv.OutputShape(new TensorShape(64, 3, 28, 28)));

        Assert.Equal("Conv2d expects input [N, 1, H, W]; got [64, 3, 28, 28] (channel count 3 != 1).", e.Message);
    }

    [Fact]
    public void Conv2dRejectsAnInputSmallerThanTheDilatedKernel()
    {
        // kernel 3 with dilation 2 spans 5 cells; a 4-wide input with no padding is too small.
        using var conv = new Conv2d(2, 4, kernelSize: 3, dilation: 2);

        var e = Assert.Throws<ArgumentException>(() => conv.OutputShape(new TensorShape(1, 2, 9, 4)));

        Assert.Contains("[1, 2, 9, 4]", e.Message);
        Assert.Contains("padded width 4 < kernel extent 5", e.Message);
    }

    [Fact]
    public void DenseAfterAnImageAsksForFlatten()
    {
        using var dense = new Dense(400, 10);

        var e = Assert.Throws<ArgumentException>(() => dense.OutputShape(new TensorShape(8, 16, 5, 5)));

        Assert.Equal("Dense expects input [N, 400]; got [8, 16, 5, 5] (rank 4 != 2; add a Flatten first).", e.Message);
    }

    [Fact]
    public void PoolingRejectsNonImages()
    {
        using var pool = new MaxPool2d(2);

        var e = Assert.Throws<ArgumentException>(() => pool.OutputShape(new TensorShape(8, 10)));

        Assert.Equal("MaxPool2d expects input [N, C, H, W]; got [8, 10] (rank 2 != 4).", e.Message);
    }

    [Fact]
    public void SequentialNamesTheLayerIndexTypeAndBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new Sequential(new TensorShape(3, 28, 28),
            new Conv2d(3, 8, 3), new ReLU(), new Conv2d(1, 16, 3)));

        // Layer 2 gets [N, 8, 26, 26] from conv 1 (28 - 3 + 1 = 26) but expects 1 channel.
        Assert.Contains("Layer 2 (conv2d_2 (Conv2d))", e.Message);
        Assert.Contains("[N, 8, 26, 26]", e.Message);
        Assert.Contains("[N, 1, H, W]", e.Message);
        Assert.Contains("channel count 8 != 1", e.Message);
    }

    [Fact]
    public void PredictNamesExpectedAndActualLengths()
    {
        using var model = new Sequential(new TensorShape(1, 28, 28), new Flatten(), new Dense(784, 10));

        var input = Assert.Throws<ArgumentException>(() => model.Predict(new float[780], new float[10]));
        var output = Assert.Throws<ArgumentException>(() => model.Predict(new float[784], new float[9]));
        var batch = Assert.Throws<ArgumentException>(() => model.Predict(new float[784], 2, new float[20]));

        Assert.Contains("784", input.Message);
        Assert.Contains("780", input.Message);
        Assert.Contains("10", output.Message);
        Assert.Contains("got 9", output.Message);
        Assert.Contains("1568", batch.Message); // 2 x 784
        Assert.Contains("got 784", batch.Message);
    }

    [Fact]
    public void ForwardNamesExpectedAndActualTensorShapes()
    {
        using var model = new Sequential(new TensorShape(1, 4, 4), new Flatten(), new Dense(16, 2));
        using var input = new Tensor(3, 1, 4, 5);
        using var output = new Tensor(3, 2);

        var e = Assert.Throws<ArgumentException>(() => model.Forward(input, output));

        Assert.Contains("[3, 1, 4, 4]", e.Message);
        Assert.Contains("[3, 1, 4, 5]", e.Message);
    }

    [Fact]
    public void PredictWithoutAnInputShapeExplainsWhatToDo()
    {
        using var model = new Sequential(new Dense(4, 2));

        var e = Assert.Throws<InvalidOperationException>(() => model.Predict(new float[4], new float[2]));

        Assert.Contains("Build", e.Message);
    }

    [Fact]
    public void NativeShapeMismatchBecomesArgumentExceptionWithNativeMessage()
    {
        // Bypass the C# shape checks and hand the native op a 3-channel input for 1-channel filters.
        using var conv = new Conv2d(inChannels: 1, outChannels: 2, kernelSize: 3);
        using var x = new Tensor(1, 3, 8, 8);
        using var y = new Tensor(1, 2, 6, 6);

        var e = Assert.Throws<ArgumentException>(() => conv.Forward(Device.Cpu, x, y));

        Assert.Contains("cnn_conv2d_forward", e.Message);
        Assert.Contains(NativeShape(1, 3, 8, 8), e.Message);
        Assert.Contains(NativeShape(2, 1, 3, 3), e.Message);
    }

    [Fact]
    public void NativeDenseOutputMismatchNamesTheShapes()
    {
        using var dense = new Dense(4, 3);
        using var x = new Tensor(2, 4);
        using var y = new Tensor(2, 5);

        var e = Assert.Throws<ArgumentException>(() => dense.Forward(Device.Cpu, x, y));

        Assert.Contains("cnn_dense_forward", e.Message);
        Assert.Contains(NativeShape(2, 5), e.Message);
    }

    [Fact]
    public void NativeStatusMappingGoesThroughCheck()
    {
        Native.Check(CnnStatus.Ok); // no exception

        // A negative window: the native library reports a shape mismatch, which Check turns into ArgumentException.
        unsafe
        {
            long size;
            var e = Assert.Throws<ArgumentException>(() =>
            {
                long s;
                Native.Check(NativeMethods.cnn_window_output_size(2, 5, 1, 0, 0, 1, &s));
            });
            Native.Check(NativeMethods.cnn_window_output_size(28, 5, 1, 0, 0, 1, &size));
            Assert.Equal(24, size); // (28 - 5) / 1 + 1
            Assert.Contains("cnn_window_output_size", e.Message);
        }
    }

    [Fact]
    public void LoadedLibraryMatchesTheBindings()
    {
        Assert.Equal(CnnLibrary.BindingsAbiVersion, CnnLibrary.AbiVersion);
        Assert.NotNull(CnnLibrary.LoadedFrom);
        Assert.Equal(Device.Cpu.Isa, CnnLibrary.ActiveIsa);
    }

    [Fact]
    public void AbiMismatchIsReportedWithBothVersions()
    {
        var e = Assert.Throws<CnnNativeException>(() => Native.VerifyAbi(native: 2, managed: 1));

        Assert.Equal(CnnStatus.Unsupported, e.Status);
        Assert.Contains("ABI 2", e.Message);
        Assert.Contains("ABI 1", e.Message);
    }

    /// <summary>The native library writes shapes without spaces: [1,3,8,8].</summary>
    private static string NativeShape(params int[] dims) => "[" + string.Join(",", dims) + "]";
}
