using System.Globalization;

namespace CnnNative.Imaging;

/// <summary>A "nice" axis: bounds and tick step from the 1-2-5 series, covering the data.</summary>
/// <param name="Low">The axis minimum, a multiple of <paramref name="Step"/>.</param>
/// <param name="High">The axis maximum, a multiple of <paramref name="Step"/>.</param>
/// <param name="Step">Distance between ticks.</param>
internal readonly record struct ChartScale(double Low, double High, double Step)
{
    /// <summary>An axis covering [<paramref name="min"/>, <paramref name="max"/>] with about <paramref name="targetTicks"/> intervals.</summary>
    public static ChartScale Nice(double min, double max, int targetTicks = 5, bool integerSteps = false)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            double pad = Math.Abs(min) > 0 ? Math.Abs(min) * 0.1 : 0.5;
            (min, max) = (min - pad, max + pad);
        }
        double rough = (max - min) / targetTicks;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double normalized = rough / magnitude;
        double step = (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude;
        if (integerSteps) step = Math.Max(1, Math.Round(step));
        return new ChartScale(Math.Floor(min / step + 1e-9) * step, Math.Ceiling(max / step - 1e-9) * step, step);
    }

    /// <summary>The tick values from <see cref="Low"/> to <see cref="High"/>.</summary>
    public IEnumerable<double> Ticks()
    {
        int count = (int)Math.Round((High - Low) / Step);
        for (int i = 0; i <= count; i++) yield return Low + i * Step;
    }

    /// <summary>Ticks at the multiples of <see cref="Step"/> inside [<see cref="Low"/>, <see cref="High"/>]; every integer when the step is 1.</summary>
    public IEnumerable<double> InnerTicks()
    {
        for (double tick = Math.Ceiling(Low / Step - 1e-9) * Step; tick <= High + Step * 1e-9; tick += Step) yield return tick;
    }

    /// <summary>A tick label with as many decimals as the step needs.</summary>
    public string Format(double value)
    {
        if (Math.Abs(value) < Step * 1e-9) value = 0;
        int decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(Step) + 1e-9), 0, 10);
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
