using System.Diagnostics;
using CnnNative.Data;
using CnnNative.Training;

namespace CnnNative;

// Fit and Evaluate: epochs of mini-batches from a BatchLoader (shuffled, augmented and prefetched on a
// background thread), one TrainBatch per batch, validation and callbacks after each epoch.
public sealed partial class Sequential
{
    /// <summary>
    /// Trains the compiled model on <paramref name="train"/> and returns the per-epoch history.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    /// <exception cref="ArgumentException">The data's sample shape or class count does not fit the model.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite (names epoch and batch).</exception>
    public TrainingHistory Fit(Dataset train, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new FitOptions();
        options.Validate();
        if (Optimizer is null || Loss is null)
            throw new InvalidOperationException("Call Compile(optimizer, loss) before Fit.");
        int seed = options.Seed ?? Seed;
        Dataset? validation = options.Validation;
        if (validation is null && options.ValidationSplit > 0)
            (train, validation) = train.Split(options.ValidationSplit, seed);
        CheckData(train);
        if (validation is not null) CheckData(validation);

        var history = new TrainingHistory();
        var control = new TrainingControl();
        foreach (TrainingCallback callback in options.Callbacks) callback.OnTrainBegin(this);
        var total = Stopwatch.StartNew();
        using var loader = new BatchLoader(train, options.BatchSize, options.Shuffle, seed, options.Augmentation);
        for (int epoch = 1; epoch <= options.Epochs && !control.StopTraining; epoch++)
        {
            EpochMetrics metrics = RunEpoch(loader, epoch, options, validation, control, history);
            history.Add(metrics);
            options.OnEpoch?.Invoke(metrics);
            foreach (TrainingCallback callback in options.Callbacks) callback.OnEpochEnd(this, metrics, control);
        }
        Eval();
        history.StopReason = control.StopReason;
        history.TotalSeconds = total.Elapsed.TotalSeconds;
        foreach (TrainingCallback callback in options.Callbacks) callback.OnTrainEnd(this, history);
        return history;
    }

    /// <summary>Loss, accuracy and confusion matrix of the model on <paramref name="data"/> (inference mode).</summary>
    /// <exception cref="InvalidOperationException">The model is not compiled (the loss decides the metric).</exception>
    public EvaluationResult Evaluate(Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (Loss is null) throw new InvalidOperationException("Call Compile(optimizer, loss) before Evaluate.");
        CheckData(data);
        int classes = data.ClassCount;
        var confusion = new int[classes, classes];
        var logits = new float[Math.Min(batchSize, Math.Max(data.Count, 1)) * classes];
        double lossSum = 0;
        int correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            ReadOnlySpan<int> labels = data.Labels.Slice(start, count);
            BatchResult result = EvaluateBatch(
                data.Images.Slice(start * data.SampleSize, count * data.SampleSize), labels,
                logits.AsSpan(0, count * classes));
            lossSum += (double)result.Loss * count;
            correct += result.Correct;
            for (int i = 0; i < count; i++)
                confusion[labels[i], ArgMax(logits.AsSpan(i * classes, classes))]++;
        }
        return new EvaluationResult(data.Count == 0 ? 0 : lossSum / data.Count, correct, data.Count, confusion);
    }

    private EpochMetrics RunEpoch(BatchLoader loader, int epoch, FitOptions options, Dataset? validation,
        TrainingControl control, TrainingHistory history)
    {
        Train();
        var watch = Stopwatch.StartNew();
        double lossSum = 0;
        long correct = 0, seen = 0;
        int batchIndex = 0;
        double learningRate = Optimizer!.CurrentLearningRate;
        foreach (Batch batch in loader.Epoch(epoch))
        {
            batchIndex++;
            learningRate = Optimizer.CurrentLearningRate;
            BatchResult result = TrainBatch(batch.Inputs, batch.Labels);
            if (!float.IsFinite(result.Loss))
            {
                Eval();
                throw new TrainingDivergedException(epoch, batchIndex, result.Loss, history);
            }
            lossSum += (double)result.Loss * result.Count;
            correct += result.Correct;
            seen += result.Count;
            var progress = new BatchProgress(epoch, options.Epochs, batchIndex, loader.BatchesPerEpoch,
                lossSum / seen, (double)correct / seen, seen / watch.Elapsed.TotalSeconds, learningRate);
            options.OnBatch?.Invoke(progress);
            foreach (TrainingCallback callback in options.Callbacks) callback.OnBatchEnd(this, progress, control);
        }
        watch.Stop();
        double seconds = watch.Elapsed.TotalSeconds;
        double? validationLoss = null, validationAccuracy = null;
        if (validation is not null)
        {
            EvaluationResult result = Evaluate(validation, Math.Max(options.BatchSize, 256));
            validationLoss = result.Loss;
            validationAccuracy = result.Accuracy;
        }
        return new EpochMetrics(epoch, seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double)correct / seen,
            validationLoss, validationAccuracy, learningRate, seconds, seen / Math.Max(seconds, 1e-9));
    }

    private void CheckData(Dataset data)
    {
        if (IsBuilt && data.SampleShape != InputShape)
            throw new ArgumentException(
                $"{data.Name} has samples of shape {data.SampleShape}, but the model takes {InputShape}.");
        if (!IsBuilt) Build(data.SampleShape);
        if (OutputShape.ElementCount != data.ClassCount)
            throw new ArgumentException(
                $"{data.Name} has {data.ClassCount} classes, but the model outputs {OutputShape.ElementCount} values per sample.");
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
