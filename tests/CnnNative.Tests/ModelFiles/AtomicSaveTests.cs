namespace CnnNative.Tests.ModelFiles;

public class AtomicSaveTests
{
    [Fact]
    public void FailedSaveLeavesThePreviousFileAndNoTemporaryFile()
    {
        using var folder = new TempFolder();
        string path = folder.File("model.cnnmodel");
        using (var good = ModelZoo.EveryLayer(seed: 1)) good.Save(path);
        byte[] before = File.ReadAllBytes(path);

        using var broken = ModelZoo.EveryLayer(seed: 2);
        ((Dense)broken.Layers[14]).Weight.Dispose(); // reading this tensor throws halfway through the file

        Assert.Throws<ObjectDisposedException>(() => broken.Save(path));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.cnnmodel"], folder.FileNames());
        using var loaded = Sequential.Load(path);
        Assert.Equal(1, loaded.Seed);
    }

    [Fact]
    public void FailedRenameDeletesTheTemporaryFile()
    {
        using var folder = new TempFolder();
        string path = folder.File("taken");
        Directory.CreateDirectory(path); // the target name is a folder: the final rename cannot succeed
        using var model = new Sequential(new TensorShape(3), [new Dense(3, 2)]);

        var e = Assert.Throws<ModelFileException>(() => model.Save(path));

        Assert.Equal(path, e.Path);
        Assert.Contains($"Model file '{path}' cannot be written", e.Message);
        Assert.Empty(folder.FileNames());
        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public void SaveIntoAMissingFolderNamesTheFile()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.FullName, "missing", "model.cnnmodel");
        using var model = new Sequential(new TensorShape(3), [new Dense(3, 2)]);

        var e = Assert.Throws<ModelFileException>(() => model.Save(path));

        Assert.Contains($"Model file '{path}' cannot be written", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void DisposedModelCannotBeSaved()
    {
        using var folder = new TempFolder();
        var model = new Sequential(new TensorShape(3), [new Dense(3, 2)]);
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(() => model.Save(folder.File("m.cnnmodel")));
        Assert.Empty(folder.FileNames());
    }
}
