namespace CnnNative;

/// <summary>Sliding-window arithmetic shared by convolution and pooling (the same formula as cnn_window_output_size).</summary>
internal static class WindowMath
{
    /// <summary>
    /// (input + padBegin + padEnd - dilation*(kernel-1) - 1) / stride + 1, or 0 when the padded input is
    /// smaller than the dilated window.
    /// </summary>
    public static int OutputSize(int input, int kernel, int stride, int padBegin, int padEnd, int dilation = 1)
    {
        long padded = (long)input + padBegin + padEnd;
        long window = (long)dilation * (kernel - 1) + 1;
        if (padded < window) return 0;
        return (int)((padded - window) / stride + 1);
    }

    /// <summary>The extent of a dilated window: dilation*(kernel-1) + 1.</summary>
    public static long WindowExtent(int kernel, int dilation = 1) => (long)dilation * (kernel - 1) + 1;
}
