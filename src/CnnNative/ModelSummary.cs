using System.Globalization;
using System.Text;

namespace CnnNative;

/// <summary>The Keras-like table of <see cref="Sequential.Summary"/>.</summary>
internal static class ModelSummary
{
    private const string NameHeader = "Layer (type)";
    private const string ShapeHeader = "Output Shape";
    private const string ParamHeader = "Param #";

    /// <param name="model">The model to describe.</param>
    /// <param name="sampleShapes">Per-sample shapes ([0] input, [i + 1] after layer i), or null when not built.</param>
    public static string Format(Sequential model, TensorShape[]? sampleShapes)
    {
        IReadOnlyList<Layer> layers = model.Layers;
        var rows = new (string Name, string Shape, string Params)[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            rows[i] = (
                $"{layers[i].Name} ({layers[i].TypeName})",
                sampleShapes is null ? "?" : sampleShapes[i + 1].WithBatch(1).ToBatchString(),
                Number(layers[i].ParameterCount));
        }

        int nameWidth = NameHeader.Length, shapeWidth = ShapeHeader.Length, paramWidth = ParamHeader.Length;
        foreach (var row in rows)
        {
            nameWidth = Math.Max(nameWidth, row.Name.Length);
            shapeWidth = Math.Max(shapeWidth, row.Shape.Length);
            paramWidth = Math.Max(paramWidth, row.Params.Length);
        }
        const int gap = 3;
        int width = nameWidth + gap + shapeWidth + gap + paramWidth;

        var text = new StringBuilder();
        text.Append("Model: Sequential, input ")
            .Append(sampleShapes is null ? "unknown (call Build)" : sampleShapes[0].WithBatch(1).ToBatchString())
            .Append('\n');
        text.Append('_', width).Append('\n');
        AppendRow(text, NameHeader, ShapeHeader, ParamHeader, nameWidth, shapeWidth, paramWidth, gap);
        text.Append('=', width).Append('\n');
        foreach (var row in rows) AppendRow(text, row.Name, row.Shape, row.Params, nameWidth, shapeWidth, paramWidth, gap);
        text.Append('=', width).Append('\n');
        text.Append("Total params: ").Append(Number(model.ParameterCount)).Append('\n');
        text.Append('_', width).Append('\n');
        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, string name, string shape, string parameters,
        int nameWidth, int shapeWidth, int paramWidth, int gap)
    {
        text.Append(name.PadRight(nameWidth + gap))
            .Append(shape.PadRight(shapeWidth + gap))
            .Append(parameters.PadLeft(paramWidth))
            .Append('\n');
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
