using System.CommandLine;
using System.Globalization;
using CnnNative;
using CnnNative.Interop;
using Spectre.Console;

namespace CnnNative.Cli;

/// <summary>`cnn devices`: the CPU and every OpenCL device, or why there is no OpenCL device.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List the devices models can run on: the CPU and every OpenCL device.");
        command.SetAction(_ => Print(AnsiConsole.Console));
        return command;
    }

    /// <summary>Writes the device table (and, without OpenCL devices, the reason) to <paramref name="console"/>.</summary>
    internal static int Print(IAnsiConsole console)
    {
        IReadOnlyList<DeviceInfo> devices = Device.List(out string? problem);
        var table = new Table()
            .AddColumns("device", "type", "name", "platform", "version", "units", "global mem", "local mem", "fp16");
        Device cpu = Device.Cpu;
        table.AddRow("cpu", "CPU", Markup.Escape($"{cpu.Isa} kernels"), "libcnnnative", "-",
            cpu.Threads.ToString(CultureInfo.InvariantCulture), "-", "-", "-");
        foreach (DeviceInfo d in devices)
        {
            table.AddRow(
                $"opencl:{d.Index}", TypeName(d.Type), Markup.Escape(d.Name), Markup.Escape(d.Platform),
                Markup.Escape(ShortVersion(d.Version)), d.ComputeUnits.ToString(CultureInfo.InvariantCulture),
                Bytes(d.GlobalMemoryBytes), Bytes(d.LocalMemoryBytes), d.SupportsFp16 ? "yes" : "no");
        }
        console.Write(table);
        if (problem is not null)
            console.MarkupLine($"[yellow]No OpenCL device:[/] {Markup.Escape(problem)}");
        return 0;
    }

    private static string TypeName(CnnDeviceType type) => type switch
    {
        CnnDeviceType.Cpu => "CPU",
        CnnDeviceType.Gpu => "GPU",
        CnnDeviceType.Accelerator => "accelerator",
        _ => "other",
    };

    /// <summary>"OpenCL 3.0" out of "OpenCL 3.0 PoCL HSTR: ...": the vendor part is long and says little here.</summary>
    private static string ShortVersion(string version) =>
        string.Join(' ', version.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries).Take(2));

    /// <summary>Binary units, one decimal: "15.6 GiB", "256.0 KiB".</summary>
    private static string Bytes(ulong bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:F1} {units[unit]}");
    }
}
