namespace CnnNative.Imaging;

/// <summary>
/// An image file cannot be read: it is missing, damaged, or uses a feature this reader does not support
/// (the message names the file and the feature, e.g. "interlaced (Adam7) PNG").
/// </summary>
public sealed class ImageFileException : IOException
{
    /// <summary>An error about the image file at <paramref name="path"/>.</summary>
    /// <param name="path">The file the error is about.</param>
    /// <param name="message">The whole message, naming the file and the problem.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public ImageFileException(string path, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
    }

    /// <summary>The image file the error is about, as given by the caller.</summary>
    public string Path { get; }
}
