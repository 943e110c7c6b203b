using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace CnnNative.Tests.ModelFiles;

public class ModelFileRoundTripTests
{
    [Fact]
    public void SaveThenLoadGivesBitIdenticalTensorsAndIdenticalPredictions()
    {
        using var folder = new TempFolder();
        string path = folder.File("every-layer.cnnmodel");
        using var original = ModelZoo.EveryLayer(seed: 7);
        ModelZoo.RandomizeState(original, seed: 3);
        float[] input = ModelZoo.RandomInput(3 * (int)ModelZoo.EveryLayerInput.ElementCount, seed: 5);
        float[] expected = original.Predict(input, batchSize: 3);

        original.Save(path);
        using var loaded = Sequential.Load(path);

        Assert.Equal(ModelZoo.Bits(original), ModelZoo.Bits(loaded));
        Assert.Equal(expected, loaded.Predict(input, batchSize: 3));
        Assert.Equal(original.InputShape, loaded.InputShape);
        Assert.Equal(original.OutputShape, loaded.OutputShape);
        Assert.Equal(7, loaded.Seed);
        Assert.Equal(original.Layers.Select(static l => (l.Name, l.TypeName, l.IsFrozen)),
            loaded.Layers.Select(static l => (l.Name, l.TypeName, l.IsFrozen)));
        Assert.True(loaded.Layers[0].IsFrozen);
        Assert.Equal(original.Summary(), loaded.Summary());
    }

    [Fact]
    public void LoadRestoresEveryConstructorArgument()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.cnnmodel");
        using (var original = ModelZoo.EveryLayer()) original.Save(path);

        using var loaded = Sequential.Load(path);

        var stem = Assert.IsType<Conv2d>(loaded.Layers[0]);
        Assert.Equal("stem", stem.Name);
        Assert.Equal((2, 4, 3, 3), (stem.InChannels, stem.OutChannels, stem.KernelHeight, stem.KernelWidth));
        Assert.Equal((1, 0, 2, 1), (stem.PadTop, stem.PadBottom, stem.PadLeft, stem.PadRight));
        Assert.NotNull(stem.Bias);
        Assert.Equal(0.2f, Assert.IsType<LeakyReLU>(loaded.Layers[1]).Alpha);
        var max = Assert.IsType<MaxPool2d>(loaded.Layers[2]);
        Assert.Equal((2, 2, 1), (max.KernelSize, max.Stride, max.Padding));
        var conv = Assert.IsType<Conv2d>(loaded.Layers[3]);
        Assert.Equal((2, 2, 1, 1), (conv.DilationHeight, conv.DilationWidth, conv.PadTop, conv.PadRight));
        Assert.Null(conv.Bias);
        Assert.Equal(0.7f, Assert.IsType<ELU>(loaded.Layers[4]).Alpha);
        var avg = Assert.IsType<AvgPool2d>(loaded.Layers[5]);
        Assert.Equal((2, 1, 1, true), (avg.KernelSize, avg.Stride, avg.Padding, avg.CountIncludePad));
        Assert.False(Assert.IsType<AvgPool2d>(loaded.Layers[10]).CountIncludePad);
        Assert.Equal(0.25f, Assert.IsType<Dropout>(loaded.Layers[9]).Rate);
        var norm = Assert.IsType<BatchNorm2d>(loaded.Layers[11]);
        Assert.Equal((6, 0.2f, 1e-3f), (norm.NumFeatures, norm.Momentum, norm.Epsilon));
        var dense = Assert.IsType<Dense>(loaded.Layers[14]);
        Assert.Equal((6, 5), (dense.InFeatures, dense.OutFeatures));
    }

    [Fact]
    public void FileFollowsTheDocumentedLayout()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.cnnmodel");
        using var model = new Sequential(new TensorShape(3), [new Dense(3, 2)], seed: 11);
        model.Save(path);

        byte[] file = File.ReadAllBytes(path);

        Assert.Equal("CNNMODEL", Encoding.ASCII.GetString(file, 0, 8));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8)));
        Assert.Equal((ulong)file.Length, BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(12)));
        using JsonDocument header = JsonDocument.Parse(ModelFileBytes.HeaderJson(file));
        JsonElement root = header.RootElement;
        Assert.Equal([3], root.GetProperty("inputShape").EnumerateArray().Select(static e => e.GetInt32()));
        Assert.Equal(11, root.GetProperty("seed").GetInt32());
        JsonElement layer = root.GetProperty("layers")[0];
        Assert.Equal("Dense", layer.GetProperty("type").GetString());
        Assert.Equal("dense_1", layer.GetProperty("name").GetString());
        Assert.False(layer.GetProperty("frozen").GetBoolean());
        Assert.Equal(3, layer.GetProperty("config").GetProperty("inFeatures").GetInt32());
        Assert.Equal(["dense_1.weight", "dense_1.bias"],
            root.GetProperty("tensors").EnumerateArray().Select(static t => t.GetProperty("name").GetString()));
        // Data: 6 weights then 2 biases, little-endian float32, right before the 32-byte checksum.
        int dataStart = file.Length - 32 - 8 * 4;
        float[] weights = ((Dense)model.Layers[0]).Weight.ToArray();
        for (int i = 0; i < 6; i++)
            Assert.Equal(weights[i], BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(dataStart + 4 * i)));
    }

    [Fact]
    public void ModelWithoutInputShapeRoundTrips()
    {
        using var folder = new TempFolder();
        string path = folder.File("unbuilt.cnnmodel");
        using var original = new Sequential(new Dense(4, 3), new ReLU(), new Dense(3, 2));
        original.Save(path);

        using var loaded = Sequential.Load(path);

        Assert.False(loaded.IsBuilt);
        Assert.Equal(ModelZoo.Bits(original), ModelZoo.Bits(loaded));
        loaded.Build(new TensorShape(4));
        original.Build(new TensorShape(4));
        float[] input = [0.5f, -1f, 2f, 0.25f];
        Assert.Equal(original.Predict(input), loaded.Predict(input));
    }

    [Fact]
    public void SavingAgainReplacesTheFileWithTheNewModel()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.cnnmodel");
        using var first = new Sequential(new TensorShape(3), [new Dense(3, 2)], seed: 1);
        using var second = new Sequential(new TensorShape(3), [new Dense(3, 2)], seed: 2);
        first.Save(path);

        second.Save(path);

        using var loaded = Sequential.Load(path);
        Assert.Equal(ModelZoo.Bits(second), ModelZoo.Bits(loaded));
        Assert.NotEqual(ModelZoo.Bits(first)["dense_1.weight"], ModelZoo.Bits(loaded)["dense_1.weight"]);
        Assert.Equal(["m.cnnmodel"], folder.FileNames());
    }

    [Fact]
    public void LoadWeightsIntoTheSameArchitectureLoadsEverything()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.cnnmodel");
        using var source = ModelZoo.EveryLayer(seed: 1);
        ModelZoo.RandomizeState(source, seed: 9);
        source.Save(path);
        using var target = ModelZoo.EveryLayer(seed: 2);
        Assert.NotEqual(ModelZoo.Bits(source)["stem.weight"], ModelZoo.Bits(target)["stem.weight"]);

        WeightLoadReport report = target.LoadWeights(path);

        Assert.True(report.IsComplete);
        Assert.Equal(9, report.Loaded.Count); // stem 2, conv2d_2 1, batch norm 2 + 2 buffers, dense_1 2
        Assert.Empty(report.Skipped);
        Assert.Equal(ModelZoo.Bits(source), ModelZoo.Bits(target));
    }
}
