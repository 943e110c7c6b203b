namespace CnnNative.Training;

/// <summary>
/// Hooks into <see cref="Sequential.Fit"/>. Override what you need; every hook runs on the training thread
/// between batches. Set <see cref="TrainingControl.StopTraining"/> to end training after the current epoch.
/// </summary>
public abstract class TrainingCallback
{
    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin(Sequential model) { }

    /// <summary>After every training batch.</summary>
    public virtual void OnBatchEnd(Sequential model, BatchProgress progress, TrainingControl control) { }

    /// <summary>After every epoch, with its metrics (validation included when there is a validation set).</summary>
    public virtual void OnEpochEnd(Sequential model, EpochMetrics metrics, TrainingControl control) { }

    /// <summary>After the last epoch, or after a callback stopped training; not after an exception.</summary>
    public virtual void OnTrainEnd(Sequential model, TrainingHistory history) { }
}

/// <summary>Lets callbacks stop training.</summary>
public sealed class TrainingControl
{
    /// <summary>Set to end training after the current epoch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>Why training stopped early, shown in <see cref="TrainingHistory.StopReason"/>.</summary>
    public string? StopReason { get; set; }
}
