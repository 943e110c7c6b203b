using System.Text.Json;

namespace CnnNative;

/// <summary>
/// How one layer type travels through a model file: its type name, how its constructor arguments are
/// written into the header's "config" object, and how a layer is rebuilt from that object.
/// </summary>
/// <param name="TypeName">The name stored in the file, the class name (e.g. "Conv2d").</param>
/// <param name="LayerType">The layer class.</param>
/// <param name="WriteConfig">Writes the constructor arguments as properties of the open config object.</param>
/// <param name="Create">Builds a new layer from a config; throws <see cref="InvalidDataException"/> or
/// <see cref="ArgumentException"/> on a bad value.</param>
internal sealed record LayerRegistration(
    string TypeName, Type LayerType, Action<Layer, Utf8JsonWriter> WriteConfig, Func<ConfigReader, Layer> Create);
