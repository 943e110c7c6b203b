using System.CommandLine;
using System.Diagnostics;
using CnnNative;

namespace CnnNative.Cli;

/// <summary>
/// `cnn bench`: the reference network's summary and its inference throughput on the CPU at the given
/// batch sizes, timed after a warm-up, as images per second and GFLOP/s (2 FLOPs per multiply-add).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var batches = new Option<int[]>("--batch", "-b")
        {
            Description = "Batch sizes to time.",
            DefaultValueFactory = _ => [1, 64],
            AllowMultipleArgumentsPerToken = true,
        };
        var threads = new Option<int>("--threads", "-t")
        {
            Description = "Native threads (0 = one per logical core).",
            DefaultValueFactory = _ => 0,
        };
        var seconds = new Option<double>("--seconds")
        {
            Description = "Minimum timed seconds per batch size.",
            DefaultValueFactory = _ => 2.0,
        };
        var command = new Command("bench", "Summary and inference throughput of the reference network on the CPU.")
        {
            batches, threads, seconds,
        };
        command.SetAction(result => Run(
            result.GetValue(batches) ?? [1, 64], result.GetValue(threads), result.GetValue(seconds)));
        return command;
    }

    private static int Run(int[] batchSizes, int threads, double minSeconds)
    {
        if (batchSizes.Length == 0 || batchSizes.Any(b => b < 1))
            throw new ArgumentException($"--batch needs sizes >= 1; got [{string.Join(", ", batchSizes)}].");
        if (minSeconds <= 0)
            throw new ArgumentException($"--seconds must be positive; got {minSeconds}.");
        Device.Cpu.Threads = threads;

        using Sequential model = ReferenceNetwork.Create("reference");
        Console.WriteLine(model.Summary());
        Console.WriteLine($"kernels: {Device.Cpu.Isa}, threads: {Device.Cpu.Threads}");
        Console.WriteLine();
        Console.WriteLine($"{"batch",6} {"images/s",12} {"ms/batch",10} {"GFLOP/s",9}");

        long flopsPerImage = 2 * ReferenceNetwork.MacsPerImage();
        int inputSize = (int)ReferenceNetwork.InputShape.ElementCount;
        int outputSize = (int)model.OutputShape.ElementCount;
        foreach (int batch in batchSizes)
        {
            var input = new float[batch * inputSize];
            var output = new float[batch * outputSize];
            var rng = new Random(1);
            for (int i = 0; i < input.Length; i++) input[i] = rng.NextSingle();

            model.Predict(input, batch, output);  // warm-up: workspace allocation, caches, thread pool
            int iterations = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed.TotalSeconds < minSeconds || iterations < 3)
            {
                model.Predict(input, batch, output);
                iterations++;
            }
            watch.Stop();
            double seconds = watch.Elapsed.TotalSeconds / iterations;
            double imagesPerSecond = batch / seconds;
            Console.WriteLine(
                $"{batch,6} {imagesPerSecond,12:N0} {seconds * 1e3,10:F3} {imagesPerSecond * flopsPerImage / 1e9,9:F1}");
        }
        return 0;
    }
}
