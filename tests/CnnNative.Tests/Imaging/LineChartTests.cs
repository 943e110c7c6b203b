using System.Xml.Linq;
using CnnNative.Imaging;

namespace CnnNative.Tests.Imaging;

public class LineChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static LineChart TrainingChart() => new LineChart("MNIST <small> & fast")
        .AddLoss("train loss", [2.3, 0.9, 0.5, 0.35, 0.3])
        .AddLoss("validation loss", [2.1, 1.0, 0.6, 0.5, 0.52])
        .AddAccuracy("validation accuracy", [0.12, 0.71, 0.85, 0.9, 0.91]);

    [Fact]
    public void SvgIsWellFormedAndNamesEverySeries()
    {
        XDocument svg = XDocument.Parse(TrainingChart().ToSvg());

        Assert.Equal(Svg + "svg", svg.Root!.Name);
        string[] texts = [.. svg.Descendants(Svg + "text").Select(static t => t.Value)];
        Assert.Contains("train loss", texts);
        Assert.Contains("validation loss", texts);
        Assert.Contains("validation accuracy", texts);
        Assert.Contains("MNIST <small> & fast", texts);
        Assert.Contains("epoch", texts);
        Assert.Equal(3, svg.Descendants(Svg + "polyline").Count());
    }

    [Fact]
    public void LossAndAccuracyGetTheirOwnPanelsWithTicks()
    {
        XDocument svg = XDocument.Parse(TrainingChart().ToSvg());

        XElement[] panels = [.. svg.Root!.Elements(Svg + "g")];
        Assert.Equal(["loss", "accuracy"], panels.Select(static p => (string?)p.Attribute("class")));
        XElement loss = panels[0];
        string[] lossTexts = [.. loss.Descendants(Svg + "text").Select(static t => t.Value)];
        Assert.Contains("1", lossTexts);    // first epoch tick
        Assert.Contains("5", lossTexts);    // last epoch tick
        Assert.Contains("0.0", lossTexts);  // y ticks cover 0.3 .. 2.3 in steps of 0.5
        Assert.Contains("2.5", lossTexts);
        Assert.Equal(2, loss.Descendants(Svg + "polyline").Count());
        Assert.Single(panels[1].Descendants(Svg + "polyline"));
    }

    [Fact]
    public void ManyEpochsGetRoundTicksInsideTheAxis()
    {
        double[] loss = [.. Enumerable.Range(1, 100).Select(static e => 1.0 / e)];

        XDocument svg = XDocument.Parse(new LineChart().AddLoss("loss", loss).ToSvg());

        int[] xTicks = [.. svg.Descendants(Svg + "text")
            .Where(static t => (string?)t.Attribute("text-anchor") == "middle" && int.TryParse(t.Value, out _))
            .Select(static t => int.Parse(t.Value))];
        Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], xTicks);
        Assert.Empty(svg.Descendants(Svg + "circle")); // no markers on long runs
    }

    [Fact]
    public void NonFiniteValuesBreakTheLine()
    {
        var chart = new LineChart().AddLoss("loss", [1.0, 0.8, double.NaN, 0.5, 0.4]);

        XDocument svg = XDocument.Parse(chart.ToSvg());

        XElement[] lines = [.. svg.Descendants(Svg + "polyline")];
        Assert.Equal(2, lines.Length);
        Assert.Equal(2, ((string)lines[0].Attribute("points")!).Split(' ').Length);
        Assert.Single(svg.Root!.Elements(Svg + "g")); // no accuracy series, no accuracy panel
    }

    [Fact]
    public void SingleEpochAndEmptyChartsStillRender()
    {
        XDocument one = XDocument.Parse(new LineChart().AddAccuracy("acc", [0.5]).ToSvg());
        XDocument empty = XDocument.Parse(new LineChart().ToSvg());

        Assert.Single(one.Descendants(Svg + "circle"));
        Assert.Single(empty.Root!.Elements(Svg + "g"));
    }

    [Fact]
    public void SaveWritesTheSvgAtomically()
    {
        using var folder = new TempFolder();
        string path = folder.File("curves.svg");
        File.WriteAllText(path, "old");

        TrainingChart().Save(path);

        XDocument svg = XDocument.Load(path);
        Assert.Contains("train loss", svg.Descendants(Svg + "text").Select(static t => t.Value));
        Assert.Equal(["curves.svg"], folder.FileNames());
    }
}
