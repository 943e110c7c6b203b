namespace CnnNative.Training;

/// <summary>
/// The training loss became NaN or infinite. Fit stops at once without applying that batch's update; the
/// message names the epoch and batch, and checkpoints saved before stay as they were.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    internal TrainingDivergedException(int epoch, int batch, float loss, TrainingHistory history)
        : base($"Training diverged: the loss is {loss} at epoch {epoch}, batch {batch}. " +
               "Lower the learning rate or clip gradients (Optimizer.ClipGradientNorm); " +
               "checkpoints saved before this point are kept.")
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
        History = history;
    }

    /// <summary>The epoch (from 1) in which the loss stopped being finite.</summary>
    public int Epoch { get; }

    /// <summary>The batch (from 1) within that epoch.</summary>
    public int Batch { get; }

    /// <summary>The non-finite loss.</summary>
    public float Loss { get; }

    /// <summary>The epochs completed before.</summary>
    public TrainingHistory History { get; }
}
