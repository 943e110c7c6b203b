using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;

namespace CnnNative;

/// <summary>
/// Serialises a model in the layout of <see cref="ModelFileFormat"/>. The header is built first (so an
/// unsavable layer fails before any file is touched); <see cref="WriteTo"/> then streams the tensors.
/// </summary>
internal sealed class ModelFileWriter
{
    private readonly byte[] _header;
    private readonly List<Tensor> _tensors;
    private readonly ulong _totalLength;

    private ModelFileWriter(byte[] header, List<Tensor> tensors, ulong totalLength)
    {
        _header = header;
        _tensors = tensors;
        _totalLength = totalLength;
    }

    /// <summary>Builds the header of <paramref name="model"/>; throws <see cref="ModelFileException"/> for a layer type the registry lacks.</summary>
    public static ModelFileWriter Create(Sequential model, string path)
    {
        var tensors = new List<Tensor>();
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", ModelFileFormat.FormatName);
            json.WritePropertyName("inputShape");
            if (model.IsBuilt) WriteShape(json, model.InputShape);
            else json.WriteNullValue();
            json.WriteNumber("seed", model.Seed);

            json.WriteStartArray("layers");
            for (int i = 0; i < model.Layers.Count; i++)
            {
                Layer layer = model.Layers[i];
                LayerRegistration entry = LayerRegistry.Find(layer) ?? throw ModelFileFormat.Error(path,
                    $"cannot be written: layer {i} ({layer.Name}, {layer.TypeName}) has no entry in the model file layer registry.");
                json.WriteStartObject();
                json.WriteString("type", entry.TypeName);
                json.WriteString("name", layer.Name);
                json.WriteBoolean("frozen", layer.IsFrozen);
                json.WriteStartObject("config");
                entry.WriteConfig(layer, json);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();

            json.WriteStartArray("tensors");
            foreach (Layer layer in model.Layers)
            {
                WriteTensors(json, layer, layer.Parameters, "parameter", tensors);
                WriteTensors(json, layer, layer.Buffers, "buffer", tensors);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }

        ulong total = (ulong)ModelFileFormat.FixedHeaderSize + (ulong)buffer.WrittenCount + ModelFileFormat.ChecksumSize;
        foreach (Tensor tensor in tensors) total += 4UL * (ulong)tensor.ElementCount;
        return new ModelFileWriter(buffer.WrittenSpan.ToArray(), tensors, total);
    }

    /// <summary>Writes the whole file to <paramref name="stream"/>: fixed header, JSON, tensor data, checksum.</summary>
    public void WriteTo(Stream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Write(ReadOnlySpan<byte> bytes)
        {
            stream.Write(bytes);
            hash.AppendData(bytes);
        }

        Span<byte> fixedHeader = stackalloc byte[ModelFileFormat.FixedHeaderSize];
        ModelFileFormat.Magic.CopyTo(fixedHeader);
        BinaryPrimitives.WriteUInt32LittleEndian(fixedHeader[8..], ModelFileFormat.Version);
        BinaryPrimitives.WriteUInt64LittleEndian(fixedHeader[12..], _totalLength);
        BinaryPrimitives.WriteUInt32LittleEndian(fixedHeader[20..], (uint)_header.Length);
        Write(fixedHeader);
        Write(_header);

        foreach (Tensor tensor in _tensors)
        {
            float[] values = ArrayPool<float>.Shared.Rent(checked((int)tensor.ElementCount));
            try
            {
                Span<float> span = values.AsSpan(0, (int)tensor.ElementCount);
                tensor.CopyTo(span);
                ModelFileFormat.WriteFloats(span, Write);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(values);
            }
        }

        Span<byte> checksum = stackalloc byte[ModelFileFormat.ChecksumSize];
        hash.GetHashAndReset(checksum);
        stream.Write(checksum);
    }

    private static void WriteTensors(Utf8JsonWriter json, Layer layer, IReadOnlyList<NamedTensor> named, string kind, List<Tensor> tensors)
    {
        foreach (NamedTensor tensor in named)
        {
            json.WriteStartObject();
            json.WriteString("name", $"{layer.Name}.{tensor.Name}");
            json.WriteString("kind", kind);
            json.WritePropertyName("shape");
            WriteShape(json, tensor.Value.Shape);
            json.WriteEndObject();
            tensors.Add(tensor.Value);
        }
    }

    private static void WriteShape(Utf8JsonWriter json, TensorShape shape)
    {
        json.WriteStartArray();
        foreach (int d in shape.Dimensions) json.WriteNumberValue(d);
        json.WriteEndArray();
    }
}
