using System.Text;

namespace CnnNative.Tests.Training;

/// <summary>
/// Central finite differences against analytic gradients. The objective reads the variable's native memory
/// (the tensor is perturbed in place: through its span on the CPU, a host copy on an OpenCL device), so it goes
/// through the same C# API as training.
/// </summary>
internal static class GradientCheck
{
    public const double Eps = 1e-3;

    /// <summary>
    /// Checks up to <paramref name="samples"/> random coordinates of <paramref name="variable"/> (all when fewer):
    /// |fd - analytic| &lt;= absTol + relTol * |analytic|. Coordinates where <paramref name="skip"/> says so, or, with
    /// <paramref name="detectKinks"/>, where the differences at eps and eps/2 disagree (a ReLU kink or max-pool tie
    /// inside the step), are skipped; at least <paramref name="minCheckedFraction"/> of the chosen ones must be checked.
    /// </summary>
    public static int Check(string what, Tensor variable, ReadOnlySpan<float> analytic, Func<double> objective, Random random,
        int samples = 300, double eps = Eps, double absTol = 5e-3, double relTol = 5e-3, Func<int, bool>? skip = null,
        bool detectKinks = false, double minCheckedFraction = 0.8)
    {
        int length = (int)variable.ElementCount;
        Assert.True(analytic.Length == length, $"{what}: analytic gradient has {analytic.Length} values, variable {length}");
        int[] coordinates = length <= samples
            ? Enumerable.Range(0, length).ToArray()
            : Enumerable.Range(0, samples).Select(_ => random.Next(length)).Distinct().ToArray();

        var failures = new StringBuilder();
        int failed = 0, checkedCount = 0, candidates = 0;
        foreach (int k in coordinates)
        {
            if (skip?.Invoke(k) == true) continue;
            candidates++;
            double fd = Difference(variable, k, eps, objective);
            if (detectKinks)
            {
                double half = Difference(variable, k, eps / 2, objective);
                if (Math.Abs(fd - half) > absTol + relTol * Math.Abs(fd)) continue;
            }
            checkedCount++;
            double expected = analytic[k];
            if (Math.Abs(fd - expected) > absTol + relTol * Math.Abs(expected))
            {
                if (failed++ < 8) failures.Append($"\n  [{k}] analytic {expected:G7}, finite difference {fd:G7}");
            }
        }
        Assert.True(failed == 0, $"{what}: {failed} of {checkedCount} coordinates disagree:{failures}");
        Assert.True(checkedCount >= minCheckedFraction * candidates && checkedCount > 0,
            $"{what}: only {checkedCount} of {candidates} coordinates were smooth enough to check");
        return checkedCount;
    }

    /// <summary>(f(x + e) - f(x - e)) / (actual float step), restoring the coordinate afterwards.</summary>
    private static double Difference(Tensor variable, int k, double eps, Func<double> objective)
    {
        float original = Get(variable, k);
        float plus = (float)(original + eps), minus = (float)(original - eps);
        Set(variable, k, plus);
        double up = objective();
        Set(variable, k, minus);
        double down = objective();
        Set(variable, k, original);
        return (up - down) / ((double)plus - minus);
    }

    // Element access on any device: in place on the CPU, through a host copy on an OpenCL device.
    private static float Get(Tensor tensor, int k) => tensor.Device.IsCpu ? tensor.AsSpan()[k] : tensor.ToArray()[k];

    private static void Set(Tensor tensor, int k, float value)
    {
        if (tensor.Device.IsCpu)
        {
            tensor.AsSpan()[k] = value;
            return;
        }
        float[] values = tensor.ToArray();
        values[k] = value;
        tensor.CopyFrom(values);
    }

    /// <summary>Sets every element of a tensor on any device to <paramref name="value"/>.</summary>
    public static void Fill(Tensor tensor, float value) => Fill(tensor, data => Array.Fill(data, value));

    private static void Fill(Tensor tensor, Action<float[]> fill)
    {
        float[] values = new float[tensor.ElementCount];
        fill(values);
        tensor.CopyFrom(values);
    }

    /// <summary>Σ a[i] * b[i] in double.</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    /// <summary>Fills a tensor with uniform values in [low, high).</summary>
    public static void Randomize(Tensor tensor, Random random, float low = -1f, float high = 1f)
    {
        Fill(tensor, data =>
        {
            for (int i = 0; i < data.Length; i++) data[i] = low + (high - low) * random.NextSingle();
        });
    }

    /// <summary>Distinct values spaced 0.01 apart in random order (no max-pool ties within any finite-difference step).</summary>
    public static void RandomizeDistinct(Tensor tensor, Random random)
    {
        Fill(tensor, data =>
        {
            int[] order = Enumerable.Range(0, data.Length).OrderBy(_ => random.Next()).ToArray();
            for (int i = 0; i < data.Length; i++) data[i] = (order[i] - data.Length / 2) * 0.01f;
        });
    }
}
