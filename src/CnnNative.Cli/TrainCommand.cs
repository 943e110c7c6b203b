using System.CommandLine;
using System.Diagnostics;
using CnnNative.Data;
using CnnNative.Imaging;
using CnnNative.Training;
using Spectre.Console;

namespace CnnNative.Cli;

/// <summary>
/// `cnn train`: trains a network on Fashion-MNIST (or MNIST) with a live progress bar, then reports the
/// test accuracy and writes the model, the history (CSV, JSON), a training-curve SVG and the first layer's
/// filters as a PNG into --output.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var devices = new DeviceOptions();
        var epochs = new Option<int>("--epochs", "-e") { Description = "Passes over the training set.", DefaultValueFactory = _ => 2 };
        var batch = new Option<int>("--batch-size", "-b") { Description = "Images per batch.", DefaultValueFactory = _ => 64 };
        var lr = new Option<float>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 1e-3f };
        var optimizer = new Option<string>("--optimizer") { Description = "adam, adamw or sgd.", DefaultValueFactory = _ => "adam" };
        var momentum = new Option<float>("--momentum") { Description = "SGD momentum (Nesterov with --nesterov).", DefaultValueFactory = _ => 0.9f };
        var nesterov = new Option<bool>("--nesterov") { Description = "Nesterov momentum for SGD." };
        var weightDecay = new Option<float>("--weight-decay") { Description = "Weight decay (L2 for sgd/adam, decoupled for adamw)." };
        var schedule = new Option<string>("--schedule") { Description = "Learning-rate schedule: none, cosine or step.", DefaultValueFactory = _ => "none" };
        var warmup = new Option<int>("--warmup") { Description = "Linear warm-up batches before the schedule." };
        var clip = new Option<float>("--clip") { Description = "Clip gradients to this global norm (0: off)." };
        var smoothing = new Option<float>("--label-smoothing") { Description = "Label smoothing in [0, 1)." };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, shuffling, dropout and augmentation.", DefaultValueFactory = _ => 42 };
        var threads = new Option<int>("--threads", "-t") { Description = "Native threads (0 = one per logical core)." };
        var arch = new Option<string>("--arch") { Description = "Network: reference or bn (batch norm).", DefaultValueFactory = _ => "reference" };
        var augment = new Option<string>("--augment") { Description = "Comma list of flip, crop, erase; or none.", DefaultValueFactory = _ => "none" };
        var validation = new Option<double>("--validation-split") { Description = "Fraction of the training set held out for validation." };
        var limit = new Option<int>("--limit") { Description = "Use only the first N training images (0 = all)." };
        var output = new Option<string>("--output", "-o") { Description = "Folder for the model, history and pictures.", DefaultValueFactory = _ => "runs/latest" };

        var command = new Command("train", "Train a CNN with a live progress bar; save model, history, curve and filters.");
        data.AddTo(command);
        devices.AddTo(command);
        foreach (Option option in new Option[] { epochs, batch, lr, optimizer, momentum, nesterov, weightDecay, schedule,
                     warmup, clip, smoothing, seed, threads, arch, augment, validation, limit, output })
            command.Add(option);
        command.SetAction(result => Run(new TrainSettings(
            data, devices, result, result.GetValue(epochs), result.GetValue(batch), result.GetValue(lr),
            result.GetValue(optimizer)!, result.GetValue(momentum), result.GetValue(nesterov),
            result.GetValue(weightDecay), result.GetValue(schedule)!, result.GetValue(warmup), result.GetValue(clip),
            result.GetValue(smoothing), result.GetValue(seed), result.GetValue(threads), result.GetValue(arch)!,
            result.GetValue(augment)!, result.GetValue(validation), result.GetValue(limit), result.GetValue(output)!)));
        return command;
    }

    private sealed record TrainSettings(
        DataOptions Data, DeviceOptions Devices, ParseResult Parsed, int Epochs, int BatchSize, float LearningRate, string Optimizer,
        float Momentum, bool Nesterov, float WeightDecay, string Schedule, int Warmup, float Clip, float Smoothing,
        int Seed, int Threads, string Architecture, string Augment, double ValidationSplit, int Limit, string Output);

    private static int Run(TrainSettings s)
    {
        if (s.Epochs < 1) throw new ArgumentException($"--epochs must be at least 1; got {s.Epochs}.");
        if (s.BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1; got {s.BatchSize}.");
        if (s.Limit < 0) throw new ArgumentException($"--limit must be 0 or more; got {s.Limit}.");
        Device device = s.Devices.Resolve(s.Parsed, s.Threads);
        var (split, classNames) = s.Data.Load(s.Parsed);
        Dataset train = s.Limit > 0 && s.Limit < split.Train.Count ? split.Train.Slice(0, s.Limit) : split.Train;
        Directory.CreateDirectory(s.Output);

        using Sequential model = ReferenceNetwork.Create(s.Architecture, s.Seed, device);
        int batchesPerEpoch = (train.Count - (int)(train.Count * s.ValidationSplit) + s.BatchSize - 1) / s.BatchSize;
        Optimizer optimizer = TrainingSetup.CreateOptimizer(s.Optimizer, s.LearningRate, s.Momentum, s.Nesterov, s.WeightDecay);
        optimizer.Schedule = TrainingSetup.CreateSchedule(s.Schedule, s.Warmup, (long)batchesPerEpoch * s.Epochs);
        if (s.Clip > 0) optimizer.ClipGradientNorm = s.Clip;
        model.Compile(optimizer, s.Smoothing > 0 ? Loss.CrossEntropyWithLabelSmoothing(s.Smoothing) : Loss.CrossEntropy);
        Augmentation? augmentation = TrainingSetup.CreateAugmentation(s.Augment);

        AnsiConsole.MarkupLine($"[bold]cnn train[/]: {Markup.Escape(train.Name)} ({train.Count:N0} images), " +
            $"arch {s.Architecture}, {Markup.Escape(optimizer.ToString() ?? "")}, batch {s.BatchSize}, " +
            $"{s.Epochs} epochs, {Markup.Escape(DeviceOptions.Describe(device))}, seed {s.Seed}");
        AnsiConsole.MarkupLine($"augmentation: {Markup.Escape(augmentation?.ToString() ?? "none")}");
        // The best epoch so far is saved as it finishes (atomically), so a run that diverges or is stopped
        // keeps its last good model; with no validation split "best" is the training accuracy.
        string checkpoint = Path.Combine(s.Output, "model.cnnm");
        var callbacks = new List<TrainingCallback>
        {
            new ModelCheckpoint(checkpoint, monitor: s.ValidationSplit > 0 ? "val_accuracy" : "accuracy"),
        };

        var wall = Stopwatch.StartNew();
        TrainingHistory history = TrainingProgress.Run(model, train, new FitOptions
        {
            Epochs = s.Epochs, BatchSize = s.BatchSize, ValidationSplit = s.ValidationSplit, Seed = s.Seed,
            Augmentation = augmentation, Callbacks = callbacks,
        });
        wall.Stop();
        // Evaluate the best checkpoint as saved: the last epoch's weights may be worse.
        using (Sequential best = Sequential.Load(checkpoint, device))
        {
            best.Compile(new Sgd(0f), Loss.CrossEntropy);
            Report(best, split.Test, classNames, history, wall.Elapsed);
        }
        history.SaveCsv(Path.Combine(s.Output, "history.csv"));
        history.SaveJson(Path.Combine(s.Output, "history.json"));
        TrainingSetup.SaveCurve(history, Path.Combine(s.Output, "curve.svg"));
        FilterGrid.Render(model.Parameters[0].Value, cellScale: 8).Save(Path.Combine(s.Output, "filters.png"));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(s.Output)}/: model.cnnm, history.csv, history.json, curve.svg, filters.png");
        return 0;
    }

    private static void Report(Sequential model, Dataset test, IReadOnlyList<string> classNames, TrainingHistory history,
        TimeSpan wall)
    {
        EvaluationResult result = model.Evaluate(test);
        double trainImagesPerSecond = history.Epochs.Average(e => e.ImagesPerSecond);
        double flops = 3.0 * 2 * ReferenceNetwork.MacsPerImage(); // forward 2·MACs, backward twice that
        var table = new Table().AddColumns("metric", "value");
        table.AddRow("test accuracy", $"{result.Accuracy:P2} ({result.Correct:N0} / {result.Count:N0})");
        table.AddRow("test loss", $"{result.Loss:F4}");
        table.AddRow("epochs, wall time", $"{history.Epochs.Count}, {wall.TotalSeconds:F0} s");
        table.AddRow("training throughput", $"{trainImagesPerSecond:N0} images/s ({trainImagesPerSecond * flops / 1e9:F1} GFLOP/s)");
        table.AddRow("peak RSS", $"{ProcessMemory.PeakResidentMegabytes():N0} MiB");
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine(result.FormatConfusionMatrix(classNames));
        if (history.StopReason is not null) AnsiConsole.MarkupLine(Markup.Escape(history.StopReason));
    }
}
