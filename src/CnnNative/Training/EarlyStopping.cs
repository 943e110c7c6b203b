namespace CnnNative.Training;

/// <summary>
/// Stops training when <see cref="Monitor"/> has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> epochs in a row.
/// </summary>
public sealed class EarlyStopping : TrainingCallback
{
    private double _best;
    private int _epochsWithoutImprovement;

    /// <param name="monitor">"val_loss" (default), "val_accuracy", "loss" or "accuracy".</param>
    /// <param name="patience">Epochs without improvement before stopping (at least 1).</param>
    /// <param name="minDelta">The smallest change that counts as an improvement (at least 0).</param>
    public EarlyStopping(string monitor = "val_loss", int patience = 3, double minDelta = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(minDelta);
        _ = new EpochMetrics(0, 0, 0, 0, 0, 0, 0, 0).Get(monitor); // validates the name
        Monitor = monitor;
        Patience = patience;
        MinDelta = minDelta;
    }

    /// <summary>The metric watched.</summary>
    public string Monitor { get; }

    /// <summary>Epochs without improvement tolerated.</summary>
    public int Patience { get; }

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta { get; }

    /// <summary>The epoch with the best value so far (0 before the first).</summary>
    public int BestEpoch { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(Sequential model)
    {
        _best = EpochMetrics.HigherIsBetter(Monitor) ? double.NegativeInfinity : double.PositiveInfinity;
        _epochsWithoutImprovement = 0;
        BestEpoch = 0;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(Sequential model, EpochMetrics metrics, TrainingControl control)
    {
        double value = metrics.Get(Monitor);
        bool improved = EpochMetrics.HigherIsBetter(Monitor) ? value > _best + MinDelta : value < _best - MinDelta;
        if (improved)
        {
            _best = value;
            BestEpoch = metrics.Epoch;
            _epochsWithoutImprovement = 0;
            return;
        }
        if (++_epochsWithoutImprovement < Patience) return;
        control.StopTraining = true;
        control.StopReason =
            $"early stopping: {Monitor} did not improve for {Patience} epochs (best {_best:G5} at epoch {BestEpoch})";
    }
}
