using Microsoft.Win32.SafeHandles;

namespace CnnNative.Interop;

/// <summary>Owns one <c>cnn_tensor*</c>; disposing it calls <c>cnn_tensor_destroy</c> exactly once.</summary>
internal sealed class TensorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>
    /// NULL for native code, for optional tensors (a missing bias). Owns nothing and ignores Dispose, so the
    /// one shared instance stays usable. LibraryImport passes an invalid, unclosed handle as its value, 0.
    /// </summary>
    internal static readonly TensorHandle Null = new(ownsHandle: false);

    /// <summary>Used by the marshaller for <c>out TensorHandle</c>.</summary>
    public TensorHandle() : base(ownsHandle: true) { }

    private TensorHandle(bool ownsHandle) : base(ownsHandle) { }

    protected override bool ReleaseHandle()
    {
        NativeMethods.cnn_tensor_destroy(handle);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (!ReferenceEquals(this, Null))
            base.Dispose(disposing);
    }
}
