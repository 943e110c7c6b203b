namespace CnnNative.Training;

/// <summary>
/// Saves the model to <see cref="Path"/> after each epoch whose <see cref="Monitor"/> value is the best so
/// far (or after every epoch when <c>saveBestOnly</c> is false). Saving is atomic, so a crash, a full disk
/// or a diverging epoch (a NaN is never "best") leaves the last good checkpoint in place.
/// </summary>
public sealed class ModelCheckpoint : TrainingCallback
{
    private double _best;

    /// <param name="path">The model file to write.</param>
    /// <param name="monitor">"val_accuracy" (default), "val_loss", "accuracy" or "loss".</param>
    /// <param name="saveBestOnly">Save only on improvement (default) or after every epoch.</param>
    public ModelCheckpoint(string path, string monitor = "val_accuracy", bool saveBestOnly = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _ = new EpochMetrics(0, 0, 0, 0, 0, 0, 0, 0).Get(monitor); // validates the name
        Path = path;
        Monitor = monitor;
        SaveBestOnly = saveBestOnly;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>The metric that decides which epoch is best.</summary>
    public string Monitor { get; }

    /// <summary>Whether only improving epochs are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>The epoch last saved (0 before any).</summary>
    public int SavedEpoch { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(Sequential model)
    {
        _best = EpochMetrics.HigherIsBetter(Monitor) ? double.NegativeInfinity : double.PositiveInfinity;
        SavedEpoch = 0;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(Sequential model, EpochMetrics metrics, TrainingControl control)
    {
        double value = metrics.Get(Monitor);
        if (!double.IsFinite(value)) return;
        bool improved = EpochMetrics.HigherIsBetter(Monitor) ? value > _best : value < _best;
        if (SaveBestOnly && !improved) return;
        if (improved) _best = value;
        model.Save(Path);
        SavedEpoch = metrics.Epoch;
    }
}
