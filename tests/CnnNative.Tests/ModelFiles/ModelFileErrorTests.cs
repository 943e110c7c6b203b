using System.Buffers.Binary;

namespace CnnNative.Tests.ModelFiles;

public class ModelFileErrorTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _path;
    private readonly byte[] _valid;

    public ModelFileErrorTests()
    {
        _path = _folder.File("model.cnnmodel");
        using var model = ModelZoo.EveryLayer();
        model.Save(_path);
        _valid = File.ReadAllBytes(_path);
    }

    public void Dispose() => _folder.Dispose();

    private ModelFileException LoadFails(byte[] bytes)
    {
        File.WriteAllBytes(_path, bytes);
        var e = Assert.Throws<ModelFileException>(() => Sequential.Load(_path));
        Assert.Equal(_path, e.Path);
        Assert.Contains(_path, e.Message);
        return e;
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        string missing = _folder.File("nope.cnnmodel");

        var e = Assert.Throws<ModelFileException>(() => Sequential.Load(missing));

        Assert.Equal($"Model file '{missing}' does not exist.", e.Message);
        Assert.IsAssignableFrom<IOException>(e);
    }

    [Theory]
    [InlineData("PK\u0003\u0004 this is a zip file, not a model")]
    [InlineData("CNNMODEX")]
    public void BadMagicIsNotAModelFile(string content)
    {
        var e = LoadFails(System.Text.Encoding.ASCII.GetBytes(content));

        Assert.Contains("is not a CnnNative model file", e.Message);
    }

    [Fact]
    public void NewerVersionAsksForAnUpgrade()
    {
        byte[] bytes = (byte[])_valid.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 2);

        var e = LoadFails(bytes);

        Assert.Contains("format version 2 is newer than this library's 1; upgrade CnnNative", e.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.99)]
    public void TruncatedFileReportsBothLengths(double keep)
    {
        int length = (int)(_valid.Length * keep);

        var e = LoadFails(_valid[..length]);

        Assert.Contains($"is truncated: it ends after {length} bytes; the header announces {_valid.Length}", e.Message);
    }

    [Fact]
    public void FileCutInsideTheFixedHeaderIsTruncated()
    {
        var e = LoadFails(_valid[..10]);

        Assert.Contains("is truncated: it ends after 10 bytes", e.Message);
    }

    [Theory]
    [InlineData(30)]     // inside the JSON header
    [InlineData(-40)]    // inside the tensor data
    [InlineData(-1)]     // inside the checksum itself
    public void FlippedByteIsAChecksumMismatch(int offset)
    {
        byte[] bytes = (byte[])_valid.Clone();
        bytes[offset >= 0 ? offset : bytes.Length + offset] ^= 0x10;

        var e = LoadFails(bytes);

        Assert.Contains("is corrupt: checksum mismatch", e.Message);
    }

    [Fact]
    public void ExtraBytesAtTheEndAreReported()
    {
        var e = LoadFails([.. _valid, 0, 0, 0]);

        Assert.Contains($"is corrupt: it has {_valid.Length + 3} bytes but its header announces {_valid.Length}", e.Message);
    }

    [Fact]
    public void UnknownLayerTypeIsNamed()
    {
        byte[] bytes = ModelFileBytes.WithHeader(_valid, json => json.Replace("\"Tanh\"", "\"Swish\""));

        var e = LoadFails(bytes);

        Assert.Contains("layer 6 (tanh_1, Swish) of unknown layer type \"Swish\"", e.Message);
        Assert.Contains("Conv2d", e.Message); // lists what it knows
    }

    [Fact]
    public void InvalidConfigValueIsNamedWithItsLayer()
    {
        byte[] bytes = ModelFileBytes.WithHeader(_valid, json => json.Replace("\"rate\": 0.25", "\"rate\": 1.5"));

        var e = LoadFails(bytes);

        Assert.Contains("layer 9 (dropout_1, Dropout) with an invalid configuration", e.Message);
        Assert.Contains("Dropout rate must be in [0, 1); got 1.5", e.Message);
    }

    [Fact]
    public void MissingConfigValueIsNamed()
    {
        byte[] bytes = ModelFileBytes.WithHeader(_valid, json => json.Replace("\"alpha\": 0.7", "\"beta\": 0.7"));

        var e = LoadFails(bytes);

        Assert.Contains("layer 4 (elu_1, ELU) with an invalid configuration: 'alpha' is missing", e.Message);
    }

    [Fact]
    public void WrongTypedConfigValueIsNamed()
    {
        byte[] bytes = ModelFileBytes.WithHeader(_valid, json => json.Replace("\"outFeatures\": 5", "\"outFeatures\": \"five\""));

        var e = LoadFails(bytes);

        Assert.Contains("'outFeatures' must be a 32-bit integer; got \"five\"", e.Message);
    }

    [Fact]
    public void LayersThatDoNotFitTogetherAreReported()
    {
        byte[] bytes = ModelFileBytes.WithHeader(_valid, json => json.Replace("\"inFeatures\": 6", "\"inFeatures\": 7"));

        var e = LoadFails(bytes);

        Assert.Contains("describes a model that cannot be built", e.Message);
    }

    [Fact]
    public void TensorDirectoryThatDoesNotMatchTheLayersIsReported()
    {
        byte[] bytes = ModelFileBytes.WithHeader(_valid, json => json.Replace("\"dense_1.bias\"", "\"dense_1.offset\""));

        var e = LoadFails(bytes);

        Assert.Contains("does not hold exactly the tensors its layers need", e.Message);
        Assert.Contains("bias [5] skipped (absent in the file)", e.Message);
        Assert.Contains("offset [5] skipped (absent in the model)", e.Message);
    }

    [Fact]
    public void HeaderThatIsNotJsonIsReported()
    {
        byte[] bytes = ModelFileBytes.WithHeader(_valid, json => "{ not json" + json[1..]);

        var e = LoadFails(bytes);

        Assert.Contains("is invalid: its header is not valid JSON", e.Message);
    }

    [Fact]
    public void LoadWeightsReportsFileErrorsToo()
    {
        File.WriteAllBytes(_path, _valid[..100]);
        using var model = ModelZoo.EveryLayer();

        var e = Assert.Throws<ModelFileException>(() => model.LoadWeights(_path));

        Assert.Contains($"ends after 100 bytes; the header announces {_valid.Length}", e.Message);
    }
}
