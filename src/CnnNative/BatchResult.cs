namespace CnnNative;

/// <summary>The outcome of one <see cref="Sequential.TrainBatch"/> or <see cref="Sequential.EvaluateBatch"/> call.</summary>
/// <param name="Loss">The mean loss over the batch; NaN or infinite when training diverged (the update was then skipped).</param>
/// <param name="Correct">Samples whose largest logit is their label.</param>
/// <param name="Count">Samples in the batch.</param>
public readonly record struct BatchResult(float Loss, int Correct, int Count)
{
    /// <summary>Correct / Count, or 0 for an empty result.</summary>
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
}
