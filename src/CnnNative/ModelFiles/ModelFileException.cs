namespace CnnNative;

/// <summary>
/// A model file cannot be read or written: it is missing, not a model file, from a newer format version,
/// truncated, corrupt, describes a layer this library does not know, or its weights do not fit the model.
/// The message names the file and the problem.
/// </summary>
public sealed class ModelFileException : IOException
{
    /// <summary>An error about the model file at <paramref name="path"/>.</summary>
    /// <param name="path">The file the error is about.</param>
    /// <param name="message">The whole message, naming the file and the problem.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public ModelFileException(string path, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
    }

    /// <summary>The model file the error is about, as given by the caller.</summary>
    public string Path { get; }
}
