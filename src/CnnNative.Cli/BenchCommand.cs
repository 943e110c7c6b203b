using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CnnNative;
using Spectre.Console;

namespace CnnNative.Cli;

/// <summary>
/// `cnn bench`: the reference network (inference and training steps) and a sweep of convolution layers on every
/// device — the CPU and each OpenCL device — timed after a warm-up, in one table per part, and the batch size from
/// which each OpenCL device beats the CPU. GFLOP/s count 2 FLOPs per multiply-add; a training step counts three
/// passes (forward, data gradient, weight gradient).
/// </summary>
/// <remarks>
/// What each column times: "forward" is <see cref="Sequential.Forward(Tensor, Tensor)"/> with the batch already on
/// the device, then <see cref="Device.Synchronize"/> (device time, no transfers); "to dev" and "from
/// dev" are one input upload and one output download of that batch; "train step" is one
/// <see cref="Sequential.TrainBatch"/> from host memory (upload, forward, loss, backward, update, loss read back).
/// The crossover compares what a caller waits for: forward plus both transfers, and the training step.
/// </remarks>
internal static class BenchCommand
{
    private static readonly ConvShape[] SweepShapes =
    [
        new("conv1 1->32 28x28 k5", 1, 32, 28, 5, 1, 2),
        new("conv2 32->64 14x14 k5", 32, 64, 14, 5, 1, 2),
        new("64->64 28x28 k3", 64, 64, 28, 3, 1, 1),
        new("64->128 14x14 k3", 64, 128, 14, 3, 1, 1),
        new("128->128 7x7 k3", 128, 128, 7, 3, 1, 1),
        new("128->256 7x7 k1", 128, 256, 7, 1, 1, 0),
        new("3->64 56x56 k7 s2", 3, 64, 56, 7, 2, 3),
    ];

    public static Command Create()
    {
        var batches = new Option<int[]>("--batch", "-b")
        {
            Description = "Batch sizes of the reference network.",
            DefaultValueFactory = _ => [1, 16, 64],
            AllowMultipleArgumentsPerToken = true,
        };
        var threads = new Option<int>("--threads", "-t")
        {
            Description = "Native CPU threads (0 = one per logical core).",
            DefaultValueFactory = _ => 0,
        };
        var seconds = new Option<double>("--seconds")
        {
            Description = "Minimum timed seconds per measurement (at least 2 runs each).",
            DefaultValueFactory = _ => 1.0,
        };
        var devices = new Option<string[]>("--device", "-d")
        {
            Description = "Devices to compare: all (the CPU and every OpenCL device), cpu, opencl, opencl:N.",
            DefaultValueFactory = _ => ["all"],
            AllowMultipleArgumentsPerToken = true,
        };
        var noTraining = new Option<bool>("--no-training") { Description = "Time inference only." };
        var sweepBatch = new Option<int>("--sweep-batch")
        {
            Description = "Batch of the convolution sweep (0 skips the sweep).",
            DefaultValueFactory = _ => 16,
        };
        var csv = new Option<bool>("--csv")
        {
            Description = "Print the network rows as CSV (device,batch,isa,forward_ms,images_per_s,gflops,to_device_ms," +
                "from_device_ms,train_ms,train_images_per_s,train_gflops) instead of tables, for scripts.",
        };
        var command = new Command("bench",
            "Reference network (inference, training steps) and a convolution sweep on the CPU and every OpenCL device.")
        {
            batches, threads, seconds, devices, noTraining, sweepBatch, csv,
        };
        command.SetAction(result => Run(AnsiConsole.Console, new Settings(
            result.GetValue(batches) ?? [1, 16, 64], result.GetValue(threads), result.GetValue(seconds),
            result.GetValue(devices) ?? ["all"], !result.GetValue(noTraining), result.GetValue(sweepBatch),
            result.GetValue(csv))));
        return command;
    }

    internal sealed record Settings(int[] Batches, int Threads, double Seconds, string[] Devices, bool Training, int SweepBatch,
        bool Csv = false);

    private sealed record ConvShape(string Name, int InChannels, int OutChannels, int Size, int Kernel, int Stride, int Padding)
    {
        public int OutSize => (Size + 2 * Padding - Kernel) / Stride + 1;

        public long Macs => (long)OutChannels * OutSize * OutSize * InChannels * Kernel * Kernel;
    }

    internal sealed record NetworkRow(string Device, int Batch, double Forward, double ToDevice, double FromDevice, double? Train);

