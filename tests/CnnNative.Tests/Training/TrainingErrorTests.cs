namespace CnnNative.Tests.Training;

/// <summary>Caller mistakes in the training API give exceptions that say what to do, with the numbers.</summary>
public class TrainingErrorTests
{
    private static Sequential Model() => new(new TensorShape(1, 4, 4), new Flatten(), new Dense(16, 3));

    [Fact]
    public void TrainBatchBeforeCompileSaysToCompile()
    {
        using Sequential model = Model();

        var train = Assert.Throws<InvalidOperationException>(() => model.TrainBatch(new float[16], [0]));
        var gradients = Assert.Throws<InvalidOperationException>(() => model.ComputeGradients(new float[16], [0], out _));

        Assert.Contains("call Compile(optimizer, loss) first", train.Message);
        Assert.Contains("call Compile(optimizer, loss) first", gradients.Message);
        Assert.Null(model.Optimizer);
        Assert.Null(model.Loss);
    }

    [Fact]
    public void WrongInputLengthNamesBothNumbers()
    {
        using Sequential model = Model();
        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);

        var e = Assert.Throws<ArgumentException>(() => model.TrainBatch(new float[40], [0, 1, 2]));
        var eval = Assert.Throws<ArgumentException>(() => model.EvaluateBatch(new float[16], [0, 1]));

        Assert.Contains("48", e.Message);       // 3 labels x 16
        Assert.Contains("got 40", e.Message);
        Assert.Contains("3 labels", e.Message);
        Assert.Contains("32", eval.Message);
        Assert.Contains("got 16", eval.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void LabelsOutOfRangeAreRejectedBeforeAnythingChanges(int bad)
    {
        using Sequential model = Model();
        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);
        float[] before = ((Dense)model.Layers[1]).Weight.ToArray();

        var e = Assert.Throws<ArgumentException>(() => model.TrainBatch(new float[32], [0, bad]));

        Assert.Contains($"labels[1] = {bad} is outside [0, 3)", e.Message);
        Assert.Equal(before, ((Dense)model.Layers[1]).Weight.ToArray());
        Assert.Equal(0, model.Optimizer!.Step);
        Assert.Contains("outside [0, 3)", Assert.Throws<ArgumentException>(() => model.EvaluateBatch(new float[16], [bad])).Message);
    }

    [Fact]
    public void EmptyBatchesAndWrongLogitSpansAreRejected()
    {
        using Sequential model = Model();
        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);

        Assert.Contains("at least one label", Assert.Throws<ArgumentException>(() => model.TrainBatch([], [])).Message);
        var e = Assert.Throws<ArgumentException>(() => model.EvaluateBatch(new float[32], [0, 1], new float[5]));
        Assert.Contains("6 logits", e.Message);
        Assert.Contains("got 5", e.Message);
    }

    [Fact]
    public void CompileRejectsNonClassifierOutputsAndSharedOptimizers()
    {
        using var image = new Sequential(new TensorShape(1, 4, 4), new Conv2d(1, 2, 3));
        var e = Assert.Throws<InvalidOperationException>(() => image.Compile(new Sgd(0.1f), Loss.CrossEntropy));
        Assert.Contains("[N, 2, 2, 2]", e.Message);
        Assert.Contains("Flatten", e.Message);

        using Sequential first = Model(), second = Model();
        var sgd = new Sgd(0.1f);
        first.Compile(sgd, Loss.CrossEntropy);
        Assert.Contains("another model", Assert.Throws<ArgumentException>(() => second.Compile(sgd, Loss.CrossEntropy)).Message);
        first.Compile(sgd, Loss.CrossEntropyWithLabelSmoothing(0.2f)); // the same optimizer again is fine
        Assert.Equal(0.2f, first.Loss!.LabelSmoothing);
    }

    [Fact]
    public void RecompilingWithAnotherOptimizerDisposesThePreviousOne()
    {
        using Sequential model = Model();
        var first = new Sgd(0.1f, momentum: 0.9f);
        model.Compile(first, Loss.CrossEntropy);
        model.TrainBatch(new float[16], [1]);
        Tensor velocity = first.StateOf(((Dense)model.Layers[1]).Weight)![0];

        model.Compile(new Adam(), Loss.CrossEntropy);

        Assert.True(velocity.IsDisposed);
        Assert.IsType<Adam>(model.Optimizer);
    }

    [Fact]
    public void TrainingWithoutAnInputShapeSaysToBuild()
    {
        using var model = new Sequential(new Dense(4, 2));
        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);

        Assert.Contains("Build", Assert.Throws<InvalidOperationException>(() => model.TrainBatch(new float[4], [0])).Message);
    }

    [Fact]
    public void LossArgumentsAreValidated()
    {
        Assert.Equal(0f, Loss.CrossEntropy.LabelSmoothing);
        Assert.Same(Loss.CrossEntropy, Loss.CrossEntropyWithLabelSmoothing(0f));
        Assert.Contains("[0, 1); got 1", Assert.Throws<ArgumentOutOfRangeException>(() => Loss.CrossEntropyWithLabelSmoothing(1f)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.CrossEntropyWithLabelSmoothing(float.NaN));
    }

    [Fact]
    public void DisposedModelRefusesToTrain()
    {
        Sequential model = Model();
        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(() => model.TrainBatch(new float[16], [0]));
        Assert.Throws<ObjectDisposedException>(() => model.Compile(new Sgd(0.1f), Loss.CrossEntropy));
    }
}
