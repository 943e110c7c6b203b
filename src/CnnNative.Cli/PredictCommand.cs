using System.CommandLine;
using CnnNative.Imaging;
using Spectre.Console;

namespace CnnNative.Cli;

/// <summary>
/// `cnn predict MODEL IMAGE`: the class probabilities for one image, given as a PNG or PGM file (grayscale,
/// the model's input size, light object on a dark background like Fashion-MNIST) or as `test:N`, entry N of
/// the test set.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var modelPath = new Argument<string>("model") { Description = "A model file written by `cnn train`." };
        var image = new Argument<string>("image") { Description = "A PNG/PGM file, or test:N for test-set entry N." };
        var top = new Option<int>("--top") { Description = "How many classes to list.", DefaultValueFactory = _ => 5 };
        var command = new Command("predict", "Classify one image with a saved model.") { modelPath, image, top };
        data.AddTo(command);
        command.SetAction(result =>
        {
            using Sequential model = Sequential.Load(result.GetValue(modelPath)!);
            var (input, trueLabel, classNames) = LoadInput(result.GetValue(image)!, model.InputShape, data, result);
            var logits = new float[model.OutputShape.ElementCount];
            model.Predict(input, logits);
            double[] probabilities = Softmax(logits);
            var table = new Table().AddColumns("class", "probability");
            foreach (int c in Enumerable.Range(0, logits.Length).OrderByDescending(c => probabilities[c]).Take(result.GetValue(top)))
            {
                string name = classNames is not null && c < classNames.Count ? $"{c} {classNames[c]}" : c.ToString();
                table.AddRow(Markup.Escape(name), $"{probabilities[c]:P2}");
            }
            AnsiConsole.Write(table);
            if (trueLabel is int label)
                AnsiConsole.MarkupLine($"true class: {label} {Markup.Escape(classNames?[label] ?? "")}");
            return 0;
        });
        return command;
    }

    internal static (float[] Input, int? Label, IReadOnlyList<string>? ClassNames) LoadInput(
        string image, TensorShape inputShape, DataOptions data, ParseResult result)
    {
        if (image.StartsWith("test:", StringComparison.Ordinal))
        {
            if (!int.TryParse(image["test:".Length..], out int index))
                throw new ArgumentException($"'{image}' is not test:N with a number N.");
            var (split, classNames) = data.Load(result);
            if (index < 0 || index >= split.Test.Count)
                throw new ArgumentException($"test:{index} is outside the test set's [0, {split.Test.Count}).");
            if (split.Test.SampleShape != inputShape)
                throw new ArgumentException($"The test set's images are {split.Test.SampleShape}, but the model takes {inputShape}.");
            return (split.Test.Sample(index).ToArray(), split.Test.Label(index), classNames);
        }
        float[,] pixels = ImageReader.Read(image);
        int height = pixels.GetLength(0), width = pixels.GetLength(1);
        if (inputShape.Rank != 3 || inputShape[0] != 1 || inputShape[1] != height || inputShape[2] != width)
            throw new ArgumentException(
                $"{image} is a {width}x{height} grayscale image, but the model takes {inputShape} ([channels, height, width]).");
        return (ImageReader.ToFlat(pixels), null, null);
    }

    private static double[] Softmax(float[] logits)
    {
        double max = logits.Max();
        double[] e = [.. logits.Select(v => Math.Exp(v - max))];
        double sum = e.Sum();
        return [.. e.Select(v => v / sum)];
    }
}
