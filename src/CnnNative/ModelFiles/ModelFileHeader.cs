using System.Text.Json;

namespace CnnNative;

/// <summary>
/// The JSON header of a model file: input shape (or null), seed, layer configurations and the tensor
/// directory. <see cref="Parse"/> checks structure and types; layer configs are checked when layers are built.
/// </summary>
internal sealed class ModelFileHeader
{
    private ModelFileHeader(TensorShape? inputShape, int seed, IReadOnlyList<LayerSpec> layers, IReadOnlyList<TensorSpec> tensors)
    {
        InputShape = inputShape;
        Seed = seed;
        Layers = layers;
        Tensors = tensors;
    }

    /// <summary>Shape of one input sample without the batch, or null for a model saved before it was built.</summary>
    public TensorShape? InputShape { get; }

    /// <summary>The seed the model was created with.</summary>
    public int Seed { get; }

    /// <summary>The layers in model order.</summary>
    public IReadOnlyList<LayerSpec> Layers { get; }

    /// <summary>The stored tensors in data order.</summary>
    public IReadOnlyList<TensorSpec> Tensors { get; }

    /// <summary>Parses <paramref name="json"/>; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static ModelFileHeader Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"its header is not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"its header must be a JSON object; got {ConfigReader.Describe(root)}");

            JsonElement inputShape = Property(root, "inputShape");
            TensorShape? shape = inputShape.ValueKind == JsonValueKind.Null ? null : ParseShape(inputShape, "inputShape");
            JsonElement seedElement = Property(root, "seed");
            if (seedElement.ValueKind != JsonValueKind.Number || !seedElement.TryGetInt32(out int seed))
                throw new InvalidDataException($"its header's 'seed' must be a 32-bit integer; got {ConfigReader.Describe(seedElement)}");

            var layers = new List<LayerSpec>();
            foreach (JsonElement layer in Array(root, "layers").EnumerateArray())
                layers.Add(ParseLayer(layer, layers.Count));

            var tensors = new List<TensorSpec>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonElement tensor in Array(root, "tensors").EnumerateArray())
            {
                if (tensor.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException($"tensor entry {tensors.Count} in its header must be an object");
                string name = String(tensor, "name", $"tensor entry {tensors.Count}");
                if (name.LastIndexOf('.') <= 0)
                    throw new InvalidDataException($"tensor name \"{name}\" is not of the form <layer>.<tensor>");
                if (!names.Add(name)) throw new InvalidDataException($"tensor \"{name}\" appears twice in its header");
                tensors.Add(new TensorSpec(name, ParseShape(Property(tensor, "shape"), $"the shape of tensor \"{name}\"")));
            }
            return new ModelFileHeader(shape, seed, layers, tensors);
        }
    }

    private static LayerSpec ParseLayer(JsonElement layer, int index)
    {
        string where = $"layer entry {index}";
        if (layer.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where} in its header must be an object");
        string type = String(layer, "type", where);
        string name = String(layer, "name", where);
        bool? frozen = null;
        if (layer.TryGetProperty("frozen", out JsonElement frozenElement))
        {
            frozen = frozenElement.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new InvalidDataException($"{where}'s 'frozen' must be true or false; got {ConfigReader.Describe(frozenElement)}"),
            };
        }
        JsonElement config = layer.TryGetProperty("config", out JsonElement c) ? c.Clone() : default;
        return new LayerSpec(index, type, name, frozen, config);
    }

    private static TensorShape ParseShape(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{what} must be an array of dimensions; got {ConfigReader.Describe(element)}");
        var dims = new List<int>();
        foreach (JsonElement d in element.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim))
                throw new InvalidDataException($"{what} has a dimension that is not a 32-bit integer: {ConfigReader.Describe(d)}");
            dims.Add(dim);
        }
        try
        {
            return new TensorShape([.. dims]);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{what} is invalid: {e.Message}", e);
        }
    }

    private static JsonElement Property(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out JsonElement value) ? value : throw new InvalidDataException($"its header has no '{key}'");

    private static JsonElement Array(JsonElement obj, string key)
    {
        JsonElement value = Property(obj, key);
        return value.ValueKind == JsonValueKind.Array
            ? value
            : throw new InvalidDataException($"its header's '{key}' must be an array; got {ConfigReader.Describe(value)}");
    }

    private static string String(JsonElement obj, string key, string where)
    {
        if (!obj.TryGetProperty(key, out JsonElement value))
            throw new InvalidDataException($"{where} in its header has no '{key}'");
        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
            throw new InvalidDataException($"{where}'s '{key}' must be a non-empty string; got {ConfigReader.Describe(value)}");
        return value.GetString()!;
    }
}
