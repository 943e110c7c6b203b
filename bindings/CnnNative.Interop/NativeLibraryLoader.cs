using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CnnNative.Interop;

/// <summary>
/// Finds libcnnnative for every <c>[LibraryImport("cnnnative")]</c> of this assembly, without LD_LIBRARY_PATH:
/// env CNN_NATIVE_LIBRARY (a full path), then runtimes/&lt;rid&gt;/native/ under the app folder (NuGet layout,
/// where CnnNative.Interop.csproj copies the CMake build), then the app folder, then build/lib/ in the app
/// folder or any folder above it (a CMake build of this repository), then the OS default search.
/// The library is loaded once; its ABI version is checked right after, before any call reaches it.
/// </summary>
internal static class NativeLibraryLoader
{
    internal const string EnvironmentVariable = "CNN_NATIVE_LIBRARY";

    private static readonly Lazy<nint> Library = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Where the library was loaded from (a path or "default search"); null until the first call.</summary>
    internal static string? LoadedFrom { get; private set; }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before any P/Invoke of this assembly runs.")]
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == NativeMethods.LibraryName ? Library.Value : 0;

    internal static string FileName =>
        OperatingSystem.IsWindows() ? "cnnnative.dll" : OperatingSystem.IsMacOS() ? "libcnnnative.dylib" : "libcnnnative.so";

    /// <summary>linux-x64, linux-arm64, osx-arm64, win-x64 ... from the OS and the process architecture.</summary>
    internal static string RuntimeIdentifier
    {
        get
        {
            string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            return $"{os}-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
        }
    }

    /// <summary>The files to try, in order; the OS default search comes after them.</summary>
    internal static IReadOnlyList<string> CandidatePaths(string baseDirectory, string? environmentPath)
    {
        var paths = new List<string>();
        if (!string.IsNullOrEmpty(environmentPath))
            paths.Add(environmentPath);
        paths.Add(Path.Combine(baseDirectory, "runtimes", RuntimeIdentifier, "native", FileName));
        if (RuntimeInformation.RuntimeIdentifier != RuntimeIdentifier) // e.g. linux-musl-x64
            paths.Add(Path.Combine(baseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", FileName));
        paths.Add(Path.Combine(baseDirectory, FileName));
        for (DirectoryInfo? dir = new(baseDirectory); dir is not null; dir = dir.Parent)
            paths.Add(Path.Combine(dir.FullName, "build", "lib", FileName));
        return paths;
    }

    private static nint Load()
    {
        var tried = new List<string>();
        foreach (string path in CandidatePaths(AppContext.BaseDirectory, Environment.GetEnvironmentVariable(EnvironmentVariable)))
        {
            if (!File.Exists(path))
            {
                tried.Add($"{path} (no such file)");
                continue;
            }
            try
            {
                return Verified(NativeLibrary.Load(path), path);
            }
            catch (DllNotFoundException e) // exists but does not load: wrong architecture, missing dependency
            {
                tried.Add($"{path} ({e.Message})");
            }
        }
        if (NativeLibrary.TryLoad(NativeMethods.LibraryName, typeof(NativeLibraryLoader).Assembly, null, out nint handle))
            return Verified(handle, "default search");
        tried.Add($"OS default search for '{NativeMethods.LibraryName}' (not found)");
        throw new DllNotFoundException(
            $"libcnnnative could not be loaded. Tried, in order:{Environment.NewLine}  " +
            string.Join(Environment.NewLine + "  ", tried) + Environment.NewLine +
            $"Build it with CMake (it lands in build/lib/) or set {EnvironmentVariable} to its full path.");
    }

    // The ABI check calls the export directly: it must run before anything else calls into the library.
    private static unsafe nint Verified(nint handle, string from)
    {
        if (!NativeLibrary.TryGetExport(handle, "cnn_abi_version", out nint abiVersion))
        {
            NativeLibrary.Free(handle);
            throw new CnnNativeException(CnnStatus.Unsupported, $"{from} does not export cnn_abi_version: it is not libcnnnative.");
        }
        uint native = ((delegate* unmanaged<uint>)abiVersion)();
        try
        {
            Native.VerifyAbi(native, NativeMethods.CNN_ABI_VERSION);
        }
        catch (CnnNativeException e)
        {
            NativeLibrary.Free(handle);
            throw new CnnNativeException(e.Status, $"{e.Message} (loaded from {from})");
        }
        LoadedFrom = from;
        return handle;
    }
}
