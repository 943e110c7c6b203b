namespace CnnNative.Data;

/// <summary>MNIST: 60000 training and 10000 test hand-written digits, 28×28, labels 0-9, from the four standard IDX files.</summary>
public static class Mnist
{
    /// <summary>The class names, "0" to "9".</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>
    /// Loads the training and test sets from <paramref name="folder"/>, which holds train-images-idx3-ubyte,
    /// train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or .gz. Samples are
    /// [1, 28, 28] with values byte / 255, then standardised by <paramref name="normalization"/>
    /// (default <see cref="Normalization.FromTrainingSet"/>).
    /// </summary>
    /// <exception cref="DatasetException">The folder or a file is missing, or a file is malformed.</exception>
    public static DatasetSplit Load(string folder, Normalization? normalization = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return MnistLayout.Load(folder, "MNIST", "mnist",
            "Put the four MNIST IDX files (as published, plain or .gz) in that folder, or pass the folder that holds them.",
            ClassNames, normalization ?? Normalization.FromTrainingSet);
    }
}
