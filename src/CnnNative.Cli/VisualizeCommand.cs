using System.CommandLine;
using CnnNative.Imaging;
using Spectre.Console;

namespace CnnNative.Cli;

/// <summary>
/// `cnn visualize MODEL --input test:N`: PNGs of the first convolution's filters and of the activation maps
/// of every convolution layer for one image.
/// </summary>
internal static class VisualizeCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var modelPath = new Argument<string>("model") { Description = "A model file written by `cnn train`." };
        var input = new Option<string>("--input", "-i")
        {
            Description = "The image: test:N (test-set entry N), a number N (same), or a PNG/PGM file.",
            DefaultValueFactory = _ => "test:0",
        };
        var output = new Option<string>("--output", "-o") { Description = "Folder for the pictures.", DefaultValueFactory = _ => "runs/visualize" };
        var command = new Command("visualize", "Draw learned filters and activation maps of every conv layer.") { modelPath, input, output };
        data.AddTo(command);
        command.SetAction(result =>
        {
            using Sequential model = Sequential.Load(result.GetValue(modelPath)!);
            string image = result.GetValue(input)!;
            if (int.TryParse(image, out int n)) image = $"test:{n}";
            var (pixels, label, classNames) = PredictCommand.LoadInput(image, model.InputShape, data, result);
            string folder = result.GetValue(output)!;
            Directory.CreateDirectory(folder);

            var written = new List<string>();
            ImageFromValues(pixels, model.InputShape).Save(Path.Combine(folder, "input.png"));
            written.Add("input.png");
            Conv2d? first = model.Layers.OfType<Conv2d>().FirstOrDefault()
                ?? throw new ArgumentException($"{result.GetValue(modelPath)} has no Conv2d layer to draw.");
            FilterGrid.Render(first.Weight, cellScale: 8).Save(Path.Combine(folder, "filters.png"));
            written.Add("filters.png");
            foreach (LayerActivation activation in model.Activations(pixels))
            {
                if (activation.Layer is not Conv2d || activation.Shape.Rank != 3) continue;
                string file = $"activations_{activation.Layer.Name}.png";
                ActivationGrid.Render(activation.Values, activation.Shape[0], activation.Shape[1], activation.Shape[2])
                    .Save(Path.Combine(folder, file));
                written.Add(file);
            }
            string truth = label is int l ? $" (true class {l} {classNames?[l]})" : "";
            AnsiConsole.MarkupLine(Markup.Escape($"{image}{truth}: wrote {folder}/{string.Join(", ", written)}"));
            return 0;
        });
        return command;
    }

    private static GrayImage ImageFromValues(float[] values, TensorShape shape) =>
        ActivationGrid.Render(values, shape[0], shape[1], shape[2], cellScale: 8);
}
