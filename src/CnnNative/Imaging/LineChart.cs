using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace CnnNative.Imaging;

/// <summary>
/// A training-curve chart written as SVG: one value per epoch for each series, losses in an upper panel and
/// accuracies in a lower one (a panel without series is left out), each with a frame, grid, numbered ticks,
/// axis titles and a legend. Non-finite values leave a gap in their line.
/// <code>
/// new LineChart("MNIST").AddLoss("train loss", trainLoss).AddLoss("val loss", valLoss)
///     .AddAccuracy("val accuracy", valAccuracy).Save("curves.svg");
/// </code>
/// </summary>
public sealed class LineChart
{
    private const int MarginLeft = 72, MarginRight = 24, TitleHeight = 36, PanelGap = 16, XAxisSpace = 44;

    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";
    private static readonly string[] s_colors =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    private readonly List<(string Name, double[] Values, ChartPanel Panel)> _series = [];
    private int _width = 720;
    private int _panelHeight = 280;

    /// <summary>An empty chart titled <paramref name="title"/>.</summary>
    public LineChart(string title = "Training")
    {
        ArgumentNullException.ThrowIfNull(title);
        Title = title;
    }

    /// <summary>The heading above the panels.</summary>
    public string Title { get; set; }

    /// <summary>The title of the horizontal axes; "epoch" by default.</summary>
    public string XLabel { get; set; } = "epoch";

    /// <summary>Width of the picture in pixels, at least 240; 720 by default.</summary>
    public int Width
    {
        get => _width;
        set => _width = value >= 240 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Width must be at least 240.");
    }

