namespace CnnNative.Benchmarks;

/// <summary>
/// The reference network of src/CnnNative.Cli/ReferenceNetwork.cs ("reference" architecture; that class is
/// internal to the CLI): conv 5x5x32 pad 2, ReLU, max pool 2, conv 5x5x64 pad 2, ReLU, max pool 2, flatten,
/// dense 3136→1024, ReLU, dropout 0.4, dense 1024→10, on 1x28x28 images. Keep the two in step;
/// bench/native/bench_network.cpp issues the same native calls.
/// </summary>
internal static class ReferenceModel
{
    public static readonly TensorShape InputShape = new(1, 28, 28);

    public const int Classes = 10;

    public static Sequential Create() => new(InputShape,
        new Conv2d(inChannels: 1, outChannels: 32, kernelSize: 5, padding: 2),
        new ReLU(),
        new MaxPool2d(kernelSize: 2),
        new Conv2d(inChannels: 32, outChannels: 64, kernelSize: 5, padding: 2),
        new ReLU(),
        new MaxPool2d(kernelSize: 2),
        new Flatten(),
        new Dense(inFeatures: 3136, outFeatures: 1024),
        new ReLU(),
        new Dropout(rate: 0.4f),
        new Dense(inFeatures: 1024, outFeatures: Classes));
}
