using CnnNative.Data;
using CnnNative.Training;
using Spectre.Console;

namespace CnnNative.Cli;

/// <summary>Runs Fit under a Spectre.Console progress bar (one bar per epoch with loss, accuracy and
/// images/s), and prints one summary line per epoch so logs of non-interactive runs keep the numbers.</summary>
internal static class TrainingProgress
{
    public static TrainingHistory Run(Sequential model, Dataset train, FitOptions options)
    {
        TrainingHistory? history = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask? task = null;
                int taskEpoch = 0;
                history = model.Fit(train, new FitOptions
                {
                    Epochs = options.Epochs, BatchSize = options.BatchSize, ValidationSplit = options.ValidationSplit,
                    Validation = options.Validation, Seed = options.Seed, Augmentation = options.Augmentation,
                    Callbacks = options.Callbacks, Shuffle = options.Shuffle,
                    OnBatch = p =>
                    {
                        if (task is null || taskEpoch != p.Epoch)
                        {
                            task?.StopTask();
                            task = context.AddTask($"epoch {p.Epoch}/{p.Epochs}", maxValue: p.BatchesPerEpoch);
                            taskEpoch = p.Epoch;
                        }
                        task.Value = p.Batch;
                        if (p.Batch % 10 == 0 || p.Batch == p.BatchesPerEpoch)
                            task.Description = $"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F4}  acc {p.Accuracy:P1}  {p.ImagesPerSecond:N0} img/s";
                    },
                    OnEpoch = m =>
                    {
                        task?.StopTask();
                        string validation = m.ValidationAccuracy is double va
                            ? $"  val loss {m.ValidationLoss:F4}  val acc {va:P2}" : "";
                        context.Refresh();
                        AnsiConsole.MarkupLine(Markup.Escape(
                            $"epoch {m.Epoch}: loss {m.TrainLoss:F4}  acc {m.TrainAccuracy:P2}{validation}  " +
                            $"{m.ImagesPerSecond:N0} img/s  {m.Seconds:F1} s  lr {m.LearningRate:G3}"));
                        options.OnEpoch?.Invoke(m);
                    },
                });
            });
        return history!;
    }
}
