namespace CnnNative.Training;

/// <summary>What one epoch of <see cref="Sequential.Fit"/> measured. Validation values are null without a
/// validation set. Epochs count from 1.</summary>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double LearningRate,
    double Seconds,
    double ImagesPerSecond)
{
    /// <summary>The value a callback monitors: "loss", "accuracy", "val_loss" or "val_accuracy".</summary>
    /// <exception cref="ArgumentException">An unknown name, or a validation metric without a validation set.</exception>
    public double Get(string metric) => metric switch
    {
        "loss" => TrainLoss,
        "accuracy" => TrainAccuracy,
        "val_loss" => ValidationLoss ?? throw NoValidation(metric),
        "val_accuracy" => ValidationAccuracy ?? throw NoValidation(metric),
        _ => throw new ArgumentException(
            $"Unknown metric '{metric}'; use loss, accuracy, val_loss or val_accuracy.", nameof(metric)),
    };

    /// <summary>True when a larger value of <paramref name="metric"/> is better (the accuracies).</summary>
    public static bool HigherIsBetter(string metric) => metric.EndsWith("accuracy", StringComparison.Ordinal);

    private static InvalidOperationException NoValidation(string metric) =>
        new($"'{metric}' needs a validation set: pass FitOptions.Validation or FitOptions.ValidationSplit.");
}
