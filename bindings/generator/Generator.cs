using System.Text;

namespace CnnNative.BindingsGenerator;

/// <summary>castxml XML + header text -> C# source. The entry point for the program and the tests.</summary>
internal static class Generator
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Throws <see cref="GeneratorException"/> naming the declaration when the header cannot be bound.</summary>
    public static string Generate(string castXmlPath, string headerPath, EmitOptions options)
    {
        var text = new HeaderText(File.ReadAllText(headerPath));
        HeaderModel model = CastXmlReader.Read(castXmlPath, headerPath, text);
        return CSharpEmitter.Emit(model, options);
    }

    /// <summary>Writes UTF-8 without BOM, "\n" line ends; leaves the file (and its timestamp) alone when equal.</summary>
    public static void WriteIfChanged(string path, string text)
    {
        byte[] bytes = Utf8NoBom.GetBytes(text);
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
            return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, bytes);
    }
}
