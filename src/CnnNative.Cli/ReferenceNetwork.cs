using CnnNative;

namespace CnnNative.Cli;

/// <summary>
/// The networks `cnn` builds. "reference" is the Fashion-MNIST benchmark table's network: conv 5x5x32 pad 2,
/// ReLU, max pool 2, conv 5x5x64 pad 2, ReLU, max pool 2, dense 3136→1024, ReLU, dropout 0.4, dense 1024→10.
/// "bn" adds batch normalisation after each convolution.
/// </summary>
internal static class ReferenceNetwork
{
    public static readonly TensorShape InputShape = new(1, 28, 28);

    public static readonly string[] Architectures = ["reference", "bn"];

    public static Sequential Create(string architecture = "reference", int seed = 42, Device? device = null)
    {
        bool bn = architecture switch
        {
            "reference" => false,
            "bn" => true,
            _ => throw new ArgumentException(
                $"Unknown architecture '{architecture}'; choose {string.Join(" or ", Architectures)}."),
        };
        var layers = new List<Layer> { new Conv2d(inChannels: 1, outChannels: 32, kernelSize: 5, padding: 2, bias: !bn) };
        if (bn) layers.Add(new BatchNorm2d(32));
        layers.AddRange([new ReLU(), new MaxPool2d(kernelSize: 2),
            new Conv2d(inChannels: 32, outChannels: 64, kernelSize: 5, padding: 2, bias: !bn)]);
        if (bn) layers.Add(new BatchNorm2d(64));
        layers.AddRange([new ReLU(), new MaxPool2d(kernelSize: 2), new Flatten(),
            new Dense(inFeatures: 3136, outFeatures: 1024), new ReLU(), new Dropout(rate: 0.4f),
            new Dense(inFeatures: 1024, outFeatures: 10)]);
        return new Sequential(InputShape, layers, seed, device);
    }

    /// <summary>Multiply-accumulates of one forward pass of one image (convolutions and dense layers).</summary>
    public static long MacsPerImage()
    {
        long conv1 = 32L * 28 * 28 * (1 * 5 * 5);
        long conv2 = 64L * 14 * 14 * (32 * 5 * 5);
        long dense1 = 3136L * 1024;
        long dense2 = 1024L * 10;
        return conv1 + conv2 + dense1 + dense2;
    }
}
