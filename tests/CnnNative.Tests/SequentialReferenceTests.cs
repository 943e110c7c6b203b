using static CnnNative.Tests.NaiveReference;

namespace CnnNative.Tests;

/// <summary>Whole models on random weights against <see cref="NaiveReference"/>, several seeds, batch 1 and 3.</summary>
public class SequentialReferenceTests
{
    public static TheoryData<int, int> SeedsAndBatches => new() { { 1, 1 }, { 1, 3 }, { 7, 1 }, { 7, 3 }, { 2024, 3 } };

    [Theory]
    [MemberData(nameof(SeedsAndBatches))]
    public void DeepModelWithOddSizesStridesAndPaddingMatchesNaiveForward(int seed, int batch)
    {
        // Per-sample shapes worked out by hand:
        // [3, 11, 13] conv (3x5, stride (2,1), pad (1,0,2,1), dilation (1,2)):
        //   OH = (11+1+0-1*2-1)/2+1 = 5, OW = (13+2+1-2*4-1)/1+1 = 8        -> [4, 5, 8]
        // maxpool 3, stride 2, pad 1: (5+2-3)/2+1 = 3, (8+2-3)/2+1 = 4    -> [4, 3, 4]
        // conv 3x3 pad 1                                                  -> [5, 3, 4]
        // avgpool 2, stride 1, pad 1: (3+2-2)+1 = 4, (4+2-2)+1 = 5        -> [5, 4, 5]
        // conv 1x1 (no bias)                                              -> [6, 4, 5] -> flatten [120]
        var conv1 = new Conv2d(3, 4, kernelSize: (3, 5), stride: (2, 1), padding: (1, 0, 2, 1), dilation: (1, 2));
        var conv2 = new Conv2d(4, 5, kernelSize: 3, padding: 1);
        var conv3 = new Conv2d(5, 6, kernelSize: 1, bias: false);
        var dense1 = new Dense(120, 7);
        var dense2 = new Dense(7, 5);
        using var model = new Sequential(new TensorShape(3, 11, 13),
            [
                conv1, new ReLU(), new MaxPool2d(3, stride: 2, padding: 1),
                conv2, new LeakyReLU(0.1f), new AvgPool2d(2, stride: 1, padding: 1),
                new ELU(0.7f), conv3, new Tanh(), new Flatten(), new Dropout(0.25f),
                dense1, new Sigmoid(), dense2, new Softmax(),
            ],
            seed: seed);
        var random = new Random(seed);
        RandomizeBiases(model, random);
        float[] input = RandomArray(random, batch * 3 * 11 * 13, -2f, 2f);

        var outputs = new float[batch * 5];
        model.Predict(input, batch, outputs);

        Nd x = new(input, [batch, 3, 11, 13]);
        x = Conv2d(x, conv1.Weight.ToArray(), conv1.Bias!.ToArray(), 4, 3, 5, strideH: 2, strideW: 1,
            padTop: 1, padBottom: 0, padLeft: 2, padRight: 1, dilationH: 1, dilationW: 2);
        x = Relu(x);
        x = Pool2d(x, max: true, kernel: 3, stride: 2, padding: 1);
        x = Conv2d(x, conv2.Weight.ToArray(), conv2.Bias!.ToArray(), 5, 3, 3, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1);
        x = LeakyRelu(x, 0.1f);
        x = Pool2d(x, max: false, kernel: 2, stride: 1, padding: 1, countIncludePad: false);
        x = Elu(x, 0.7f);
        x = Conv2d(x, conv3.Weight.ToArray(), null, 6, 1, 1);
        x = Tanh(x);
        x = Flatten(x); // dropout: identity at inference
        x = Dense(x, dense1.Weight.ToArray(), dense1.Bias!.ToArray(), 7);
        x = Sigmoid(x);
        x = Dense(x, dense2.Weight.ToArray(), dense2.Bias!.ToArray(), 5);
        x = Softmax(x);

        Assert.Equal(new TensorShape(5), model.OutputShape);
        Assert.Equal([batch, 5], x.Shape);
        AssertClose(x.Data, outputs, $"seed {seed}, batch {batch}");
    }

