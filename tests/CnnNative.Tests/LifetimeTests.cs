namespace CnnNative.Tests;

public class LifetimeTests
{
    [Fact]
    public void DisposedModelThrowsAndDisposesItsLayers()
    {
        var conv = new Conv2d(1, 2, 3);
        var model = new Sequential(new TensorShape(1, 5, 5), conv, new Flatten());
        model.Predict(new float[25]);

        model.Dispose();
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(() => model.Predict(new float[25], new float[18]));
        Assert.Throws<ObjectDisposedException>(() => model.Predict(new float[25]));
        Assert.Throws<ObjectDisposedException>(() => model.Build(new TensorShape(1, 5, 5)));
        Assert.Throws<ObjectDisposedException>(() => conv.Weight.ToArray());
        Assert.True(conv.Weight.IsDisposed);
        Assert.True(conv.Bias!.IsDisposed);
    }

    [Fact]
    public void LayerDisposeTwiceIsFine()
    {
        var dense = new Dense(3, 2);
        dense.Dispose();
        dense.Dispose();

        Assert.Throws<ObjectDisposedException>(() => dense.Weight.AsSpan());
    }

    [Fact]
    public void LayerJoinsOnlyOneModel()
    {
        var dense = new Dense(3, 2);
        using var first = new Sequential(dense);

        var e = Assert.Throws<ArgumentException>(() => new Sequential(dense));

        Assert.Contains("already belongs to a model", e.Message);
    }

    [Fact]
    public void FailedConstructionReleasesTheLayersForReuse()
    {
        var conv = new Conv2d(1, 2, 3);
        Assert.Throws<ArgumentException>(() => new Sequential(new TensorShape(3, 8, 8), conv));

        using var model = new Sequential(new TensorShape(1, 8, 8), conv);

        Assert.Equal("conv2d_1", conv.Name);
        Assert.Equal(new TensorShape(2, 6, 6), model.OutputShape);
    }

    [Fact]
    public void DisposedLayerCannotJoinAModel()
    {
        var relu = new ReLU();
        relu.Dispose();

        Assert.Throws<ArgumentException>(() => new Sequential(relu));
    }

    [Fact]
    public void DuplicateNamesAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new Sequential(new ReLU { Name = "act" }, new Tanh { Name = "act" }));

        Assert.Contains("act", e.Message);
    }

    [Fact]
    public void BuildingForAnotherShapeIsRejected()
    {
        using var model = new Sequential(new TensorShape(4), new Dense(4, 2));

        model.Build(new TensorShape(4)); // same shape: nothing to do
        var e = Assert.Throws<InvalidOperationException>(() => model.Build(new TensorShape(5)));

        Assert.Contains("[N, 4]", e.Message);
        Assert.Contains("[N, 5]", e.Message);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1f)]
    [InlineData(float.NaN)]
    public void DropoutRateOutsideZeroToOneIsRejected(float rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(rate));
    }

    [Fact]
    public void InvalidLayerHyperparametersAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(0, 4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 4, 3, stride: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 4, (3, 3), padding: (0, -1, 0, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2d(2, padding: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AvgPool2d(3, stride: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(3, 0));
    }

    [Fact]
    public void FlattenAndDropoutOutputsAreViewsOfTheirInputs()
    {
        // A workspace for [Flatten, Dropout]: writing the input must show in the output with no forward call.
        Layer[] layers = [new Flatten(), new Dropout(0.5f)];
        TensorShape[] shapes = [new(2, 3), new(6), new(6)];
        using var workspace = new Workspace(Device.Cpu, layers, shapes, batchSize: 2);

        workspace.Input.AsSpan()[7] = 5f;

        Assert.Equal(new TensorShape(2, 6), workspace.Output.Shape);
        Assert.Equal(5f, workspace.Output.AsSpan()[7]);
    }
}
