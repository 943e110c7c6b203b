namespace CnnNative.Tests;

/// <summary>
/// Inference runs a convolution or dense layer and the activation after it in one native call (ReLU in the GEMM's
/// write-back on the CPU): the same bits as running them one by one, on the CPU and on OpenCL.
/// </summary>
public class FusionTests
{
    private static Sequential CreateModel(Device device) =>
        new(new TensorShape(3, 10, 10),
        [
            new Conv2d(3, 6, 3, padding: 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(6, 5, 3, padding: 1, bias: false), new LeakyReLU(0.1f),
            new Flatten(), new Dense(5 * 5 * 5, 17), new ELU(), new Dense(17, 9), new Tanh(), new Dense(9, 4), new Softmax(),
        ], seed: 3, device);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FusedPredictGivesTheSameBitsAsLayerByLayer(bool openCL)
    {
        using Sequential model = CreateModel(openCL ? Device.OpenCL(0) : Device.Cpu);
        float[] input = NaiveReference.RandomArray(new Random(4), 3 * 10 * 10, -1f, 1f);

        float[] fused = model.Predict(input);
        float[] layerByLayer = model.Activations(input)[^1].Values;

        Assert.Equal(layerByLayer, fused);
    }

    [Fact]
    public void AFusedLayerLeavesItsOwnOutputUnwrittenAndUnfusedRunsWriteIt()
    {
        using Sequential model = CreateModel(Device.Cpu);
        Layer[] layers = [.. model.Layers];
        var shapes = new List<TensorShape> { model.InputShape };
        foreach (Layer layer in layers) shapes.Add(layer.OutputShape(shapes[^1].WithBatch(1)).WithoutBatch());
        float[] input = NaiveReference.RandomArray(new Random(5), 2 * 3 * 10 * 10, -1f, 1f);

        using var fused = new Workspace(Device.Cpu, layers, shapes, batchSize: 2);
        using var unfused = new Workspace(Device.Cpu, layers, shapes, batchSize: 2);
        fused.Input.CopyFrom(input);
        unfused.Input.CopyFrom(input);
        fused.Run(Device.Cpu, layers);
        unfused.Run(Device.Cpu, layers, layers.Length, fuse: false);

        // Outputs of conv 0, conv 3, dense 6, dense 8: skipped when fused (still zero), written when not.
        foreach (int i in new[] { 0, 3, 6, 8 })
        {
            Assert.All(fused.Activation(i + 1).ToArray(), v => Assert.Equal(0f, v));
            Assert.Contains(unfused.Activation(i + 1).ToArray(), v => v != 0f);
        }
        Assert.Equal(unfused.Output.ToArray(), fused.Output.ToArray());
        // Dense 10 is followed by the softmax, not an activation layer: never fused.
        Assert.Contains(fused.Activation(11).ToArray(), v => v != 0f);
    }

    // Conv + ReLU and dense + ReLU fuse while training (the last pair writes the logits); conv + leaky ReLU and
    // dense + tanh do not: their backward passes need the activation's input.
    private static Sequential CreateTrainingModel(Device device) =>
        new(new TensorShape(3, 10, 10),
        [
            new Conv2d(3, 6, 3, padding: 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(6, 5, 3, padding: 1, bias: false), new LeakyReLU(0.1f),
            new Flatten(), new Dense(5 * 5 * 5, 17), new Tanh(), new Dense(17, 9), new ReLU(), new Dense(9, 4), new ReLU(),
        ], seed: 7, device);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FusedTrainingGivesTheSameBitsAsLayerByLayer(bool openCL)
    {
        Device device = openCL ? Device.OpenCL(0) : Device.Cpu;
        using Sequential model = CreateTrainingModel(device);
        Layer[] layers = [.. model.Layers];
        foreach (Layer layer in layers) layer.AllocateGradients();
        var shapes = new List<TensorShape> { model.InputShape };
        foreach (Layer layer in layers) shapes.Add(layer.OutputShape(shapes[^1].WithBatch(1)).WithoutBatch());
        const int batch = 3;
        var random = new Random(8);
        float[] input = NaiveReference.RandomArray(random, batch * 3 * 10 * 10, -1f, 1f);
        float[] logitsGradient = NaiveReference.RandomArray(random, batch * 4, -1f, 1f);

        (float[] Logits, float[] InputGradient, float[][] Gradients, TrainingWorkspace Workspace) Step(bool fuse)
        {
            var workspace = new TrainingWorkspace(device, layers, layers.Length, shapes, batch, fuse);
            workspace.Input.CopyFrom(input);
            workspace.Forward(layers, isTraining: true, modelSeed: 7, step: 0);
            workspace.LogitsGradient.CopyFrom(logitsGradient);
            workspace.Backward(layers, isTraining: true, modelSeed: 7, step: 0, stopAt: 0, wantInputGradient: true);
            float[][] gradients = [.. layers.SelectMany(l => l.Gradients).Select(g => g.Value.ToArray())];
            return (workspace.Logits.ToArray(), workspace.InputGradient.ToArray(), gradients, workspace);
        }

        var unfused = Step(fuse: false);
        var fused = Step(fuse: true);
        using TrainingWorkspace unfusedWorkspace = unfused.Workspace, fusedWorkspace = fused.Workspace;

        // Outputs of conv 0, dense 8 and dense 10: unwritten (still zero) when fused, written when not; conv 3 and
        // dense 6 are followed by activations that need their input, so they write theirs either way.
        foreach (int i in new[] { 0, 8, 10 })
        {
            Assert.All(fusedWorkspace.Activation(i + 1).ToArray(), v => Assert.Equal(0f, v));
            Assert.Contains(unfusedWorkspace.Activation(i + 1).ToArray(), v => v != 0f);
        }
        foreach (int i in new[] { 3, 6 }) Assert.Contains(fusedWorkspace.Activation(i + 1).ToArray(), v => v != 0f);
        // Some logits are negative before the last ReLU, so the fused write-back clips some and their gradient is 0.
        Assert.Contains(unfused.Logits, v => v == 0f);
        Assert.Equal(unfused.Logits, fused.Logits);
        Assert.Equal(unfused.InputGradient, fused.InputGradient);
        Assert.Equal(unfused.Gradients.Length, fused.Gradients.Length);
        for (int i = 0; i < unfused.Gradients.Length; i++) Assert.Equal(unfused.Gradients[i], fused.Gradients[i]);
    }
}
