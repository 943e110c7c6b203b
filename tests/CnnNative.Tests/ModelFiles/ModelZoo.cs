namespace CnnNative.Tests.ModelFiles;

/// <summary>Models used by the model file tests.</summary>
internal static class ModelZoo
{
    /// <summary>Per-sample input shape of <see cref="EveryLayer"/>.</summary>
    public static readonly TensorShape EveryLayerInput = new(2, 12, 12);

    /// <summary>
    /// One of every layer type with non-default settings:
    /// [2, 12, 12] conv 3x3 pad (1,0,2,1)        -> [4, 11, 13]
    /// max-pool 2, stride 2, pad 1                -> [4, 6, 7]
    /// conv 3x3 pad 1 dilation 2, no bias         -> [6, 4, 5]
    /// avg-pool 2, stride 1, pad 1, count pad     -> [6, 5, 6] -> ... -> batch norm (6 channels)
    /// global avg-pool                            -> [6, 1, 1] -> flatten [6] -> dense [5] -> softmax
    /// The stem is frozen, so the frozen flag travels too.
    /// </summary>
    public static Sequential EveryLayer(int seed = 7)
    {
        var stem = new Conv2d(2, 4, kernelSize: (3, 3), stride: (1, 1), padding: (1, 0, 2, 1)) { Name = "stem" };
        stem.Freeze();
        return new Sequential(EveryLayerInput,
            [
                stem, new LeakyReLU(0.2f), new MaxPool2d(2, stride: 2, padding: 1),
                new Conv2d(4, 6, kernelSize: 3, padding: 1, dilation: 2, bias: false), new ELU(0.7f),
                new AvgPool2d(2, stride: 1, padding: 1, countIncludePad: true), new Tanh(), new Sigmoid(), new ReLU(),
                new Dropout(0.25f), new AvgPool2d(1), new BatchNorm2d(6, momentum: 0.2f, epsilon: 1e-3f), new GlobalAvgPool2d(), new Flatten(), new Dense(6, 5), new Softmax(),
            ],
            seed: seed);
    }

    /// <summary>
    /// Fills every bias, batch-norm scale and buffer with random values (variances positive), so they take
    /// part in the comparisons instead of sitting at their 0 / 1 defaults.
    /// </summary>
    public static void RandomizeState(Sequential model, int seed)
    {
        var random = new Random(seed);
        foreach (Layer layer in model.Layers)
        {
            bool batchNorm = layer is BatchNorm2d;
            foreach (NamedTensor t in layer.Parameters.Concat(layer.Buffers))
            {
                if (t.Name == "weight" && !batchNorm) continue;
                double low = t.Name == "running_var" ? 0.5 : -0.5;
                Span<float> values = t.Value.AsSpan();
                for (int i = 0; i < values.Length; i++) values[i] = (float)(low + random.NextDouble());
            }
        }
    }

    public static float[] RandomInput(int count, int seed)
    {
        var random = new Random(seed);
        var input = new float[count];
        for (int i = 0; i < count; i++) input[i] = (float)(random.NextDouble() * 4 - 2);
        return input;
    }

    /// <summary>The bits of every parameter and buffer, by full name.</summary>
    public static Dictionary<string, int[]> Bits(Sequential model)
    {
        var result = new Dictionary<string, int[]>();
        foreach (Layer layer in model.Layers)
            foreach (NamedTensor t in layer.Parameters.Concat(layer.Buffers))
                result[$"{layer.Name}.{t.Name}"] = [.. t.Value.ToArray().Select(BitConverter.SingleToInt32Bits)];
        return result;
    }
}
