namespace CnnNative.Data;

/// <summary>
/// A data set's training and test parts, as the loaders return them. <see cref="Normalization"/> is the
/// standardisation that was applied to both (after byte / 255), with its numbers; apply the same to new
/// pictures before predicting.
/// </summary>
/// <param name="Train">The training samples.</param>
/// <param name="Test">The held-out test samples.</param>
public sealed record DatasetSplit(Dataset Train, Dataset Test)
{
    /// <summary>The standardisation applied to both parts (<see cref="Data.Normalization.None"/> if none).</summary>
    public Normalization Normalization { get; init; } = Normalization.None;
}
