using CnnNative.Interop;

namespace CnnNative.Tests;

public class TensorTests
{
    [Fact]
    public void NewTensorIsZeroFilledOnTheCpu()
    {
        using var tensor = new Tensor(2, 3, 4);

        Assert.Equal(new TensorShape(2, 3, 4), tensor.Shape);
        Assert.Equal(24, tensor.ElementCount);
        Assert.Same(Device.Cpu, tensor.Device);
        Assert.All(tensor.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void CopyFromThenCopyToRoundTrips()
    {
        float[] data = [1.5f, -2, 3, float.MaxValue, float.Epsilon, -0f];
        using var tensor = new Tensor(new TensorShape(2, 3));

        tensor.CopyFrom(data);
        var back = new float[6];
        tensor.CopyTo(back);

        Assert.Equal(data, back);
        Assert.Equal(data, tensor.ToArray());
    }

    [Fact]
    public void FromArrayCopiesTheData()
    {
        float[] data = [1, 2, 3, 4];
        using var tensor = Tensor.FromArray(data, 2, 2);
        data[0] = 100;

        Assert.Equal([1f, 2, 3, 4], tensor.ToArray());
    }

    [Fact]
    public void AsSpanIsTheTensorsOwnMemory()
    {
        using var tensor = new Tensor(3);

        tensor.AsSpan()[1] = 7;
        float[] afterSpanWrite = tensor.ToArray();
        tensor.CopyFrom([4f, 5f, 6f]);

        Assert.Equal([0f, 7f, 0f], afterSpanWrite);
        Assert.Equal([4f, 5f, 6f], tensor.AsSpan().ToArray());
    }

    [Fact]
    public void ReshapeIsAViewSharingMemory()
    {
        using var tensor = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        using Tensor view = tensor.Reshape(3, 2);

        view.AsSpan()[0] = 42;
        tensor.AsSpan()[5] = -1;

        Assert.Equal(new TensorShape(3, 2), view.Shape);
        Assert.Equal([42f, 2, 3, 4, 5, -1], tensor.ToArray());
        Assert.Equal([42f, 2, 3, 4, 5, -1], view.ToArray());
    }

    [Fact]
    public void ViewKeepsTheStorageAliveAfterTheOriginalIsDisposed()
    {
        var tensor = Tensor.FromArray([1, 2, 3, 4], 4);
        using Tensor view = tensor.Reshape(2, 2);

        tensor.Dispose();

        Assert.Equal([1f, 2, 3, 4], view.ToArray());
    }

    [Fact]
    public void ReshapeToAnotherElementCountNamesBothShapes()
    {
        using var tensor = new Tensor(2, 3);

        var e = Assert.Throws<ArgumentException>(() => tensor.Reshape(4, 2));

        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 2]", e.Message);
    }

    [Fact]
    public void LengthMismatchNamesBothLengthsAndTheShape()
    {
        using var tensor = new Tensor(2, 3);

        var from = Assert.Throws<ArgumentException>(() => tensor.CopyFrom(new float[5]));
        var to = Assert.Throws<ArgumentException>(() => tensor.CopyTo(new float[7]));
        var array = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[5], 2, 3));

        foreach (var (e, length) in new[] { (from, "5"), (to, "7"), (array, "5") })
        {
            Assert.Contains(length, e.Message);
            Assert.Contains("6", e.Message);
            Assert.Contains("[2, 3]", e.Message);
        }
    }

    [Fact]
    public void DisposeTwiceIsFineAndUseAfterDisposeThrows()
    {
        var tensor = new Tensor(4);
        tensor.Dispose();
        tensor.Dispose();

        Assert.True(tensor.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => tensor.AsSpan());
        Assert.Throws<ObjectDisposedException>(() => tensor.ToArray());
        Assert.Throws<ObjectDisposedException>(() => tensor.CopyFrom(new float[4]));
        Assert.Throws<ObjectDisposedException>(() => tensor.CopyTo(new float[4]));
        Assert.Throws<ObjectDisposedException>(() => tensor.Reshape(2, 2));
        Assert.Equal(new TensorShape(4), tensor.Shape); // metadata stays readable
    }

    [Fact]
    public void HugeTensorFailsWithOutOfMemoryFromNative()
    {
        // 2^20 * 2^20 * 2^10 floats = 2^52 bytes: more than any address space, so the native allocation fails.
        var e = Assert.Throws<CnnNativeException>(() => new Tensor(1 << 20, 1 << 20, 1 << 10));

        Assert.Equal(CnnStatus.OutOfMemory, e.Status);
        Assert.Contains("cnn_tensor_create", e.Message);
    }
}
