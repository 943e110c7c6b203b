using CnnNative.Interop;

namespace CnnNative;

/// <summary>Facts about the loaded native library, for diagnostics (<c>cnn info</c>, bug reports).</summary>
public static class CnnLibrary
{
    /// <summary>The ABI version of the loaded libcnnnative (it equals <see cref="BindingsAbiVersion"/>, or loading fails).</summary>
    public static int AbiVersion => (int)NativeMethods.cnn_abi_version();

    /// <summary>The ABI version of cnn.h the C# bindings were generated from.</summary>
    public static int BindingsAbiVersion => NativeMethods.CNN_ABI_VERSION;

    /// <summary>The kernel tier chosen for this process: "ref", "generic", "avx2" or "avx512" (env CNN_MAX_ISA caps it).</summary>
    public static string ActiveIsa => Native.ActiveIsa;

    /// <summary>Where libcnnnative was loaded from (a path, or "default search"), or null before the first native call.</summary>
    public static string? LoadedFrom => NativeLibraryLoader.LoadedFrom;
}