    /// <summary>Height of each panel in pixels, at least 140; 280 by default.</summary>
    public int PanelHeight
    {
        get => _panelHeight;
        set => _panelHeight = value >= 140 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "PanelHeight must be at least 140.");
    }

    /// <summary>The names of the series added so far, in order.</summary>
    public IReadOnlyList<string> SeriesNames => [.. _series.Select(static s => s.Name)];

    /// <summary>Adds a series: <paramref name="values"/>[i] is the value after epoch i + 1. Returns this chart.</summary>
    public LineChart Add(string name, double[] values, ChartPanel panel = ChartPanel.Loss)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(values);
        if (!Enum.IsDefined(panel)) throw new ArgumentOutOfRangeException(nameof(panel), panel, "Unknown chart panel.");
        _series.Add((name, (double[])values.Clone(), panel));
        return this;
    }

    /// <summary>Adds a series to the loss panel. Returns this chart.</summary>
    public LineChart AddLoss(string name, double[] values) => Add(name, values, ChartPanel.Loss);

    /// <summary>Adds a series to the accuracy panel. Returns this chart.</summary>
    public LineChart AddAccuracy(string name, double[] values) => Add(name, values, ChartPanel.Accuracy);

    /// <summary>Writes the chart as an SVG file (UTF-8), atomically (temporary file, then rename).</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, new UTF8Encoding(false).GetBytes(ToSvg()));

    /// <summary>The chart as an SVG document.</summary>
    public string ToSvg()
    {
        ChartPanel[] panels = [.. Enum.GetValues<ChartPanel>().Where(p => _series.Any(s => s.Panel == p))];
        if (panels.Length == 0) panels = [ChartPanel.Loss];
        int height = TitleHeight + panels.Length * PanelHeight + (panels.Length - 1) * PanelGap + 8;

        var root = new XElement(s_svg + "svg",
            new XAttribute("width", Width), new XAttribute("height", height),
            new XAttribute("viewBox", $"0 0 {Width} {height}"),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", 12),
            new XElement(s_svg + "title", Title),
            new XElement(s_svg + "rect", new XAttribute("width", Width), new XAttribute("height", height), new XAttribute("fill", "white")),
            Text(Width / 2.0, 24, Title, "middle", new XAttribute("font-size", 16), new XAttribute("font-weight", "bold")));

        int epochs = Math.Max(1, _series.Select(static s => s.Values.Length).DefaultIfEmpty(0).Max());
        // Epochs run from 1; ticks sit on whole multiples of a 1-2-5 step (1, 2, 3 ... or 10, 20, 30 ...).
        double lastEpoch = Math.Max(2, epochs);
        double xStep = ChartScale.Nice(1, lastEpoch, targetTicks: Math.Min(10, (int)lastEpoch - 1), integerSteps: true).Step;
        var xScale = new ChartScale(1, lastEpoch, xStep);
        for (int i = 0; i < panels.Length; i++)
            root.Add(Panel(panels[i], TitleHeight + i * (PanelHeight + PanelGap), xScale, epochs));
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.ToString() + "\n";
    }

    private XElement Panel(ChartPanel panel, double top, ChartScale xScale, int epochs)
    {
        double left = MarginLeft, right = Width - MarginRight, plotTop = top + 8, bottom = top + PanelHeight - XAxisSpace;
        var series = _series.Select((s, index) => (s.Name, s.Values, s.Panel, Color: s_colors[index % s_colors.Length]))
            .Where(s => s.Panel == panel).ToList();
        double[] finite = [.. series.SelectMany(static s => s.Values).Where(double.IsFinite)];
        ChartScale yScale = finite.Length == 0 ? ChartScale.Nice(0, 1) : ChartScale.Nice(finite.Min(), finite.Max());
        double X(double epoch) => left + (epoch - xScale.Low) / (xScale.High - xScale.Low) * (right - left);
        double Y(double value) => bottom - (value - yScale.Low) / (yScale.High - yScale.Low) * (bottom - plotTop);

        string label = panel == ChartPanel.Loss ? "loss" : "accuracy";
        var group = new XElement(s_svg + "g", new XAttribute("class", label));
        foreach (double tick in yScale.Ticks())
        {
            group.Add(Line(left, Y(tick), right, Y(tick), "#e0e0e0"), Line(left - 4, Y(tick), left, Y(tick), "#444444"));
            group.Add(Text(left - 7, Y(tick) + 4, yScale.Format(tick), "end"));
        }
        foreach (double tick in xScale.InnerTicks())
        {
            group.Add(Line(X(tick), plotTop, X(tick), bottom, "#f0f0f0"), Line(X(tick), bottom, X(tick), bottom + 4, "#444444"));
            group.Add(Text(X(tick), bottom + 18, xScale.Format(tick), "middle"));
        }
        group.Add(Text((left + right) / 2, bottom + 36, XLabel, "middle"));
        double labelY = (plotTop + bottom) / 2;
        group.Add(Text(18, labelY, label, "middle", new XAttribute("transform", $"rotate(-90 18 {N(labelY)})")));

        foreach (var s in series)
        {
            var points = new List<string>();
            void Flush()
            {
                if (points.Count > 1)
                    group.Add(new XElement(s_svg + "polyline", new XAttribute("points", string.Join(' ', points)),
                        new XAttribute("fill", "none"), new XAttribute("stroke", s.Color), new XAttribute("stroke-width", 2)));
                points.Clear();
            }
            for (int e = 0; e < s.Values.Length; e++)
            {
                if (!double.IsFinite(s.Values[e])) { Flush(); continue; }
                points.Add($"{N(X(e + 1))},{N(Y(s.Values[e]))}");
                if (epochs <= 30 || s.Values.Length == 1)
                    group.Add(new XElement(s_svg + "circle", new XAttribute("cx", N(X(e + 1))), new XAttribute("cy", N(Y(s.Values[e]))),
                        new XAttribute("r", 2.5), new XAttribute("fill", s.Color)));
            }
            Flush();
        }
        group.Add(Rect(left, plotTop, right - left, bottom - plotTop, "none", "#444444"));
        if (series.Count > 0)
        {
            // The legend goes in the right-hand corner the curves end farther from.
            double[] ends = [.. series.Select(static s => Array.FindLast(s.Values, double.IsFinite)).Where(double.IsFinite)];
            bool endHigh = ends.Length > 0 && (ends.Average() - yScale.Low) / (yScale.High - yScale.Low) > 0.5;
            group.Add(Legend(series.Select(static s => (s.Name, s.Color)).ToList(), right, plotTop, bottom, atBottom: endHigh));
        }
        return group;
    }

    private static XElement Legend(List<(string Name, string Color)> entries, double right, double plotTop, double plotBottom, bool atBottom)
    {
        double width = 44 + 7 * entries.Max(static e => e.Name.Length), height = 8 + 18 * entries.Count;
        double left = right - width - 8;
        double top = atBottom ? plotBottom - height - 16 : plotTop;
        var legend = new XElement(s_svg + "g", new XAttribute("class", "legend"),
            Rect(left, top + 8, width, height, "white", "#cccccc", new XAttribute("fill-opacity", 0.9)));
        for (int i = 0; i < entries.Count; i++)
        {
            double y = top + 8 + 13 + 18 * i;
            legend.Add(Line(left + 8, y - 4, left + 30, y - 4, entries[i].Color, 3));
            legend.Add(Text(left + 36, y, entries[i].Name, "start"));
        }
        return legend;
    }

    private static XElement Rect(double x, double y, double width, double height, string fill, string stroke, params object[] extra) =>
        new(s_svg + "rect", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("width", N(width)),
            new XAttribute("height", N(height)), new XAttribute("fill", fill), new XAttribute("stroke", stroke), extra);

    private static XElement Line(double x1, double y1, double x2, double y2, string stroke, double width = 1) =>
        new(s_svg + "line", new XAttribute("x1", N(x1)), new XAttribute("y1", N(y1)), new XAttribute("x2", N(x2)),
            new XAttribute("y2", N(y2)), new XAttribute("stroke", stroke), new XAttribute("stroke-width", N(width)));

    private static XElement Text(double x, double y, string text, string anchor, params object[] extra) =>
        new(s_svg + "text", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("text-anchor", anchor), extra, text);

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
