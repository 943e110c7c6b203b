namespace CnnNative.Interop;

/// <summary>
/// A failure inside libcnnnative that is not the caller's fault (out of memory, device, unsupported, internal),
/// or a native library that does not match these bindings. Caller mistakes become <see cref="ArgumentException"/>.
/// </summary>
public sealed class CnnNativeException : Exception
{
    public CnnNativeException(CnnStatus status, string message)
        : base(message)
    {
        Status = status;
    }

    /// <summary>The status the native call returned.</summary>
    public CnnStatus Status { get; }
}
