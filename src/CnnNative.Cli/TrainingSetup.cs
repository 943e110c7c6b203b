using CnnNative.Data;
using CnnNative.Imaging;
using CnnNative.Training;

namespace CnnNative.Cli;

/// <summary>Turns `cnn train`'s option values into optimizers, schedules and augmentation, and draws the curve.</summary>
internal static class TrainingSetup
{
    public static Optimizer CreateOptimizer(string name, float learningRate, float momentum, bool nesterov, float weightDecay) =>
        name switch
        {
            "adam" => new Adam(learningRate, weightDecay: weightDecay),
            "adamw" => new AdamW(learningRate, weightDecay: weightDecay),
            "sgd" => new Sgd(learningRate, momentum, nesterov, weightDecay),
            _ => throw new ArgumentException($"Unknown optimizer '{name}'; choose adam, adamw or sgd."),
        };

    public static LearningRateSchedule? CreateSchedule(string name, int warmup, long totalSteps)
    {
        if (warmup < 0) throw new ArgumentException($"--warmup must be 0 or more; got {warmup}.");
        long afterWarmup = Math.Max(1, totalSteps - warmup);
        LearningRateSchedule? main = name switch
        {
            "none" => null,
            "cosine" => new CosineDecay(afterWarmup),
            "step" => new StepDecay(Math.Max(1, afterWarmup / 3), 0.1f),
            _ => throw new ArgumentException($"Unknown schedule '{name}'; choose none, cosine or step."),
        };
        return warmup > 0 ? new LinearWarmup(warmup, main) : main;
    }

    public static Augmentation? CreateAugmentation(string list)
    {
        var steps = new List<AugmentationStep>();
        foreach (string item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (item)
            {
                case "none": break;
                case "flip": steps.Add(new RandomHorizontalFlip()); break;
                case "crop": steps.Add(new RandomCrop(padding: 2)); break;
                case "erase": steps.Add(new RandomErasing(probability: 0.5)); break;
                default: throw new ArgumentException($"Unknown augmentation '{item}'; use flip, crop, erase or none.");
            }
        }
        return steps.Count == 0 ? null : new Augmentation([.. steps]);
    }

    public static void SaveCurve(TrainingHistory history, string path)
    {
        var chart = new LineChart("Training");
        chart.AddLoss("train loss", [.. history.Epochs.Select(e => e.TrainLoss)]);
        chart.AddAccuracy("train accuracy", [.. history.Epochs.Select(e => e.TrainAccuracy)]);
        if (history.Epochs.Any(e => e.ValidationLoss is not null))
        {
            chart.AddLoss("validation loss", [.. history.Epochs.Select(e => e.ValidationLoss ?? double.NaN)]);
            chart.AddAccuracy("validation accuracy", [.. history.Epochs.Select(e => e.ValidationAccuracy ?? double.NaN)]);
        }
        chart.Save(path);
    }
}
