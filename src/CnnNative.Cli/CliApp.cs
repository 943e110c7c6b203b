using System.CommandLine;
using CnnNative.Data;
using CnnNative.Imaging;
using CnnNative.Interop;
using CnnNative.Training;

namespace CnnNative.Cli;

/// <summary>The `cnn` command line: parses arguments, runs the command, and turns the errors a user can
/// cause (bad options, missing or corrupt files, a diverging run) into one message and exit code 1.</summary>
internal static class CliApp
{
    public static int Run(string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        var root = new RootCommand("cnn: train, evaluate and inspect convolutional networks (libcnnnative).")
        {
            TrainCommand.Create(),
            EvalCommand.Create(),
            PredictCommand.Create(),
            VisualizeCommand.Create(),
            BenchCommand.Create(),
            InfoCommand.Create(),
            DevicesCommand.Create(),
        };
        try
        {
            // Our own handler below prints caller mistakes as one line instead of a stack trace.
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            error.WriteLine($"cnn: {e.Message}");
            return 1;
        }
    }

    private static bool IsUserFacing(Exception e) =>
        e is ArgumentException or InvalidOperationException or IOException or CnnNativeException
            or TrainingDivergedException or DatasetException or ModelFileException or ImageFileException;
}
