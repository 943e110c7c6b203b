using System.CommandLine;
using CnnNative.Data;

namespace CnnNative.Cli;

/// <summary>The --data and --data-dir options every command that reads a data set shares.</summary>
internal sealed class DataOptions
{
    public Option<string> Data { get; } = new("--data")
    {
        Description = "Data set: fashion-mnist or mnist.",
        DefaultValueFactory = _ => "fashion-mnist",
    };

    public Option<string?> Folder { get; } = new("--data-dir")
    {
        Description = $"Folder with the IDX files (default for fashion-mnist: {FashionMnist.DefaultFolder}).",
    };

    public void AddTo(Command command)
    {
        command.Add(Data);
        command.Add(Folder);
    }

    /// <summary>Loads train and test, scaled to [0, 1] (no standardisation, so a PNG given to predict is
    /// treated exactly like the training data).</summary>
    public (DatasetSplit Split, IReadOnlyList<string> ClassNames) Load(ParseResult result)
    {
        string name = result.GetValue(Data) ?? "fashion-mnist";
        string? folder = result.GetValue(Folder);
        return name switch
        {
            "fashion-mnist" => (FashionMnist.Load(folder, Normalization.None), FashionMnist.ClassNames),
            "mnist" => (Mnist.Load(folder ?? throw new ArgumentException("--data mnist needs --data-dir FOLDER."),
                Normalization.None), Mnist.ClassNames),
            _ => throw new ArgumentException($"Unknown data set '{name}'; choose fashion-mnist or mnist."),
        };
    }
}
