namespace CnnNative.Imaging;

/// <summary>Which panel of a <see cref="LineChart"/> a series is drawn in.</summary>
public enum ChartPanel
{
    /// <summary>The upper panel, for losses.</summary>
    Loss,

    /// <summary>The lower panel, for accuracies (or any second quantity).</summary>
    Accuracy,
}
