using CnnNative.Interop;

namespace CnnNative.Tests.Devices;

/// <summary>
/// Sequential models on OpenCL device 0 (PoCL in CI) against the same models on the CPU: the same code, the same
/// seed, results equal within float rounding (the devices sum in different orders). Tolerance: 1e-4 absolute +
/// 1e-3 relative on outputs and losses, looser only where stated.
/// </summary>
public class OpenCLModelTests
{
    private const int Batch = 6;

    private static Device OpenCL => Device.OpenCL(0);

    /// <summary>
    /// A small network with every layer kind that has a device op: conv, batch norm, ReLU, pooling, dropout, dense. The
    /// conv ahead of batch norm has no bias: its exact gradient is zero, so Adam would amplify rounding noise in it.
    /// </summary>
    private static Sequential CreateModel(Device device, int seed = 7) =>
        new(new TensorShape(2, 11, 11),
        [
            new Conv2d(2, 5, 3, padding: 1, bias: false), new BatchNorm2d(5), new ReLU(), new MaxPool2d(2),
            new Conv2d(5, 4, 3, stride: 2, padding: 1), new ELU(), new AvgPool2d(2, 1), new Dropout(0.25f),
            new Flatten(), new Dense(16, 7), new Tanh(), new Dense(7, 3), new Softmax(),
        ], seed, device);

    private static (float[] Inputs, int[] Labels) Data(int seed, int batch = Batch)
    {
        var random = new Random(seed);
        float[] inputs = NaiveReference.RandomArray(random, batch * 2 * 11 * 11, -1f, 1f);
        int[] labels = Enumerable.Range(0, batch).Select(_ => random.Next(3)).ToArray();
        return (inputs, labels);
    }

