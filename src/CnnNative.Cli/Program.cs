using CnnNative.Cli;
using Spectre.Console;

// Redirected output (a log, a pipe) has no terminal width: lay tables out 160 columns wide instead of 80, so
// benchmark tables stay one row per line.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;
return CliApp.Run(args);
