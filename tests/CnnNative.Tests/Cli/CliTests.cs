using CnnNative.Cli;
using CnnNative.Tests.Data;
using Spectre.Console;

namespace CnnNative.Tests.Cli;

[CollectionDefinition(nameof(CliTests), DisableParallelization = true)]
public sealed class CliCollection;

/// <summary>
/// The `cnn` app end to end on small generated data sets laid out like Fashion-MNIST: what it writes, and
/// that every user mistake gives one clear message, exit code 1 and loses nothing already saved.
/// </summary>
[Collection(nameof(CliTests))]
public class CliTests
{
    /// <summary>A Fashion-MNIST-style folder of 28x28 images (train 96, test 40) with labels i % 10.</summary>
    private static TempFolder SmallFashionMnist()
    {
        var folder = new TempFolder();
        IdxBytes.WriteMnistFolder(folder.FullName, trainCount: 96, testCount: 40, rows: 28, columns: 28);
        return folder;
    }

    private static (int Exit, string Error) Cnn(params string[] args)
    {
        var error = new StringWriter();
        int exit = CliApp.Run(args, error);
        return (exit, error.ToString());
    }

    [Fact]
    public void TrainWritesModelHistoryCurveAndFiltersThatEvalPredictAndVisualizeRead()
    {
        using TempFolder data = SmallFashionMnist();
        using var output = new TempFolder();

        var (exit, error) = Cnn("train", "--data-dir", data.FullName, "--epochs", "2", "--batch-size", "32",
            "--threads", "1", "--output", output.FullName);

        Assert.True(exit == 0, error);
        Assert.Equal(["curve.svg", "filters.png", "history.csv", "history.json", "model.cnnm"], output.FileNames());
        Assert.Equal(3, File.ReadAllLines(output.File("history.csv")).Length); // header + 2 epochs
        System.Xml.Linq.XDocument.Load(output.File("curve.svg"));
        using (Sequential model = Sequential.Load(output.File("model.cnnm")))
            Assert.Equal(3_274_634, model.ParameterCount);

        Assert.Equal(0, Cnn("eval", output.File("model.cnnm"), "--data-dir", data.FullName).Exit);
        Assert.Equal(0, Cnn("predict", output.File("model.cnnm"), "test:3", "--data-dir", data.FullName).Exit);
        string pictures = Path.Combine(output.FullName, "pictures");
        Assert.Equal(0, Cnn("visualize", output.File("model.cnnm"), "--input", "5", "--data-dir", data.FullName,
            "--output", pictures).Exit);
        Assert.Equal(
            ["activations_conv2d_1.png", "activations_conv2d_2.png", "filters.png", "input.png"],
            Directory.GetFiles(pictures).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void AMissingDataFolderNamesTheFolderAndHowToGetTheData()
    {
        using var output = new TempFolder();
        string missing = Path.Combine(output.FullName, "no-such-folder");

        var (exit, error) = Cnn("train", "--data-dir", missing, "--output", output.FullName);

        Assert.Equal(1, exit);
        Assert.Contains(missing, error);
        Assert.Contains("apt-get install dataset-fashion-mnist", error);
        Assert.Empty(output.FileNames());
    }

    [Fact]
    public void LabelsOutOfRangeNameTheFileAndTheLabel()
    {
        using TempFolder data = SmallFashionMnist();
        byte[] labels = IdxBytes.CyclicLabels(96, 10);
        labels[7] = 12;
        IdxBytes.Write(data.File("train-labels-idx1-ubyte.gz"), IdxBytes.LabelFile(labels), gzip: true);

        var (exit, error) = Cnn("train", "--data-dir", data.FullName, "--output", data.File("out"));

        Assert.Equal(1, exit);
        Assert.Contains("train-labels-idx1-ubyte", error);
        Assert.Contains("12", error);
    }

    [Fact]
    public void ADivergingRunStopsWithEpochAndBatchAndKeepsTheLastGoodModel()
    {
        using TempFolder data = SmallFashionMnist();
        using var output = new TempFolder();
        Assert.Equal(0, Cnn("train", "--data-dir", data.FullName, "--epochs", "1", "--batch-size", "32",
            "--threads", "1", "--output", output.FullName).Exit);
        byte[] good = File.ReadAllBytes(output.File("model.cnnm"));

        var (exit, error) = Cnn("train", "--data-dir", data.FullName, "--epochs", "1", "--batch-size", "32",
            "--threads", "1", "--optimizer", "sgd", "--lr", "1e30", "--output", output.FullName);

        Assert.Equal(1, exit);
        Assert.Contains("diverged", error);
        Assert.Matches(@"epoch 1, batch [1-3]\b", error);
        Assert.Equal(good, File.ReadAllBytes(output.File("model.cnnm")));
        Assert.DoesNotContain(output.FileNames(), name => name.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void AModelFileFromANewerFormatVersionIsRefusedByName()
    {
        using TempFolder data = SmallFashionMnist();
        using var output = new TempFolder();
        Assert.Equal(0, Cnn("train", "--data-dir", data.FullName, "--epochs", "1", "--batch-size", "48",
            "--threads", "1", "--output", output.FullName).Exit);
        byte[] bytes = File.ReadAllBytes(output.File("model.cnnm"));
        bytes[8] = 2; // the format version follows the 8-byte magic, little-endian
        File.WriteAllBytes(output.File("newer.cnnm"), bytes);

        var (exit, error) = Cnn("eval", output.File("newer.cnnm"), "--data-dir", data.FullName);

        Assert.Equal(1, exit);
        Assert.Contains("newer.cnnm", error);
        Assert.Contains("format version 2 is newer", error);
    }

    [Fact]
    public void PredictRejectsAnImageOfTheWrongSizeAndBadOptionsAreNamed()
    {
        using TempFolder data = SmallFashionMnist();
        using var output = new TempFolder();
        Assert.Equal(0, Cnn("train", "--data-dir", data.FullName, "--epochs", "1", "--batch-size", "48",
            "--threads", "1", "--output", output.FullName).Exit);
        string png = output.File("small.png");
        new CnnNative.Imaging.GrayImage(20, 10).Save(png);

        var (exit, error) = Cnn("predict", output.File("model.cnnm"), png);
        Assert.Equal(1, exit);
        Assert.Contains("20x10", error);
        Assert.Contains("[1, 28, 28]", error);

        Assert.Contains("Unknown optimizer 'rmsprop'", Cnn("train", "--data-dir", data.FullName, "--optimizer", "rmsprop",
            "--output", output.FullName).Error);
        Assert.Contains("Unknown architecture 'resnet'", Cnn("train", "--data-dir", data.FullName, "--arch", "resnet",
            "--output", output.FullName).Error);
        Assert.Contains("outside the test set", Cnn("predict", output.File("model.cnnm"), "test:40",
            "--data-dir", data.FullName).Error);
    }

    [Fact]
    public void DevicesListsTheCpuAndEveryOpenCLDevice()
    {
        IReadOnlyList<DeviceInfo> devices = Device.List(out string? problem);
        Assert.True(devices.Count >= 1, $"no OpenCL device: {problem}"); // CI installs PoCL
        var text = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 240; // no wrapping of long device names

        Assert.Equal(0, DevicesCommand.Print(console));

        string output = text.ToString();
        Assert.Contains("cpu", output);
        Assert.Contains(Device.Cpu.Isa, output);
        foreach (DeviceInfo d in devices)
        {
            Assert.Contains($"opencl:{d.Index}", output);
            Assert.Contains(d.Name, output);
        }
        Assert.DoesNotContain("No OpenCL device", output);
        Assert.Equal(0, Cnn("devices").Exit);
    }

    [Fact]
    public void TrainAndEvalRunOnAnOpenCLDeviceWhenAsked()
    {
        using TempFolder data = SmallFashionMnist();
        using var output = new TempFolder();

        var (exit, error) = Cnn("train", "--data-dir", data.FullName, "--epochs", "1", "--batch-size", "48",
            "--device", "opencl", "--output", output.FullName);

        Assert.True(exit == 0, error);
        using (Sequential model = Sequential.Load(output.File("model.cnnm")))
            Assert.Equal(3_274_634, model.ParameterCount);
        var (evalExit, evalError) = Cnn("eval", output.File("model.cnnm"), "--data-dir", data.FullName, "--device", "opencl:0");
        Assert.True(evalExit == 0, evalError);
    }

    [Fact]
    public void AMissingOpenCLDeviceFailsUnlessFallingBackIsAllowed()
    {
        using TempFolder data = SmallFashionMnist();
        using var output = new TempFolder();

        var (exit, error) = Cnn("train", "--data-dir", data.FullName, "--epochs", "1", "--device", "opencl:99",
            "--output", output.FullName);
        Assert.Equal(1, exit);
        Assert.Contains("99", error);
        Assert.Empty(output.FileNames()); // nothing ran

        var (fallbackExit, fallbackError) = Cnn("train", "--data-dir", data.FullName, "--epochs", "1", "--batch-size", "48",
            "--device", "opencl:99", "--allow-cpu-fallback", "--output", output.FullName);
        Assert.True(fallbackExit == 0, fallbackError);
        Assert.Contains("model.cnnm", output.FileNames());

        var (badExit, badError) = Cnn("train", "--data-dir", data.FullName, "--device", "gpu", "--output", output.FullName);
        Assert.Equal(1, badExit);
        Assert.Contains("Unknown device 'gpu'", badError);
    }

    [Fact]
    public void BenchComparesTheCpuWithEveryOpenCLDeviceInOneTable()
    {
        var text = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 240;

        int exit = BenchCommand.Run(console, new BenchCommand.Settings([2, 1], Threads: 1, Seconds: 0.01, ["all"],
            Training: true, SweepBatch: 1));

        Assert.Equal(0, exit);
        string output = text.ToString();
        string[] lines = output.Split('\n');
        int Rows(string device) => lines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^│ {device} +│ +[12] +│"));
        Assert.Equal(2, Rows("cpu"));
        foreach (DeviceInfo d in Device.List())
        {
            Assert.Equal(2, Rows($"opencl:{d.Index}"));
            Assert.Contains($"opencl:{d.Index} vs cpu, inference (forward + transfers): ", output);
            Assert.Contains($"opencl:{d.Index} vs cpu, training step: ", output);
        }
        Assert.Contains("train step ms", output);
        Assert.Contains("3->64 56x56 k7 s2", output);
    }

    [Fact]
    public void BenchCrossoverIsTheFirstBatchFromWhichTheDeviceStaysFaster()
    {
        BenchCommand.NetworkRow Row(string device, int batch, double forward, double train) =>
            new(device, batch, forward, ToDevice: 0.001, FromDevice: 0.001, train);
        BenchCommand.NetworkRow[] rows =
        [
            Row("cpu", 1, 0.010, 0.030), Row("cpu", 16, 0.100, 0.300), Row("cpu", 64, 0.400, 1.200),
            Row("opencl:0", 1, 0.050, 0.020), Row("opencl:0", 16, 0.090, 0.400), Row("opencl:0", 64, 0.200, 0.600),
        ];

        List<string> lines = BenchCommand.Crossovers(rows, [("cpu", Device.Cpu), ("opencl:0", Device.Cpu)], training: true);

        Assert.Equal(2, lines.Count);
        // Inference: 0.052 > 0.010 at 1, 0.092 < 0.100 at 16, 0.202 < 0.400 at 64. Training: faster at 1, slower at
        // 16, faster at 64: it stays faster only from 64.
        Assert.StartsWith("opencl:0 vs cpu, inference (forward + transfers): faster than the CPU from batch 16", lines[0]);
        Assert.Contains("0.19x at 1", lines[0]); // 0.010 / (0.050 + 0.002)
        Assert.StartsWith("opencl:0 vs cpu, training step: faster than the CPU from batch 64", lines[1]);
        Assert.Contains("slower than the CPU at every measured batch",
            BenchCommand.Crossovers(rows[..3].Concat([Row("opencl:0", 1, 1, 1)]).ToArray(), [("cpu", Device.Cpu), ("opencl:0", Device.Cpu)], false)[0]);
    }

    [Fact]
    public void BenchCsvPrintsOneParsableRecordPerDeviceAndBatch()
    {
        var text = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
        });

        int exit = BenchCommand.Run(console, new BenchCommand.Settings([1, 3], Threads: 1, Seconds: 0.01, ["cpu"],
            Training: true, SweepBatch: 0, Csv: true));

        Assert.Equal(0, exit);
        string[] lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("device,batch,isa,forward_ms,images_per_s,gflops,", lines[0]);
        for (int i = 1; i < 3; i++)
        {
            string[] fields = lines[i].Split(',');
            Assert.Equal(11, fields.Length);
            Assert.Equal("cpu", fields[0]);
            Assert.Equal(i == 1 ? "1" : "3", fields[1]);
            Assert.Equal(Device.Cpu.Isa, fields[2]);
            double forwardMs = double.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture);
            double imagesPerSecond = double.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(forwardMs > 0);
            Assert.Equal(int.Parse(fields[1]) / (forwardMs / 1e3), imagesPerSecond, 0.01 * imagesPerSecond);
            Assert.True(double.Parse(fields[8], System.Globalization.CultureInfo.InvariantCulture) > 0); // train_ms
        }
    }
}
