namespace CnnNative.Tests.Training;

/// <summary>Transfer learning: frozen layers keep their weights, ReplaceLayers swaps the head.</summary>
public class FreezeAndReplaceTests
{
    private static readonly float[] Input = NaiveReference.RandomArray(new Random(17), 4 * 2 * 6 * 6, -2f, 2f);
    private static readonly int[] Labels = [0, 1, 2, 1];

    private static Sequential CreateModel(out Conv2d conv, out BatchNorm2d bn, out Dense head, int seed = 5) =>
        new(new TensorShape(2, 6, 6),
            [
                conv = new Conv2d(2, 4, 3, padding: 1), bn = new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                new Flatten(), head = new Dense(4 * 3 * 3, 3), new Softmax(),
            ],
            seed: seed);

    private static float[] Values(Layer layer) => [.. layer.Parameters.SelectMany(p => p.Value.ToArray())];

    [Fact]
    public void FrozenLayersKeepBitIdenticalWeightsWhileOthersChange()
    {
        using Sequential model = CreateModel(out Conv2d conv, out BatchNorm2d bn, out Dense head);
        model.Compile(new Adam(0.01f), Loss.CrossEntropy);
        conv.Freeze();
        bn.Freeze();
        float[] convBefore = Values(conv), bnBefore = Values(bn), headBefore = Values(head);
        float[] runningMeanBefore = bn.RunningMean.ToArray();

        for (int i = 0; i < 3; i++) model.TrainBatch(Input, Labels);

        Assert.Equal(convBefore, Values(conv));
        Assert.Equal(bnBefore, Values(bn));
        Assert.NotEqual(headBefore, Values(head));
        Assert.NotEqual(runningMeanBefore, bn.RunningMean.ToArray()); // a frozen batch norm still follows the mode
        Assert.Null(model.Optimizer is Adam adam ? adam.StateOf(conv.Weight) : null);
    }

    [Fact]
    public void AFrozenHeadStillPassesGradientsToTheLayersBelow()
    {
        using Sequential model = CreateModel(out Conv2d conv, out _, out Dense head);
        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);
        head.Freeze();
        float[] convBefore = Values(conv), headBefore = Values(head);

        model.TrainBatch(Input, Labels);

        Assert.Equal(headBefore, Values(head));
        Assert.NotEqual(convBefore, Values(conv));

        head.Unfreeze();
        model.TrainBatch(Input, Labels);
        Assert.NotEqual(headBefore, Values(head));
    }

    [Fact]
    public void ReplaceLayersKeepsTheBodyAndReinfersShapes()
    {
        using Sequential model = CreateModel(out Conv2d conv, out BatchNorm2d bn, out Dense oldHead);
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        model.Compile(sgd, Loss.CrossEntropy);
        model.TrainBatch(Input, Labels);
        float[] convWeights = Values(conv), bnWeights = Values(bn);
        Tensor oldVelocity = sgd.StateOf(oldHead.Weight)![0];
        model.Predict(Input, 4, new float[12]); // a cached inference workspace of the old shape

        var newHead = new Dense(4 * 3 * 3, 5);
        model.ReplaceLayers(5, newHead, new Softmax());

        Assert.Same(conv, model.Layers[0]);
        Assert.Equal(convWeights, Values(conv));
        Assert.Equal(bnWeights, Values(bn));
        Assert.Equal(new TensorShape(5), model.OutputShape);
        Assert.Equal("dense_1", newHead.Name);
        Assert.True(oldHead.Weight.IsDisposed);
        Assert.True(oldVelocity.IsDisposed);
        Assert.Contains(newHead.Weight.ToArray(), v => v != 0);
        Assert.Equal(2, newHead.Gradients.Count); // the model is compiled: new layers get gradients

        var outputs = new float[4 * 5];
        model.Predict(Input, 4, outputs);
        Assert.Equal(4, outputs.Sum(), 1e-4); // softmax rows
        BatchResult result = model.TrainBatch(Input, [4, 3, 0, 1]);
        Assert.Equal(4, result.Count);
        Assert.NotEqual(convWeights, Values(conv));
    }

    [Fact]
    public void ReplaceLayersInitialisesTheHeadDeterministicallyFromTheSeed()
    {
        float[] Head(int seed)
        {
            using Sequential model = CreateModel(out _, out _, out _, seed);
            var head = new Dense(36, 2);
            model.ReplaceLayers(5, head);
            return head.Weight.ToArray();
        }

        Assert.Equal(Head(1), Head(1));
        Assert.NotEqual(Head(1), Head(2));
    }

    [Fact]
    public void AMismatchedHeadIsRejectedWithShapesAndTheModelIsUnchanged()
    {
        using Sequential model = CreateModel(out _, out _, out Dense head);
        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);
        var wrong = new Dense(40, 3);

        var e = Assert.Throws<ArgumentException>(() => model.ReplaceLayers(5, wrong));

        Assert.Contains("dense", e.Message);
        Assert.Contains("[N, 36]", e.Message);
        Assert.Contains("40", e.Message);
        Assert.Same(head, model.Layers[5]);
        Assert.False(head.Weight.IsDisposed);
        Assert.Equal(7, model.Layers.Count);
        model.TrainBatch(Input, Labels);
        using var again = new Sequential(new TensorShape(40), wrong); // the rejected layer is free again
    }

    [Fact]
    public void ReplaceLayersChecksItsArguments()
    {
        using Sequential model = CreateModel(out Conv2d conv, out _, out _);

        Assert.Throws<ArgumentOutOfRangeException>(() => model.ReplaceLayers(8, new ReLU()));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ReplaceLayers(-1, new ReLU()));
        Assert.Contains("already belongs to a model", Assert.Throws<ArgumentException>(() => model.ReplaceLayers(6, conv)).Message);
        model.Compile(new Sgd(0.1f), Loss.CrossEntropy);
        var e = Assert.Throws<InvalidOperationException>(() => model.ReplaceLayers(4));
        Assert.Contains("logits [N, classes]", e.Message); // [N, 4, 3, 3] is no classifier output
        model.ReplaceLayers(7, new Dropout(0.1f));  // appending works
        Assert.Equal(8, model.Layers.Count);
    }
}
