using System.Text.Json;

namespace CnnNative;

/// <summary>
/// Typed access to one layer's "config" object in a model file header. Missing or ill-typed values throw
/// <see cref="InvalidDataException"/> with a sentence naming the key; the caller adds the file and layer.
/// </summary>
internal sealed class ConfigReader
{
    private readonly JsonElement _config;

    /// <summary>Reads from <paramref name="config"/>, which must be a JSON object.</summary>
    public ConfigReader(JsonElement config)
    {
        if (config.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"'config' must be a JSON object; got {Describe(config)}.");
        _config = config;
    }

    /// <summary>The integer at <paramref name="key"/>.</summary>
    public int Int(string key)
    {
        JsonElement value = Required(key);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int result))
            throw new InvalidDataException($"'{key}' must be a 32-bit integer; got {Describe(value)}.");
        return result;
    }

    /// <summary>The finite float at <paramref name="key"/>.</summary>
    public float Float(string key)
    {
        JsonElement value = Required(key);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetSingle(out float result) || !float.IsFinite(result))
            throw new InvalidDataException($"'{key}' must be a finite number; got {Describe(value)}.");
        return result;
    }

    /// <summary>The boolean at <paramref name="key"/>.</summary>
    public bool Bool(string key)
    {
        JsonElement value = Required(key);
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"'{key}' must be true or false; got {Describe(value)}."),
        };
    }

    private JsonElement Required(string key) =>
        _config.TryGetProperty(key, out JsonElement value)
            ? value
            : throw new InvalidDataException($"'{key}' is missing from its config.");

    /// <summary>A short rendering of a JSON value for error messages.</summary>
    public static string Describe(JsonElement value)
    {
        string text = value.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.Undefined => "nothing",
            _ => value.GetRawText(),
        };
        return text.Length > 40 ? text[..40] + "..." : text;
    }
}