    [Theory]
    [MemberData(nameof(SeedsAndBatches))]
    public void GlobalPoolingModelMatchesNaiveForward(int seed, int batch)
    {
        // [2, 9, 7] conv 3x3 stride 2 pad 1: (9+2-3)/2+1 = 5, (7+2-3)/2+1 = 4 -> [3, 5, 4]
        // avgpool 3 stride 2 pad 1 (count padding): (5+2-3)/2+1 = 3, (4+2-3)/2+1 = 2 -> [3, 3, 2]
        // global average -> [3, 1, 1] -> flatten [3] -> dense [4] -> dense [2]
        var conv = new Conv2d(2, 3, kernelSize: 3, stride: 2, padding: 1);
        var dense1 = new Dense(3, 4);
        var dense2 = new Dense(4, 2);
        using var model = new Sequential(inputShape: null,
            [
                conv, new AvgPool2d(3, stride: 2, padding: 1, countIncludePad: true), new Tanh(),
                new GlobalAvgPool2d(), new Flatten(), dense1, new ReLU(), dense2, new Softmax(),
            ],
            seed: seed, device: Device.Cpu);
        model.Build(new TensorShape(2, 9, 7));
        var random = new Random(seed);
        RandomizeBiases(model, random);
        float[] input = RandomArray(random, batch * 2 * 9 * 7);

        var outputs = new float[batch * 2];
        model.Predict(input, batch, outputs);

        Nd x = new(input, [batch, 2, 9, 7]);
        x = Conv2d(x, conv.Weight.ToArray(), conv.Bias!.ToArray(), 3, 3, 3, strideH: 2, strideW: 2,
            padTop: 1, padBottom: 1, padLeft: 1, padRight: 1);
        x = Pool2d(x, max: false, kernel: 3, stride: 2, padding: 1, countIncludePad: true);
        x = Tanh(x);
        x = GlobalAvgPool2d(x);
        x = Flatten(x);
        x = Dense(x, dense1.Weight.ToArray(), dense1.Bias!.ToArray(), 4);
        x = Relu(x);
        x = Dense(x, dense2.Weight.ToArray(), dense2.Bias!.ToArray(), 2);
        x = Softmax(x);

        AssertClose(x.Data, outputs, $"seed {seed}, batch {batch}");
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(11, 3)]
    public void SoftmaxOverImageChannelsMatchesNaiveForward(int seed, int batch)
    {
        // [1, 6, 5] conv 2x2 dilation 2: (6-2-1)+1 = 4, (5-2-1)+1 = 3 -> [3, 4, 3]; softmax over the 3 channels.
        var conv = new Conv2d(1, 3, kernelSize: 2, dilation: 2);
        using var model = new Sequential(new TensorShape(1, 6, 5), [conv, new Softmax()], seed: seed);
        var random = new Random(seed);
        RandomizeBiases(model, random);
        float[] input = RandomArray(random, batch * 30, -3f, 3f);

        float[] outputs = model.Predict(input, batch);

        Nd x = Conv2d(new Nd(input, [batch, 1, 6, 5]), conv.Weight.ToArray(), conv.Bias!.ToArray(), 3, 2, 2,
            dilationH: 2, dilationW: 2);
        x = Softmax(x);
        Assert.Equal(new TensorShape(3, 4, 3), model.OutputShape);
        AssertClose(x.Data, outputs, $"seed {seed}, batch {batch}");
    }

    [Fact]
    public void BatchPredictionEqualsPerSamplePredictions()
    {
        using var model = new Sequential(new TensorShape(2, 8, 8),
            new Conv2d(2, 4, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Flatten(), new Dense(64, 3));
        float[] inputs = RandomArray(new Random(5), 4 * 128);

        float[] batched = model.Predict(inputs, batchSize: 4);

        for (int s = 0; s < 4; s++)
        {
            var single = new float[3];
            model.Predict(inputs.AsSpan(s * 128, 128), single);
            AssertClose(single, batched.AsSpan(s * 3, 3), $"sample {s}");
        }
    }

    [Fact]
    public void TensorForwardMatchesSpanPredict()
    {
        using var model = new Sequential(new Conv2d(1, 2, 3), new Tanh(), new Flatten(), new Dense(2 * 4 * 4, 3));
        float[] data = RandomArray(new Random(9), 2 * 36);
        using var input = Tensor.FromArray(data, 2, 1, 6, 6);

        using Tensor output = model.Forward(input); // builds the model from the tensor's shape

        Assert.Equal(new TensorShape(1, 6, 6), model.InputShape);
        Assert.Equal(new TensorShape(2, 3), output.Shape);
        Assert.Equal(model.Predict(data, batchSize: 2), output.ToArray());
    }

    private static void RandomizeBiases(Sequential model, Random random)
    {
        foreach (Layer layer in model.Layers)
        {
            Tensor? bias = layer switch { Conv2d c => c.Bias, Dense d => d.Bias, _ => null };
            bias?.CopyFrom(RandomArray(random, (int)bias.ElementCount, -0.5f, 0.5f));
        }
    }
}
