using System.CommandLine;
using CnnNative.Training;
using Spectre.Console;

namespace CnnNative.Cli;

/// <summary>`cnn eval MODEL`: test loss, accuracy, per-class accuracy and the confusion matrix.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var devices = new DeviceOptions();
        var modelPath = new Argument<string>("model") { Description = "A model file written by `cnn train`." };
        var batch = new Option<int>("--batch-size", "-b") { Description = "Images per batch.", DefaultValueFactory = _ => 256 };
        var threads = new Option<int>("--threads", "-t") { Description = "Native threads (0 = one per logical core)." };
        var command = new Command("eval", "Evaluate a saved model on the test set.") { modelPath, batch, threads };
        data.AddTo(command);
        devices.AddTo(command);
        command.SetAction(result =>
        {
            Device device = devices.Resolve(result, result.GetValue(threads));
            using Sequential model = Sequential.Load(result.GetValue(modelPath)!, device);
            model.Compile(new Sgd(0f), Loss.CrossEntropy); // the loss decides the metric; nothing is trained
            var (split, classNames) = data.Load(result);
            EvaluationResult evaluation = model.Evaluate(split.Test, result.GetValue(batch));
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(split.Test.Name)}[/]: accuracy {evaluation.Accuracy:P2} " +
                $"({evaluation.Correct:N0} / {evaluation.Count:N0}), loss {evaluation.Loss:F4}");
            var table = new Table().AddColumns("class", "accuracy");
            double[] perClass = evaluation.PerClassAccuracy();
            for (int c = 0; c < perClass.Length; c++)
                table.AddRow(Markup.Escape(c < classNames.Count ? classNames[c] : c.ToString()), $"{perClass[c]:P1}");
            AnsiConsole.Write(table);
            AnsiConsole.WriteLine(evaluation.FormatConfusionMatrix(classNames));
            return 0;
        });
        return command;
    }
}
