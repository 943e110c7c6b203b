using System.CommandLine;
using CnnNative;

namespace CnnNative.Cli;

/// <summary>`cnn info`: the native library's ABI version, kernel tier and thread count.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Native library version, active kernel tier (ISA) and threads.");
        command.SetAction(_ =>
        {
            Console.WriteLine($"native ABI:   {CnnLibrary.AbiVersion}");
            Console.WriteLine($"kernel tier:  {Device.Cpu.Isa}");
            Console.WriteLine($"CPU threads:  {Device.Cpu.Threads}");
            return 0;
        });
        return command;
    }
}
