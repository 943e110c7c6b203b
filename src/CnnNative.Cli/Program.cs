using System.CommandLine;
using CnnNative.Cli;

var root = new RootCommand("cnn: convolutional networks on the CPU through libcnnnative.")
{
    InfoCommand.Create(),
    BenchCommand.Create(),
};
try
{
    // Our own handler below prints caller mistakes as one line instead of a stack trace.
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ArgumentException or CnnNative.Interop.CnnNativeException or IOException)
{
    Console.Error.WriteLine($"cnn: {e.Message}");
    return 1;
}
