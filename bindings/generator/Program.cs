using CnnNative.BindingsGenerator;

// Usage: CnnNative.BindingsGenerator --xml <castxml output> --header <cnn.h> --output <file.g.cs>
//                                    [--source-name <path shown in the file header>] [--namespace <ns>]
// bindings/generate.sh runs castxml first and then this; see there.
try
{
    var options = ParseArguments(args);
    string header = Require(options, "--header");
    string source = options.GetValueOrDefault("--source-name") ?? Path.GetFileName(header);
    string text = Generator.Generate(Require(options, "--xml"), header,
        new EmitOptions(source, options.GetValueOrDefault("--namespace") ?? "CnnNative.Interop"));
    Generator.WriteIfChanged(Require(options, "--output"), text);
    return 0;
}
catch (GeneratorException e)
{
    Console.Error.WriteLine("bindings generator: error: " + e.Message.Replace("\n", "\nbindings generator: error: ", StringComparison.Ordinal));
    return 1;
}

static Dictionary<string, string> ParseArguments(string[] args)
{
    var options = new Dictionary<string, string>();
    for (int i = 0; i < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            throw new GeneratorException($"bad argument '{args[i]}'; usage: --xml FILE --header FILE --output FILE [--source-name NAME] [--namespace NS]");
        options[args[i]] = args[i + 1];
    }
    return options;
}

static string Require(Dictionary<string, string> options, string name) =>
    options.GetValueOrDefault(name) ?? throw new GeneratorException($"missing {name}");
