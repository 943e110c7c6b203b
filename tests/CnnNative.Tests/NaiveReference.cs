namespace CnnNative.Tests;

/// <summary>A plain NCHW array: data plus shape, for the naive reference below.</summary>
internal sealed record Nd(float[] Data, int[] Shape)
{
    public int Index(int n, int c, int h, int w) => ((n * Shape[1] + c) * Shape[2] + h) * Shape[3] + w;
}

/// <summary>
/// The obvious, slow forward computation of every layer, written with plain loops and double sums,
/// so the native kernels and the C# plumbing are checked against something independent of both.
/// </summary>
internal static class NaiveReference
{
    public static Nd Conv2d(Nd x, float[] weight, float[]? bias, int outChannels, int kernelH, int kernelW,
        int strideH = 1, int strideW = 1, int padTop = 0, int padBottom = 0, int padLeft = 0, int padRight = 0,
        int dilationH = 1, int dilationW = 1)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int oh = (h + padTop + padBottom - dilationH * (kernelH - 1) - 1) / strideH + 1;
        int ow = (w + padLeft + padRight - dilationW * (kernelW - 1) - 1) / strideW + 1;
        var y = new Nd(new float[n * outChannels * oh * ow], [n, outChannels, oh, ow]);
        for (int b = 0; b < n; b++)
        for (int o = 0; o < outChannels; o++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            double sum = bias?[o] ?? 0.0;
            for (int ch = 0; ch < c; ch++)
            for (int ki = 0; ki < kernelH; ki++)
            for (int kj = 0; kj < kernelW; kj++)
            {
                int row = i * strideH - padTop + ki * dilationH;
                int col = j * strideW - padLeft + kj * dilationW;
                if (row < 0 || row >= h || col < 0 || col >= w) continue; // zero padding
                sum += (double)x.Data[x.Index(b, ch, row, col)] * weight[((o * c + ch) * kernelH + ki) * kernelW + kj];
            }
            y.Data[y.Index(b, o, i, j)] = (float)sum;
        }
        return y;
    }

    /// <summary>Max or average pooling with a square window; padding cells never win a max.</summary>
    public static Nd Pool2d(Nd x, bool max, int kernel, int stride, int padding, bool countIncludePad = false)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int oh = (h + 2 * padding - kernel) / stride + 1;
        int ow = (w + 2 * padding - kernel) / stride + 1;
        var y = new Nd(new float[n * c * oh * ow], [n, c, oh, ow]);
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            double best = double.NegativeInfinity, sum = 0;
            int inside = 0;
            for (int ki = 0; ki < kernel; ki++)
            for (int kj = 0; kj < kernel; kj++)
            {
                int row = i * stride - padding + ki, col = j * stride - padding + kj;
                if (row < 0 || row >= h || col < 0 || col >= w) continue;
                double v = x.Data[x.Index(b, ch, row, col)];
                best = Math.Max(best, v);
                sum += v;
                inside++;
            }
            y.Data[y.Index(b, ch, i, j)] = (float)(max ? best : sum / (countIncludePad ? kernel * kernel : inside));
        }
        return y;
    }

    public static Nd GlobalAvgPool2d(Nd x)
    {
        int n = x.Shape[0], c = x.Shape[1], plane = x.Shape[2] * x.Shape[3];
        var y = new Nd(new float[n * c], [n, c, 1, 1]);
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int k = 0; k < plane; k++) sum += x.Data[(b * c + ch) * plane + k];
            y.Data[b * c + ch] = (float)(sum / plane);
        }
        return y;
    }

    public static Nd Dense(Nd x, float[] weight, float[]? bias, int outFeatures)
    {
        int n = x.Shape[0], inFeatures = x.Shape[1];
        var y = new Nd(new float[n * outFeatures], [n, outFeatures]);
        for (int b = 0; b < n; b++)
        for (int o = 0; o < outFeatures; o++)
        {
            double sum = bias?[o] ?? 0.0;
            for (int i = 0; i < inFeatures; i++) sum += (double)x.Data[b * inFeatures + i] * weight[o * inFeatures + i];
            y.Data[b * outFeatures + o] = (float)sum;
        }
        return y;
    }

    public static Nd Map(Nd x, Func<double, double> f)
    {
        var data = new float[x.Data.Length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)f(x.Data[i]);
        return new Nd(data, x.Shape);
    }

    public static Nd Relu(Nd x) => Map(x, v => v > 0 ? v : 0);
    public static Nd LeakyRelu(Nd x, double alpha) => Map(x, v => v > 0 ? v : alpha * v);
    public static Nd Elu(Nd x, double alpha) => Map(x, v => v > 0 ? v : alpha * (Math.Exp(v) - 1));
    public static Nd Sigmoid(Nd x) => Map(x, v => 1 / (1 + Math.Exp(-v)));
    public static Nd Tanh(Nd x) => Map(x, Math.Tanh);

    /// <summary>Softmax over axis 1 of [N, C, rest...]: for every n and every position in rest.</summary>
    public static Nd Softmax(Nd x)
    {
        int n = x.Shape[0], c = x.Shape[1], rest = x.Data.Length / (n * c);
        var data = new float[x.Data.Length];
        for (int b = 0; b < n; b++)
        for (int r = 0; r < rest; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int k = 0; k < c; k++) max = Math.Max(max, x.Data[(b * c + k) * rest + r]);
            for (int k = 0; k < c; k++) sum += Math.Exp(x.Data[(b * c + k) * rest + r] - max);
            for (int k = 0; k < c; k++) data[(b * c + k) * rest + r] = (float)(Math.Exp(x.Data[(b * c + k) * rest + r] - max) / sum);
        }
        return new Nd(data, x.Shape);
    }

    public static Nd Flatten(Nd x) => new(x.Data, [x.Shape[0], x.Data.Length / x.Shape[0]]);

    /// <summary>Asserts |actual - expected| &lt;= 1e-4 * (1 + |expected|) element-wise, naming the first bad index.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string context)
    {
        Assert.True(expected.Length == actual.Length, $"{context}: length {actual.Length} != expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-4 * (1 + Math.Abs(expected[i]));
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance,
                $"{context}: element {i} is {actual[i]}, expected {expected[i]} (tolerance {tolerance})");
        }
    }

    public static float[] RandomArray(Random random, int length, float low = -1f, float high = 1f)
    {
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = low + (high - low) * random.NextSingle();
        return data;
    }
}
