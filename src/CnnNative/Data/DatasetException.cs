namespace CnnNative.Data;

/// <summary>
/// A data file or folder is missing, malformed or inconsistent (bad IDX magic, truncated data, image and label
/// counts that differ, labels outside the class range); an <see cref="IOException"/>. The message names the file and the numbers;
/// <see cref="FilePath"/> holds the full path of the file or folder at fault.
/// </summary>
public sealed class DatasetException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/> with a message that already names it.</summary>
    public DatasetException(string filePath, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
    }

    /// <summary>Full path of the file (or folder) that caused the error.</summary>
    public string FilePath { get; }
}