    /// <summary>Runs the benchmark and writes its tables to <paramref name="console"/>; returns the exit code.</summary>
    internal static int Run(IAnsiConsole console, Settings s)
    {
        if (s.Batches.Length == 0 || s.Batches.Any(b => b < 1))
            throw new ArgumentException($"--batch needs sizes >= 1; got [{string.Join(", ", s.Batches)}].");
        if (!(s.Seconds > 0))
            throw new ArgumentException($"--seconds must be positive; got {s.Seconds}.");
        if (s.SweepBatch < 0) throw new ArgumentException($"--sweep-batch must be 0 or more; got {s.SweepBatch}.");
        Device.Cpu.Threads = s.Threads;
        List<(string Name, Device Device)> devices = SelectDevices(console, s.Devices);
        int[] batches = [.. s.Batches.Distinct().Order()];

        var rows = new List<NetworkRow>();
        if (s.Csv)
        {
            console.Profile.Width = int.MaxValue; // one record a line
            console.WriteLine("device,batch,isa,forward_ms,images_per_s,gflops,to_device_ms,from_device_ms,train_ms,train_images_per_s,train_gflops");
            foreach (var (name, device) in devices)
                foreach (int batch in batches)
                    console.WriteLine(CsvRow(TimeNetwork(name, device, batch, s), device));
            return 0;
        }

        console.MarkupLine("[bold]cnn bench[/]: reference network (conv 5x5x32, pool, conv 5x5x64, pool, dense 1024, dense 10)");
        foreach (var (name, device) in devices)
            console.MarkupLine($"  {name}: {Markup.Escape(DeviceOptions.Describe(device))}");
        foreach (var (name, device) in devices)
            foreach (int batch in batches)
                rows.Add(TimeNetwork(name, device, batch, s));
        console.Write(NetworkTable(rows, s.Training));
        foreach (string line in Crossovers(rows, devices, s.Training)) console.MarkupLine(Markup.Escape(line));

        if (s.SweepBatch > 0)
        {
            console.WriteLine();
            console.MarkupLine($"[bold]convolution sweep[/]: forward, batch {s.SweepBatch}, ms and GFLOP/s");
            console.Write(SweepTable(devices, s));
        }
        return 0;
    }

