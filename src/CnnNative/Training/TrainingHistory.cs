using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CnnNative.Training;

/// <summary>The per-epoch record of one <see cref="Sequential.Fit"/> run, exportable as CSV and JSON.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochMetrics> _epochs = [];

    /// <summary>One entry per finished epoch, in order.</summary>
    public IReadOnlyList<EpochMetrics> Epochs => _epochs;

    /// <summary>Why training ended before the requested epochs (early stopping), or null.</summary>
    public string? StopReason { get; internal set; }

    /// <summary>Wall-clock seconds of the whole run, validation included.</summary>
    public double TotalSeconds { get; internal set; }

    internal void Add(EpochMetrics metrics) => _epochs.Add(metrics);

    /// <summary>CSV with a header row: epoch, loss, accuracy, val_loss, val_accuracy, learning_rate,
    /// seconds, images_per_second (empty cells where there was no validation set).</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder("epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds,images_per_second\n");
        foreach (EpochMetrics m in _epochs)
        {
            csv.Append(CultureInfo.InvariantCulture,
                $"{m.Epoch},{m.TrainLoss:R},{m.TrainAccuracy:R},{Optional(m.ValidationLoss)},{Optional(m.ValidationAccuracy)},");
            csv.Append(CultureInfo.InvariantCulture, $"{m.LearningRate:R},{m.Seconds:R},{m.ImagesPerSecond:R}\n");
        }
        return csv.ToString();
    }

    /// <summary>JSON: {"epochs":[{"epoch":1,"loss":...}], "stop_reason":..., "total_seconds":...}.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("epochs");
            foreach (EpochMetrics m in _epochs)
            {
                json.WriteStartObject();
                json.WriteNumber("epoch", m.Epoch);
                json.WriteNumber("loss", m.TrainLoss);
                json.WriteNumber("accuracy", m.TrainAccuracy);
                WriteOptional(json, "val_loss", m.ValidationLoss);
                WriteOptional(json, "val_accuracy", m.ValidationAccuracy);
                json.WriteNumber("learning_rate", m.LearningRate);
                json.WriteNumber("seconds", m.Seconds);
                json.WriteNumber("images_per_second", m.ImagesPerSecond);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (StopReason is null) json.WriteNull("stop_reason");
            else json.WriteString("stop_reason", StopReason);
            json.WriteNumber("total_seconds", TotalSeconds);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes <see cref="ToCsv"/> to <paramref name="path"/> (atomically: temp file, then rename).</summary>
    public void SaveCsv(string path) => AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(ToCsv()));

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> (atomically: temp file, then rename).</summary>
    public void SaveJson(string path) => AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(ToJson()));

    private static string Optional(double? value) =>
        value is double v ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private static void WriteOptional(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }
}
