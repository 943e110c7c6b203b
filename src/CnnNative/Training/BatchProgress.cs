namespace CnnNative.Training;

/// <summary>Progress after one training batch: running means over the epoch so far.</summary>
public readonly record struct BatchProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int BatchesPerEpoch,
    double Loss,
    double Accuracy,
    double ImagesPerSecond,
    double LearningRate);
