using CnnNative.Interop;

namespace CnnNative.Bindings.Tests;

public sealed class NativeLibraryLoaderTests
{
    [Fact]
    public void The_library_is_loaded_from_the_runtimes_folder_of_the_test_output()
    {
        string expected = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libcnnnative.so");
        Assert.True(File.Exists(expected), $"CnnNative.Interop.csproj did not copy the CMake build to {expected}");
        _ = NativeMethods.cnn_abi_version(); // loads the library if no other test did
        string? overridden = Environment.GetEnvironmentVariable(NativeLibraryLoader.EnvironmentVariable);
        Assert.Equal(string.IsNullOrEmpty(overridden) ? expected : overridden, NativeLibraryLoader.LoadedFrom);
    }

    [Fact]
    public void Candidates_come_in_the_documented_order()
    {
        string app = Path.Combine(Path.GetTempPath(), "app", "bin");
        IReadOnlyList<string> paths = NativeLibraryLoader.CandidatePaths(app, "/opt/cnn/libcnnnative.so");
        Assert.Equal("/opt/cnn/libcnnnative.so", paths[0]);
        Assert.Equal(Path.Combine(app, "runtimes", "linux-x64", "native", "libcnnnative.so"), paths[1]);
        Assert.Contains(Path.Combine(app, "libcnnnative.so"), paths);
        int appFolder = paths.ToList().IndexOf(Path.Combine(app, "libcnnnative.so"));
        Assert.Equal(Path.Combine(app, "build", "lib", "libcnnnative.so"), paths[appFolder + 1]);
        Assert.Equal(Path.Combine(Path.GetTempPath(), "app", "build", "lib", "libcnnnative.so"), paths[appFolder + 2]);
        Assert.Equal(Path.Combine("/", "build", "lib", "libcnnnative.so"), paths[^1]);
    }

    [Fact]
    public void Without_the_environment_variable_the_runtimes_folder_comes_first()
    {
        IReadOnlyList<string> paths = NativeLibraryLoader.CandidatePaths("/app", null);
        Assert.Equal("/app/runtimes/linux-x64/native/libcnnnative.so", paths[0]);
    }
}
