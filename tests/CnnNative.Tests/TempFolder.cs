namespace CnnNative.Tests;

/// <summary>A fresh folder under the system temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(FullName);

    public string FullName { get; } = Path.Combine(Path.GetTempPath(), "cnnnative-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => Path.Combine(FullName, name);

    /// <summary>The names of every file in the folder, sorted (temporary files included).</summary>
    public string[] FileNames() =>
        [.. Directory.GetFiles(FullName).Select(static f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullName, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
