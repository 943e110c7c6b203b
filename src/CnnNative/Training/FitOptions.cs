using CnnNative.Data;

namespace CnnNative.Training;

/// <summary>How <see cref="Sequential.Fit"/> trains.</summary>
public sealed class FitOptions
{
    /// <summary>Passes over the training set (at least 1).</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Samples per batch (at least 1).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>A validation set evaluated after every epoch.</summary>
    public Dataset? Validation { get; init; }

    /// <summary>When <see cref="Validation"/> is null: the fraction of the training set held out (seeded), 0 for none.</summary>
    public double ValidationSplit { get; init; }

    /// <summary>Shuffle the training set each epoch (seeded by <see cref="Seed"/> and the epoch).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of shuffling, augmentation and the validation split; null uses the model's seed.</summary>
    public int? Seed { get; init; }

    /// <summary>Augmentation applied to training batches only.</summary>
    public Augmentation? Augmentation { get; init; }

    /// <summary>Callbacks run in order: early stopping, checkpoints, your own.</summary>
    public IReadOnlyList<TrainingCallback> Callbacks { get; init; } = [];

    /// <summary>Called after every batch (e.g. to drive a progress bar).</summary>
    public Action<BatchProgress>? OnBatch { get; init; }

    /// <summary>Called after every epoch with its metrics.</summary>
    public Action<EpochMetrics>? OnEpoch { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        if (!(ValidationSplit >= 0 && ValidationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(ValidationSplit), ValidationSplit,
                "ValidationSplit must be in [0, 1).");
        if (Validation is not null && ValidationSplit > 0)
            throw new ArgumentException("Give either FitOptions.Validation or FitOptions.ValidationSplit, not both.");
    }
}
