using CnnNative.Cli;

return CliApp.Run(args);