    private static List<(string, Device)> SelectDevices(IAnsiConsole console, string[] names)
    {
        var selected = new List<(string, Device)>();
        void Add(string name, Device device)
        {
            if (!selected.Exists(d => ReferenceEquals(d.Item2, device))) selected.Add((name, device));
        }
        foreach (string name in names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                Add("cpu", Device.Cpu);
                IReadOnlyList<DeviceInfo> found = Device.List(out string? problem);
                if (problem is not null) console.MarkupLine($"[yellow]no OpenCL device[/]: {Markup.Escape(problem)}");
                foreach (DeviceInfo info in found) Add($"opencl:{info.Index}", Device.OpenCL(info.Index));
                continue;
            }
            int? index = DeviceOptions.ParseOpenCLIndex(name);
            Add(index is int i ? $"opencl:{i}" : "cpu", index is int j ? Device.OpenCL(j) : Device.Cpu);
        }
        if (selected.Count == 0) throw new ArgumentException("--device names no device.");
        return selected;
    }

    private static NetworkRow TimeNetwork(string name, Device device, int batch, Settings s)
    {
        using Sequential model = ReferenceNetwork.Create("reference", seed: 1, device);
        int inputSize = (int)ReferenceNetwork.InputShape.ElementCount;
        var random = new Random(batch);
        var inputs = new float[batch * inputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSingle();
        int[] labels = [.. Enumerable.Range(0, batch).Select(i => i % 10)];
        var outputs = new float[batch * 10];
        using var input = new Tensor(device, ReferenceNetwork.InputShape.WithBatch(batch));
        using var output = new Tensor(device, model.OutputShape.WithBatch(batch));
        input.CopyFrom(inputs);

        double forward = Time(s.Seconds, () =>
        {
            model.Forward(input, output);
            device.Synchronize();
        });
        double toDevice = device.IsCpu ? 0 : Time(s.Seconds / 4, () => input.CopyFrom(inputs));
        double fromDevice = device.IsCpu ? 0 : Time(s.Seconds / 4, () => output.CopyTo(outputs));
        double? train = null;
        if (s.Training)
        {
            model.Compile(new Sgd(1e-3f, momentum: 0.9f), Loss.CrossEntropy);
            train = Time(s.Seconds, () => model.TrainBatch(inputs, labels));
        }
        return new NetworkRow(name, batch, forward, toDevice, fromDevice, train);
    }

    /// <summary>
    /// Seconds per run of <paramref name="run"/> (which waits for its device work): one warm-up run (allocations,
    /// kernel builds), then runs until <paramref name="minSeconds"/> have passed and at least two were made.
    /// </summary>
    private static double Time(double minSeconds, Action run)
    {
        run();
        int runs = 0;
        var watch = Stopwatch.StartNew();
        do
        {
            run();
            runs++;
        } while (watch.Elapsed.TotalSeconds < minSeconds || runs < 2);
        return watch.Elapsed.TotalSeconds / runs;
    }

    private static Table NetworkTable(List<NetworkRow> rows, bool training)
    {
        double forwardFlops = 2.0 * ReferenceNetwork.MacsPerImage();
        var table = new Table().AddColumns("device", "batch", "forward ms", "images/s", "GFLOP/s", "to dev ms", "from dev ms");
        if (training) table.AddColumns("train step ms", "train images/s", "train GFLOP/s");
        foreach (NetworkRow r in rows)
        {
            var cells = new List<string>
            {
                r.Device, Int(r.Batch), Ms(r.Forward), Int(r.Batch / r.Forward), Gflops(r.Batch * forwardFlops, r.Forward),
                r.Device == "cpu" ? "-" : Ms(r.ToDevice), r.Device == "cpu" ? "-" : Ms(r.FromDevice),
            };
            if (training && r.Train is double t)
                cells.AddRange([Ms(t), Int(r.Batch / t), Gflops(3 * r.Batch * forwardFlops, t)]);
            table.AddRow(cells.ToArray());
        }
        foreach (TableColumn column in table.Columns.Skip(1)) column.RightAligned();
        return table;
    }

    private static string CsvRow(NetworkRow r, Device device)
    {
        double flops = 2.0 * ReferenceNetwork.MacsPerImage();
        string F(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
        string train = r.Train is double t ? $"{F(t * 1e3)},{F(r.Batch / t)},{F(3 * r.Batch * flops / t / 1e9)}" : ",,";
        string isa = device.IsCpu ? device.Isa : "opencl";
        return $"{r.Device},{r.Batch},{isa},{F(r.Forward * 1e3)},{F(r.Batch / r.Forward)},{F(r.Batch * flops / r.Forward / 1e9)}," +
            $"{F(r.ToDevice * 1e3)},{F(r.FromDevice * 1e3)},{train}";
    }

    /// <summary>For each OpenCL device: the smallest measured batch from which it stays faster than the CPU.</summary>
    internal static List<string> Crossovers(IReadOnlyList<NetworkRow> rows, List<(string Name, Device Device)> devices, bool training)
    {
        var lines = new List<string>();
        if (!devices.Exists(d => d.Name == "cpu"))
        {
            lines.Add("crossover: the CPU was not measured (--device all or cpu to compare).");
            return lines;
        }
        var cpu = rows.Where(r => r.Device == "cpu").ToDictionary(r => r.Batch);
        foreach (var (name, _) in devices.Where(d => d.Name != "cpu"))
        {
            NetworkRow[] own = [.. rows.Where(r => r.Device == name).OrderBy(r => r.Batch)];
            lines.Add($"{name} vs cpu, inference (forward + transfers): " +
                Crossover(own, r => r.Forward + r.ToDevice + r.FromDevice, r => cpu[r.Batch].Forward));
            if (training)
                lines.Add($"{name} vs cpu, training step: " + Crossover(own, r => r.Train!.Value, r => cpu[r.Batch].Train!.Value));
        }
        return lines;
    }

    private static string Crossover(NetworkRow[] rows, Func<NetworkRow, double> device, Func<NetworkRow, double> cpu)
    {
        int? from = null;
        for (int i = rows.Length - 1; i >= 0 && device(rows[i]) < cpu(rows[i]); i--) from = rows[i].Batch;
        string ratios = string.Join(", ", rows.Select(r => $"{cpu(r) / device(r):F2}x at {r.Batch}"));
        return from is int batch
            ? $"faster than the CPU from batch {batch} ({ratios})"
            : $"slower than the CPU at every measured batch ({ratios})";
    }

    private static Table SweepTable(List<(string Name, Device Device)> devices, Settings s)
    {
        var table = new Table().AddColumn("layer").AddColumn("MFLOP");
        foreach (var (name, _) in devices) table.AddColumns($"{name} ms", $"{name} GFLOP/s");
        foreach (ConvShape shape in SweepShapes)
        {
            double flops = 2.0 * shape.Macs * s.SweepBatch;
            var cells = new List<string> { shape.Name, (flops / 1e6).ToString("F1", CultureInfo.InvariantCulture) };
            foreach (var (_, device) in devices)
            {
                double seconds = TimeConv(shape, device, s);
                cells.AddRange([Ms(seconds), Gflops(flops, seconds)]);
            }
            table.AddRow(cells.ToArray());
        }
        foreach (TableColumn column in table.Columns.Skip(1)) column.RightAligned();
        return table;
    }

    private static double TimeConv(ConvShape shape, Device device, Settings s)
    {
        var inputShape = new TensorShape(shape.InChannels, shape.Size, shape.Size);
        using var model = new Sequential(inputShape,
            [new Conv2d(shape.InChannels, shape.OutChannels, shape.Kernel, shape.Stride, shape.Padding)], seed: 1, device);
        using var input = new Tensor(device, inputShape.WithBatch(s.SweepBatch));
        using var output = new Tensor(device, model.OutputShape.WithBatch(s.SweepBatch));
        var values = new float[input.ElementCount];
        var random = new Random(shape.InChannels);
        for (int i = 0; i < values.Length; i++) values[i] = random.NextSingle() - 0.5f;
        input.CopyFrom(values);
        return Time(s.Seconds / 2, () =>
        {
            model.Forward(input, output);
            device.Synchronize();
        });
    }

    private static string Ms(double seconds) => (seconds * 1e3).ToString(seconds < 0.01 ? "F3" : "F1", CultureInfo.InvariantCulture);

    private static string Int(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Gflops(double flops, double seconds) => (flops / seconds / 1e9).ToString("F1", CultureInfo.InvariantCulture);
}
