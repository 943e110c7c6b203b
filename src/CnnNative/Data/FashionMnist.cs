namespace CnnNative.Data;

/// <summary>
/// Fashion-MNIST (Zalando): 60000 training and 10000 test grey-scale pictures of clothing, 28×28, in 10 classes.
/// Loaded from the four standard IDX files; the Debian package dataset-fashion-mnist installs them in
/// <see cref="DefaultFolder"/>.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where the Debian package dataset-fashion-mnist puts the files.</summary>
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The Debian package that installs the files.</summary>
    public const string DebianPackage = "dataset-fashion-mnist";

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Loads the training and test sets from <paramref name="folder"/> (default <see cref="DefaultFolder"/>), which
    /// holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte,
    /// each plain or .gz. Samples are [1, 28, 28] with values byte / 255, then standardised by
    /// <paramref name="normalization"/> (default <see cref="Normalization.FromTrainingSet"/>).
    /// </summary>
    /// <exception cref="DatasetException">The folder or a file is missing (the message says how to install them),
    /// or a file is malformed.</exception>
    public static DatasetSplit Load(string? folder = null, Normalization? normalization = null) =>
        MnistLayout.Load(folder ?? DefaultFolder, "Fashion-MNIST", "fashion-mnist",
            $"Install them with `sudo apt-get install {DebianPackage}` (which puts them in {DefaultFolder}; " +
            "native/setup.sh does it), or pass the folder that holds them.",
            ClassNames, normalization ?? Normalization.FromTrainingSet);
}
