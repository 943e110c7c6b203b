namespace CnnNative.Data;

/// <summary>
/// The folder layout shared by MNIST and Fashion-MNIST: four IDX files with the standard names, each plain or
/// gzip-compressed (name.gz).
/// </summary>
internal static class MnistLayout
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    private static readonly string[] FileNames = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>Loads the four files from <paramref name="folder"/>; names and advice are for messages.</summary>
    /// <param name="folder">The folder that holds the files.</param>
    /// <param name="displayName">"Fashion-MNIST".</param>
    /// <param name="datasetName">Prefix of the datasets' names, "fashion-mnist".</param>
    /// <param name="howToGet">A sentence telling how to get the files.</param>
    /// <param name="classNames">One name per class.</param>
    /// <param name="normalization">Standardisation after byte / 255; statistics come from the training part.</param>
    public static DatasetSplit Load(string folder, string displayName, string datasetName, string howToGet,
        IReadOnlyList<string> classNames, Normalization normalization)
    {
        string fullFolder = Path.GetFullPath(folder);
        string[] paths = Locate(fullFolder, displayName, howToGet);
        int classCount = classNames.Count;
        (float[] trainImages, int[] trainLabels, TensorShape trainShape) = IdxFile.ReadSamples(paths[0], paths[1], classCount);
        (float[] testImages, int[] testLabels, TensorShape testShape) = IdxFile.ReadSamples(paths[2], paths[3], classCount);
        if (trainShape != testShape)
            throw new DatasetException(paths[2],
                $"{Path.GetFileName(paths[2])} holds images of {testShape} but {Path.GetFileName(paths[0])} holds {trainShape}; " +
                "training and test images must have the same size.");
        Normalization applied = normalization.Resolve(trainImages, trainShape);
        applied.Normalize(trainImages, trainShape);
        applied.Normalize(testImages, testShape);
        var train = new Dataset(trainImages, trainLabels, trainShape, classCount, $"{datasetName} train") { ClassNames = classNames };
        var test = new Dataset(testImages, testLabels, testShape, classCount, $"{datasetName} test") { ClassNames = classNames };
        return new DatasetSplit(train, test) { Normalization = applied };
    }

    /// <summary>The four paths (plain name preferred over .gz), or an error listing what was looked for.</summary>
    private static string[] Locate(string folder, string displayName, string howToGet)
    {
        var paths = new string[FileNames.Length];
        var missing = new List<string>();
        for (int i = 0; i < FileNames.Length; i++)
        {
            string plain = Path.Combine(folder, FileNames[i]);
            string gzip = plain + ".gz";
            paths[i] = File.Exists(plain) ? plain : gzip;
            if (!File.Exists(paths[i])) missing.Add(FileNames[i] + "(.gz)");
        }
        if (missing.Count == 0) return paths;
        string problem = Directory.Exists(folder)
            ? $"the folder lacks {string.Join(", ", missing)}"
            : "the folder does not exist";
        throw new DatasetException(folder,
            $"{displayName} was not found in {folder}: {problem}. Looked for " +
            $"{string.Join(", ", FileNames.Select(n => n + "(.gz)"))} (plain IDX files or gzip-compressed ones). " +
            howToGet);
    }
}
