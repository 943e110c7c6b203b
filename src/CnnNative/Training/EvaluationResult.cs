using System.Text;

namespace CnnNative.Training;

/// <summary>Loss, accuracy and confusion matrix of a model on a data set.</summary>
public sealed class EvaluationResult
{
    internal EvaluationResult(double loss, int correct, int count, int[,] confusion)
    {
        Loss = loss;
        Correct = correct;
        Count = count;
        ConfusionMatrix = confusion;
    }

    /// <summary>Mean cross-entropy over the samples.</summary>
    public double Loss { get; }

    /// <summary>Correctly classified samples.</summary>
    public int Correct { get; }

    /// <summary>Samples evaluated.</summary>
    public int Count { get; }

    /// <summary>Correct / Count.</summary>
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;

    /// <summary>[true class, predicted class] counts.</summary>
    public int[,] ConfusionMatrix { get; }

    /// <summary>Accuracy of each true class (recall); NaN for a class with no samples.</summary>
    public double[] PerClassAccuracy()
    {
        int classes = ConfusionMatrix.GetLength(0);
        var result = new double[classes];
        for (int t = 0; t < classes; t++)
        {
            int total = 0;
            for (int p = 0; p < classes; p++) total += ConfusionMatrix[t, p];
            result[t] = total == 0 ? double.NaN : (double)ConfusionMatrix[t, t] / total;
        }
        return result;
    }

    /// <summary>The confusion matrix as text, rows = true class, columns = predicted class.</summary>
    public string FormatConfusionMatrix(IReadOnlyList<string>? classNames = null)
    {
        int classes = ConfusionMatrix.GetLength(0);
        var text = new StringBuilder();
        int labelWidth = classNames?.Max(n => n.Length) ?? 3;
        text.Append(' ', labelWidth + 1);
        for (int p = 0; p < classes; p++) text.Append($"{p,6}");
        text.AppendLine();
        for (int t = 0; t < classes; t++)
        {
            string label = classNames is not null && t < classNames.Count ? classNames[t] : t.ToString();
            text.Append(label.PadLeft(labelWidth)).Append(' ');
            for (int p = 0; p < classes; p++) text.Append($"{ConfusionMatrix[t, p],6}");
            text.AppendLine();
        }
        return text.ToString();
    }
}
