using CnnNative.Interop;

namespace CnnNative;

/// <summary>The square window shared by <see cref="MaxPool2d"/> and <see cref="AvgPool2d"/>: validation and shapes.</summary>
internal readonly struct PoolWindow
{
    public PoolWindow(int kernelSize, int? stride, int padding)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        int s = stride ?? kernelSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(s, 1, nameof(stride));
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (padding >= kernelSize)
            throw new ArgumentOutOfRangeException(nameof(padding), padding,
                $"Pooling padding must be smaller than the kernel size {kernelSize}; got {padding}.");
        KernelSize = kernelSize;
        Stride = s;
        Padding = padding;
    }

    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }

    /// <summary>[N, C, OH, OW] for an input [N, C, H, W], or an exception naming both shapes.</summary>
    public TensorShape OutputShape(string typeName, TensorShape input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 4)
            throw new ArgumentException($"{typeName} expects input [N, C, H, W]; got {input} (rank {input.Rank} != 4).");
        int outHeight = WindowMath.OutputSize(input[2], KernelSize, Stride, Padding, Padding);
        int outWidth = WindowMath.OutputSize(input[3], KernelSize, Stride, Padding, Padding);
        if (outHeight == 0 || outWidth == 0)
            throw new ArgumentException(
                $"{typeName} expects input [N, C, H, W] with H and W + {2 * Padding} padding >= kernel {KernelSize}; got {input} " +
                $"(padded {input[2] + 2 * Padding} x {input[3] + 2 * Padding}).");
        return new TensorShape(input[0], input[1], outHeight, outWidth);
    }

    public CnnPool2dParams ToNative(bool countIncludePad) => new()
    {
        KernelH = KernelSize,
        KernelW = KernelSize,
        StrideH = Stride,
        StrideW = Stride,
        PadTop = Padding,
        PadBottom = Padding,
        PadLeft = Padding,
        PadRight = Padding,
        CountIncludePad = countIncludePad ? 1 : 0,
    };
}
