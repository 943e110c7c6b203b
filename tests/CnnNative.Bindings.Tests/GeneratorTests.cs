using System.Diagnostics;
using System.Text;
using CnnNative.BindingsGenerator;

namespace CnnNative.Bindings.Tests;

/// <summary>castxml + the generator, in process, on the sample header, on bad headers and on the real cnn.h.</summary>
public sealed class GeneratorTests : IDisposable
{
    private const string SampleSourceName = "tests/CnnNative.Bindings.Tests/Sample/sample.h";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Generate(string header, string sourceName, string ns = "CnnNative.Interop") =>
        Generator.Generate(Paths.RunCastXml(header, _temp.Path), header, new EmitOptions(sourceName, ns));

    [Fact]
    public void Sample_header_generates_the_expected_file()
    {
        string expectedPath = Path.Combine(Paths.SampleDirectory, "sample.expected.cs");
        string actual = Generate(Path.Combine(Paths.SampleDirectory, "sample.h"), SampleSourceName, "CnnNative.Bindings.Tests.Sample");
        if (Environment.GetEnvironmentVariable("CNN_UPDATE_EXPECTED") == "1")
            Generator.WriteIfChanged(expectedPath, actual);
        string expected = File.ReadAllText(expectedPath);
        Assert.True(expected == actual,
            $"sample.h no longer generates sample.expected.cs. If the change is intended, run the tests once with " +
            $"CNN_UPDATE_EXPECTED=1 and review the diff.\n{FirstDifference(expected, actual)}");
    }

    [Fact]
    public void Cnn_h_generates_exactly_the_committed_NativeMethods()
    {
        string actual = Generate(Paths.CnnHeader, "native/include/cnn/cnn.h");
        byte[] committed = File.ReadAllBytes(Paths.CommittedBindings);
        Assert.True(committed.AsSpan().SequenceEqual(new UTF8Encoding(false).GetBytes(actual)),
            "bindings/CnnNative.Interop/Generated/NativeMethods.g.cs is stale: run bindings/generate.sh.\n" +
            FirstDifference(Encoding.UTF8.GetString(committed), actual));
    }

    [Fact]
    public void Output_is_deterministic()
    {
        string header = Path.Combine(Paths.SampleDirectory, "sample.h");
        Assert.Equal(Generate(header, SampleSourceName), Generate(header, SampleSourceName));
    }

    [Fact]
    public void Unknown_parameter_type_is_an_error_naming_function_parameter_and_type()
    {
        string header = _temp.Write("bad.h", """
            #include <stdint.h>
            typedef struct cnn_thing cnn_thing;
            int32_t cnn_thing_fill(cnn_thing* thing, uint8_t* bytes, int32_t count);
            """);
        var e = Assert.Throws<GeneratorException>(() => Generate(header, "bad.h"));
        Assert.Contains("cnn_thing_fill", e.Message);
        Assert.Contains("'bytes'", e.Message);
        Assert.Contains("'uint8_t*'", e.Message);
    }

    [Theory]
    [InlineData("long double cnn_ratio(void);", "cnn_ratio, return value: unsupported C type 'long double'")]
    [InlineData("char* cnn_name(void);", "cnn_name, return value: unsupported C type 'char*'")]
    [InlineData("void cnn_hash(const void* data);", "cnn_hash, parameter 'data': unsupported C type 'const void*'")]
    [InlineData("void cnn_flags(int flags);", "cnn_flags, parameter 'flags': unsupported C type 'int'")]
    public void Other_unknown_types_are_errors(string declaration, string message)
    {
        string header = _temp.Write("bad.h", "#include <stdint.h>\n" + declaration + "\n");
        var e = Assert.Throws<GeneratorException>(() => Generate(header, "bad.h"));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Struct_whose_layout_differs_from_CSharp_sequential_is_an_error()
    {
        string header = _temp.Write("packed.h", """
            #include <stdint.h>
            typedef struct __attribute__((packed)) cnn_packed { int32_t a; int64_t b; } cnn_packed;
            """);
        var e = Assert.Throws<GeneratorException>(() => Generate(header, "packed.h"));
        Assert.Contains("struct cnn_packed, field b: C puts 8 bytes at offset 4, C# would put 8 bytes at offset 8", e.Message);
    }

    [Fact]
    public void Struct_field_of_unknown_type_is_an_error()
    {
        string header = _temp.Write("field.h", """
            #include <stdint.h>
            typedef struct cnn_s { uint8_t tag; } cnn_s;
            """);
        var e = Assert.Throws<GeneratorException>(() => Generate(header, "field.h"));
        Assert.Contains("struct cnn_s, field tag: unsupported C type 'uint8_t'", e.Message);
    }

    [Fact]
    public void Generator_program_exits_non_zero_and_names_the_type()
    {
        string header = _temp.Write("bad.h", "#include <stdint.h>\nvoid cnn_bad(uint16_t value);\n");
        string xml = Paths.RunCastXml(header, _temp.Path);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "CnnNative.BindingsGenerator.dll"),
                     "--xml", xml, "--header", header, "--output", Path.Combine(_temp.Path, "out.cs") })
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("cnn_bad, parameter 'value': unsupported C type 'uint16_t'", stderr);
        Assert.False(File.Exists(Path.Combine(_temp.Path, "out.cs")));
    }

    [Theory]
    [InlineData("cnn_conv2d_params", "CnnConv2dParams")]
    [InlineData("LEAKY_RELU", "LeakyRelu")]
    [InlineData("count_include_pad", "CountIncludePad")]
    public void PascalCase(string c, string csharp) => Assert.Equal(csharp, CSharpEmitter.PascalCase(c));

    [Theory]
    [InlineData("cnn_tensor", "TensorHandle")]
    [InlineData("cnn_context", "ContextHandle")]
    [InlineData("cnn_gadget_pool", "GadgetPoolHandle")]
    public void HandleName(string c, string csharp) => Assert.Equal(csharp, CSharpEmitter.HandleName(c));

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end of file>", al = i < a.Length ? a[i] : "<end of file>";
            if (el != al)
                return $"first difference at line {i + 1}:\n  expected: {el}\n  actual:   {al}";
        }
        return "the texts differ only in bytes (encoding or line ends)";
    }
}
