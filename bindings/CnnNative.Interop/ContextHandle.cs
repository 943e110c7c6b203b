using Microsoft.Win32.SafeHandles;

namespace CnnNative.Interop;

/// <summary>Owns one <c>cnn_context*</c>; disposing it calls <c>cnn_context_destroy</c> exactly once.</summary>
internal sealed class ContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Used by the marshaller for <c>out ContextHandle</c>.</summary>
    public ContextHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle()
    {
        NativeMethods.cnn_context_destroy(handle);
        return true;
    }
}
