using System.Diagnostics;

namespace CnnNative.Bindings.Tests;

/// <summary>Repository paths, and castxml run with the flags bindings/generate.sh uses (bindings/castxml.rsp).</summary>
internal static class Paths
{
    public static readonly string RepoRoot = FindRepoRoot();

    public static string Bindings => Path.Combine(RepoRoot, "bindings");
    public static string CnnHeader => Path.Combine(RepoRoot, "native", "include", "cnn", "cnn.h");
    public static string CommittedBindings => Path.Combine(Bindings, "CnnNative.Interop", "Generated", "NativeMethods.g.cs");
    public static string SampleDirectory => Path.Combine(RepoRoot, "tests", "CnnNative.Bindings.Tests", "Sample");

    /// <summary>Runs castxml on a header into a fresh XML file and returns that file's path.</summary>
    public static string RunCastXml(string header, string workDirectory)
    {
        string xml = Path.Combine(workDirectory, Path.GetFileNameWithoutExtension(header) + ".xml");
        var start = new ProcessStartInfo("castxml")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("@" + Path.Combine(Bindings, "castxml.rsp"));
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add(xml);
        start.ArgumentList.Add(header);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("castxml did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = stdout.Result;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"castxml failed on {header} (exit {process.ExitCode}):\n{stderr}");
        return xml;
    }

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "bindings", "castxml.rsp")))
                return dir.FullName;
        throw new InvalidOperationException($"no bindings/castxml.rsp above {AppContext.BaseDirectory}");
    }
}

/// <summary>A temporary folder deleted on Dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cnn-bindings-" + Guid.NewGuid().ToString("N"));

    public string Write(string fileName, string text)
    {
        string file = System.IO.Path.Combine(Path, fileName);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
