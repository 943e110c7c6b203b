using CnnNative.Interop;

namespace CnnNative.Bindings.Tests;

/// <summary>The hand-written Interop layer and the generated signatures against the real libcnnnative.</summary>
public sealed class InteropTests
{
    [Fact]
    public void VerifyAbi_accepts_equal_versions() => Native.VerifyAbi(3, 3);

    [Fact]
    public void VerifyAbi_rejects_a_different_version_naming_both()
    {
        var e = Assert.Throws<CnnNativeException>(() => Native.VerifyAbi(native: 2, managed: 1));
        Assert.Contains("libcnnnative ABI 2, managed bindings ABI 1", e.Message);
        Assert.Contains("rebuild", e.Message);
    }

    [Fact]
    public void Real_abi_check_passes_and_the_library_reports_the_header_version()
    {
        Assert.Equal((uint)NativeMethods.CNN_ABI_VERSION, NativeMethods.cnn_abi_version());
        Assert.NotNull(NativeLibraryLoader.LoadedFrom);
    }

    [Fact]
    public void Active_isa_is_one_of_the_documented_tiers() =>
        Assert.Contains(Native.ActiveIsa, new[] { "ref", "generic", "avx2", "avx512" });

    [Theory]
    [InlineData(CnnStatus.InvalidArgument, typeof(ArgumentException))]
    [InlineData(CnnStatus.ShapeMismatch, typeof(ArgumentException))]
    [InlineData(CnnStatus.OutOfMemory, typeof(CnnNativeException))]
    [InlineData(CnnStatus.Unsupported, typeof(CnnNativeException))]
    [InlineData(CnnStatus.DeviceError, typeof(CnnNativeException))]
    [InlineData(CnnStatus.Internal, typeof(CnnNativeException))]
    public void Statuses_map_to_exception_types(CnnStatus status, Type expected)
    {
        Exception e = Native.ToException(status, "the message");
        Assert.IsType(expected, e);
        Assert.Equal("the message", e.Message);
        if (e is CnnNativeException native)
            Assert.Equal(status, native.Status);
    }

    [Fact]
    public void Check_ok_does_not_throw() => Native.Check(CnnStatus.Ok);

    [Fact]
    public void A_zero_dimension_is_an_ArgumentException_carrying_the_native_message_with_the_shape()
    {
        using ContextHandle context = Native.CreateContext(1);
        var e = Assert.Throws<ArgumentException>(() => Native.CreateTensor(context, [2, 0, 3]));
        Assert.Contains("[2,0,3]", e.Message);
        Assert.Equal(e.Message, Native.LastErrorMessage);
    }

    [Fact]
    public void A_reshape_to_another_element_count_is_an_ArgumentException_naming_both_shapes()
    {
        using ContextHandle context = Native.CreateContext(1);
        using TensorHandle tensor = Native.CreateTensor(context, [2, 3]);
        var e = Assert.Throws<ArgumentException>(() => Native.Reshape(tensor, [4, 2]));
        Assert.Contains("[2,3]", e.Message);
        Assert.Contains("[4,2]", e.Message);
    }

    [Fact]
    public void A_shape_too_large_for_memory_is_a_CnnNativeException_with_status_OutOfMemory()
    {
        using ContextHandle context = Native.CreateContext(1);
        var e = Assert.Throws<CnnNativeException>(() => Native.CreateTensor(context, [1L << 40, 1L << 40]));
        Assert.Equal(CnnStatus.OutOfMemory, e.Status);
        Assert.Contains("[1099511627776,1099511627776]", e.Message);
    }

    [Fact]
    public void The_last_error_message_is_empty_after_a_successful_call()
    {
        using ContextHandle context = Native.CreateContext(1);
        Assert.Throws<ArgumentException>(() => Native.CreateTensor(context, [0]));
        using TensorHandle tensor = Native.CreateTensor(context, [1]);
        Assert.Equal("", Native.LastErrorMessage);
    }

