using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace CnnNative.Cli;

/// <summary>
/// The --device and --allow-cpu-fallback options of the commands that run a model. "cpu" (the default), "opencl"
/// (device 0) or "opencl:N" (see `cnn devices`). Without --allow-cpu-fallback an OpenCL device that cannot be
/// opened is an error; with it the command runs on the CPU and says so first.
/// </summary>
internal sealed class DeviceOptions
{
    public Option<string> Device { get; } = new("--device", "-d")
    {
        Description = "Where the model runs: cpu, opencl (device 0) or opencl:N (see `cnn devices`).",
        DefaultValueFactory = _ => "cpu",
    };

    public Option<bool> AllowFallback { get; } = new("--allow-cpu-fallback")
    {
        Description = "Run on the CPU (and say so) when the OpenCL device cannot be opened, instead of failing.",
    };

    public void AddTo(Command command)
    {
        command.Add(Device);
        command.Add(AllowFallback);
    }

    /// <summary>The device the options name, after setting the CPU's thread count (host-side work uses it on any device).</summary>
    public CnnNative.Device Resolve(ParseResult result, int threads)
    {
        CnnNative.Device.Cpu.Threads = threads;
        return Resolve(result.GetValue(Device) ?? "cpu", result.GetValue(AllowFallback));
    }

    /// <summary>Parses "cpu", "opencl" or "opencl:N"; with <paramref name="allowFallback"/> falls back to the CPU loudly.</summary>
    public static CnnNative.Device Resolve(string name, bool allowFallback)
    {
        int? index = ParseOpenCLIndex(name);
        if (index is not int openCLIndex) return CnnNative.Device.Cpu;
        if (!allowFallback) return CnnNative.Device.OpenCL(openCLIndex);
        CnnNative.Device device = CnnNative.Device.OpenCLOrCpu(openCLIndex, out string? reason);
        if (reason is not null)
            AnsiConsole.MarkupLine($"[yellow]falling back to the CPU[/] (--allow-cpu-fallback): {Markup.Escape(reason)}");
        return device;
    }

    /// <summary>Null for "cpu"; the OpenCL index for "opencl" (0) or "opencl:N".</summary>
    public static int? ParseOpenCLIndex(string name)
    {
        string value = name.Trim().ToLowerInvariant();
        if (value == "cpu") return null;
        if (value == "opencl") return 0;
        if (value.StartsWith("opencl:", StringComparison.Ordinal) &&
            int.TryParse(value.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            return index;
        throw new ArgumentException($"Unknown device '{name}'; choose cpu, opencl or opencl:N (N from `cnn devices`).");
    }

    /// <summary>How the startup line describes <paramref name="device"/>.</summary>
    public static string Describe(CnnNative.Device device) =>
        device.IsCpu ? $"CPU, kernels {device.Isa}, {device.Threads} threads" : device.Info!.ToString();
}
