using System.CommandLine;
using CnnNative.Cli;

var root = new RootCommand("cnn: train, evaluate and inspect convolutional networks (libcnnnative).")
{
    TrainCommand.Create(),
    EvalCommand.Create(),
    PredictCommand.Create(),
    VisualizeCommand.Create(),
    BenchCommand.Create(),
    InfoCommand.Create(),
};
try
{
    // Our own handler below prints caller mistakes as one line instead of a stack trace.
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or CnnNative.Interop.CnnNativeException
                               or IOException or CnnNative.Training.TrainingDivergedException)
{
    Console.Error.WriteLine($"cnn: {e.Message}");
    return 1;
}
