using Microsoft.Win32.SafeHandles;

namespace CnnNative.Bindings.Tests.Sample;

// The handle types sample.expected.cs refers to; with them the expected output compiles as part of this
// project (its functions are never called: there is no sample library).

internal sealed class WidgetHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public WidgetHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle()
    {
        NativeMethods.cnn_widget_destroy(handle);
        return true;
    }
}

internal sealed class GadgetPoolHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public GadgetPoolHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle()
    {
        NativeMethods.cnn_gadget_pool_destroy(handle);
        return true;
    }
}