    private static void AssertClose(float[] expected, float[] actual, string what, float abs = 1e-4f, float rel = 1e-3f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float tolerance = abs + rel * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"{what}[{i}]: CPU {expected[i]:G9}, OpenCL {actual[i]:G9} (tolerance {tolerance:G3})");
        }
    }

    private static float[] Weights(Sequential model) =>
        model.Parameters.SelectMany(p => p.Value.ToArray()).ToArray();

    [Fact]
    public void ParametersLiveOnTheModelsDeviceAndHoldTheSameInitialValues()
    {
        using Sequential cpu = CreateModel(Device.Cpu);
        using Sequential device = CreateModel(OpenCL);

        Assert.Same(OpenCL, device.Device);
        Assert.All(device.Parameters, p => Assert.Same(OpenCL, p.Value.Device));
        Assert.All(device.Layers.SelectMany(l => l.Buffers), b => Assert.Same(OpenCL, b.Value.Device));
        Assert.Equal(Weights(cpu), Weights(device)); // initialised on the host, copied bit for bit
        var conv = (Conv2d)device.Layers[0];
        Assert.Throws<InvalidOperationException>(() => conv.Weight.AsSpan());
    }

    [Fact]
    public void PredictOnOpenCLMatchesTheCpu()
    {
        using Sequential cpu = CreateModel(Device.Cpu);
        using Sequential device = CreateModel(OpenCL);
        (float[] inputs, _) = Data(1);

        AssertClose(cpu.Predict(inputs, Batch), device.Predict(inputs, Batch), "predict");
        AssertClose(cpu.Predict(inputs[..(2 * 11 * 11)]), device.Predict(inputs[..(2 * 11 * 11)]), "predict one");
    }

    [Fact]
    public void TrainingOnOpenCLFollowsTheCpuStepForStep()
    {
        using Sequential cpu = CreateModel(Device.Cpu);
        using Sequential device = CreateModel(OpenCL);
        cpu.Compile(new Adam(3e-3f), Loss.CrossEntropyWithLabelSmoothing(0.1f));
        device.Compile(new Adam(3e-3f), Loss.CrossEntropyWithLabelSmoothing(0.1f));
        (float[] inputs, int[] labels) = Data(2);

        var cpuLosses = new List<float>();
        var deviceLosses = new List<float>();
        for (int step = 0; step < 25; step++)
        {
            BatchResult a = cpu.TrainBatch(inputs, labels), b = device.TrainBatch(inputs, labels);
            cpuLosses.Add(a.Loss);
            deviceLosses.Add(b.Loss);
            Assert.Equal(a.Correct, b.Correct);
        }

        // Same dropout masks, same batch statistics, same Adam updates: the trajectories agree to rounding, and fall.
        AssertClose([.. cpuLosses], [.. deviceLosses], "loss", abs: 2e-4f, rel: 2e-3f);
        Assert.True(deviceLosses[^1] < 0.9f * deviceLosses[0], $"loss fell only from {deviceLosses[0]} to {deviceLosses[^1]}");
        AssertClose(Weights(cpu), Weights(device), "weights after 25 steps", abs: 5e-4f, rel: 5e-3f);
        AssertClose(((BatchNorm2d)cpu.Layers[1]).RunningVar.ToArray(), ((BatchNorm2d)device.Layers[1]).RunningVar.ToArray(),
            "running variance");
    }

    [Fact]
    public void EvaluateBatchOnOpenCLMatchesTheCpu()
    {
        using Sequential cpu = CreateModel(Device.Cpu);
        using Sequential device = CreateModel(OpenCL);
        (float[] inputs, int[] labels) = Data(3);
        var cpuLogits = new float[Batch * 3];
        var deviceLogits = new float[Batch * 3];

        BatchResult a = cpu.EvaluateBatch(inputs, labels, cpuLogits), b = device.EvaluateBatch(inputs, labels, deviceLogits);

        AssertClose(cpuLogits, deviceLogits, "logits");
        AssertClose([a.Loss], [b.Loss], "loss");
    }

    [Fact]
    public void MovingATrainedModelKeepsItsWeightsAndItsOptimizerState()
    {
        // Train on the CPU, move to OpenCL and continue: the same trajectory as a twin that stays on the CPU,
        // which needs the momentum buffers and the step to have moved along with the weights. (SGD with momentum:
        // Adam divides by the root of tiny second moments, which turns rounding differences into visible ones.)
        using Sequential stays = CreateModel(Device.Cpu);
        using Sequential moves = CreateModel(Device.Cpu);
        stays.Compile(new Sgd(0.05f, momentum: 0.9f), Loss.CrossEntropy);
        moves.Compile(new Sgd(0.05f, momentum: 0.9f), Loss.CrossEntropy);
        (float[] inputs, int[] labels) = Data(4);
        for (int step = 0; step < 5; step++)
        {
            stays.TrainBatch(inputs, labels);
            moves.TrainBatch(inputs, labels);
        }
        float[] before = Weights(moves);
        var dense = (Dense)moves.Layers[9];
        Tensor denseWeight = dense.Weight;

        moves.MoveTo(OpenCL);

        Assert.Same(OpenCL, moves.Device);
        Assert.Same(denseWeight, dense.Weight); // the same tensor object, now on the device
        Assert.Same(OpenCL, dense.Weight.Device);
        Assert.All(dense.Gradients, g => Assert.Same(OpenCL, g.Value.Device));
        Assert.Equal(before, Weights(moves)); // copied exactly
        Tensor[] state = moves.Optimizer!.StateOf(dense.Weight)!;
        Assert.All(state, t => Assert.Same(OpenCL, t.Device));
        Assert.NotEqual(new float[state[0].ElementCount], state[0].ToArray()); // the velocity came along
        for (int step = 0; step < 5; step++)
        {
            BatchResult a = stays.TrainBatch(inputs, labels), b = moves.TrainBatch(inputs, labels);
            AssertClose([a.Loss], [b.Loss], $"loss {step} after the move");
        }
        AssertClose(Weights(stays), Weights(moves), "weights", abs: 5e-4f, rel: 5e-3f);
        Assert.Equal(stays.Optimizer!.Step, moves.Optimizer.Step);

        float[] onDevice = Weights(moves);
        moves.MoveTo(Device.Cpu);
        Assert.Equal(onDevice, Weights(moves));
        Assert.Same(Device.Cpu, dense.Weight.Device);
        AssertClose(stays.Predict(inputs, Batch), moves.Predict(inputs, Batch), "predict back on the CPU", abs: 5e-4f, rel: 5e-3f);
    }

    [Fact]
    public void AModelSavedFromOpenCLLoadsOnTheCpuAndBack()
    {
        using var folder = new TempFolder();
        string path = folder.File("model.cnn");
        using Sequential device = CreateModel(OpenCL);
        device.Compile(new Sgd(0.05f, momentum: 0.9f), Loss.CrossEntropy);
        (float[] inputs, int[] labels) = Data(5);
        for (int step = 0; step < 3; step++) device.TrainBatch(inputs, labels);

        device.Save(path);
        using Sequential cpu = Sequential.Load(path);
        using Sequential again = Sequential.Load(path, OpenCL);

        Assert.Equal(Weights(device), Weights(cpu));
        Assert.Equal(Weights(device), Weights(again));
        Assert.Same(OpenCL, again.Device);
        float[] expected = device.Predict(inputs, Batch);
        AssertClose(expected, cpu.Predict(inputs, Batch), "CPU copy");
        Assert.Equal(expected, again.Predict(inputs, Batch));
    }

    [Fact]
    public void ForwardTakesTensorsOnTheModelsDeviceOrTheCpu()
    {
        using Sequential device = CreateModel(OpenCL);
        (float[] inputs, _) = Data(6);
        float[] expected = device.Predict(inputs, Batch);
        using var deviceInput = new Tensor(OpenCL, new TensorShape(Batch, 2, 11, 11));
        deviceInput.CopyFrom(inputs);
        using var cpuInput = Tensor.FromArray(inputs, Batch, 2, 11, 11);

        using Tensor deviceOutput = device.Forward(deviceInput);
        using var cpuOutput = new Tensor(Batch, 3);
        device.Forward(cpuInput, cpuOutput);

        Assert.Same(OpenCL, deviceOutput.Device);
        Assert.Equal(expected, deviceOutput.ToArray());
        Assert.Equal(expected, cpuOutput.ToArray());
    }

    [Fact]
    public void ReplacingTheHeadOfAnOpenCLModelPutsTheNewLayersOnTheDevice()
    {
        using Sequential model = CreateModel(OpenCL);
        model.Compile(new Adam(), Loss.CrossEntropy);
        var head = new Dense(7, 4);

        model.ReplaceLayers(11, head);

        Assert.Same(OpenCL, head.Weight.Device);
        Assert.All(head.Gradients, g => Assert.Same(OpenCL, g.Value.Device));
        (float[] inputs, int[] labels) = Data(7);
        BatchResult result = model.TrainBatch(inputs, labels);
        Assert.True(float.IsFinite(result.Loss));
    }

    [Fact]
    public void TensorCopyToMovesDataBetweenDevices()
    {
        float[] values = NaiveReference.RandomArray(new Random(8), 30);
        using var cpu = Tensor.FromArray(values, 5, 6);
        using var device = new Tensor(OpenCL, new TensorShape(30));
        using var device2 = new Tensor(OpenCL, new TensorShape(6, 5));
        using var back = new Tensor(3, 10);

        cpu.CopyTo(device);      // host -> device
        device.CopyTo(device2);  // on the device
        device2.CopyTo(back);    // device -> host

        Assert.Equal(values, back.ToArray());
        var e = Assert.Throws<ArgumentException>(() => device.CopyTo(new Tensor(OpenCL, new TensorShape(29))));
        Assert.Contains("[30]", e.Message);
        Assert.Contains("[29]", e.Message);
    }

    [Fact]
    public void AModelsTensorPassedToAnOpOnAnotherDeviceIsAClearError()
    {
        using Sequential device = CreateModel(OpenCL);
        using var input = new Tensor(Device.Cpu, new TensorShape(1, 2, 11, 11));
        using var output = new Tensor(Device.Cpu, new TensorShape(1, 5, 11, 11));
        var conv = (Conv2d)device.Layers[0];

        // A CPU context given the model's device weights: the native layer refuses, naming the tensor and both devices.
        var e = Assert.Throws<ArgumentException>(() => conv.Forward(Device.Cpu, input, output));

        Assert.Contains("w [5,2,3,3]", e.Message);
        Assert.Contains(OpenCL.Info!.Name, e.Message);
        Assert.Contains("CPU", e.Message);
    }

    [Fact]
    public void FallingBackToTheCpuIsExplicitAndSaysWhy()
    {
        Device fallback = Device.OpenCLOrCpu(99, out string? reason);
        Device found = Device.OpenCLOrCpu(0, out string? none);

        Assert.Same(Device.Cpu, fallback);
        Assert.NotNull(reason);
        Assert.Contains("99", reason);
        Assert.Same(OpenCL, found);
        Assert.Null(none);
        Assert.ThrowsAny<ArgumentException>(() => Device.OpenCL(99)); // never a silent fallback
    }

    [Fact]
    public void ATensorLargerThanTheDeviceCanHoldIsAnOutOfMemoryErrorNamingTheDevice()
    {
        DeviceInfo info = OpenCL.Info!;
        long elements = (long)(info.MaxAllocationBytes / sizeof(float)) + 1;
        var shape = new TensorShape(2, (int)((elements + 1) / 2));

        var e = Assert.Throws<CnnNativeException>(() => new Tensor(OpenCL, shape));

        Assert.Equal(CnnStatus.OutOfMemory, e.Status);
        Assert.Contains(info.Name, e.Message);
        Assert.Contains("exceeds", e.Message);
    }
}