    [Fact]
    public unsafe void Write_and_read_round_trip_through_the_generated_functions()
    {
        using ContextHandle context = Native.CreateContext(1);
        long* shape = stackalloc long[] { 2, 3, 1, 2 };
        Native.Check(NativeMethods.cnn_tensor_create(context, shape, 4, out TensorHandle tensor));
        using (tensor)
        {
            float[] source = [1.5f, -2f, 3.25f, 0f, float.MaxValue, -0f, 7f, 8f, 9f, 10f, 11f, float.Epsilon];
            fixed (float* src = source)
                Native.Check(NativeMethods.cnn_tensor_write(tensor, src, (nuint)source.Length));
            var back = new float[source.Length];
            fixed (float* dst = back)
                Native.Check(NativeMethods.cnn_tensor_read(tensor, dst, (nuint)back.Length));
            Assert.Equal(source, back);

            float* data;
            Native.Check(NativeMethods.cnn_tensor_data(tensor, &data));
            Assert.Equal(source, new ReadOnlySpan<float>(data, source.Length).ToArray());
            Assert.Equal(0, (nint)data % 64);

            long* dims = stackalloc long[NativeMethods.CNN_MAX_RANK];
            Native.Check(NativeMethods.cnn_tensor_shape(tensor, dims, NativeMethods.CNN_MAX_RANK));
            Assert.Equal(new long[] { 2, 3, 1, 2 }, new ReadOnlySpan<long>(dims, 4).ToArray());
        }
    }

    [Fact]
    public void Native_helpers_round_trip_spans_and_report_the_shape()
    {
        using ContextHandle context = Native.CreateContext(2);
        using TensorHandle tensor = Native.CreateTensor(context, [4, 5]);
        Assert.Equal(2, Native.Rank(tensor));
        Assert.Equal(new long[] { 4, 5 }, Native.Shape(tensor));
        Assert.Equal(20, Native.ElementCount(tensor));

        float[] source = Enumerable.Range(0, 20).Select(i => i * 0.5f - 3f).ToArray();
        Native.Write(tensor, source);
        Span<float> back = stackalloc float[20];
        Native.Read(tensor, back);
        Assert.Equal(source, back.ToArray());

        using TensorHandle flat = Native.Reshape(tensor, [20]);
        Span<float> viaView = stackalloc float[20];
        Native.Read(flat, viaView);
        Assert.Equal(source, viaView.ToArray());
    }

    [Fact]
    public void Context_threads_and_window_sizes_go_through_the_helpers()
    {
        using ContextHandle context = Native.CreateContext(3);
        Assert.Equal(3, Native.Threads(context));
        Native.SetThreads(context, 1);
        Assert.Equal(1, Native.Threads(context));

        Assert.Equal(14, Native.WindowOutputSize(input: 28, kernel: 2, stride: 2, padBegin: 0, padEnd: 0));
        Assert.Equal(28, Native.WindowOutputSize(input: 28, kernel: 3, stride: 1, padBegin: 1, padEnd: 1));
        var e = Assert.Throws<ArgumentException>(() => Native.WindowOutputSize(input: 2, kernel: 5, stride: 1, padBegin: 0, padEnd: 0));
        Assert.Contains("5", e.Message);
    }

    [Fact]
    public void A_buffer_of_the_wrong_length_names_both_counts()
    {
        using ContextHandle context = Native.CreateContext(1);
        using TensorHandle tensor = Native.CreateTensor(context, [2, 3]);
        var e = Assert.Throws<ArgumentException>(() => Native.Write(tensor, new float[5]));
        Assert.Contains("5", e.Message);
        Assert.Contains("6", e.Message);
    }

    [Fact]
    public void Disposing_handles_twice_is_harmless_and_a_disposed_handle_is_not_passed_on()
    {
        ContextHandle context = Native.CreateContext(1);
        TensorHandle tensor = Native.CreateTensor(context, [3]);
        tensor.Dispose();
        tensor.Dispose();
        Assert.True(tensor.IsClosed);
        Assert.Throws<ObjectDisposedException>(() => Native.Write(tensor, new float[3]));
        context.Dispose();
        context.Dispose();
        Assert.True(context.IsClosed);
    }

    [Fact]
    public void The_Null_tensor_reaches_native_code_as_NULL_and_survives_Dispose()
    {
        TensorHandle.Null.Dispose();
        Assert.False(TensorHandle.Null.IsClosed);
        Assert.True(TensorHandle.Null.IsInvalid);
        // NULL where a tensor is required: the native argument check answers, not the marshaller.
        var e = Assert.Throws<ArgumentException>(() => Native.Rank(TensorHandle.Null));
        Assert.Contains("tensor", e.Message);
    }
}
