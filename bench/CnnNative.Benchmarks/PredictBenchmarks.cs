using BenchmarkDotNet.Attributes;

namespace CnnNative.Benchmarks;

/// <summary>
/// Sequential.Predict(ReadOnlySpan, batchSize, Span) of the reference network: the allocation-free overload,
/// so the Allocated column must read 0 B (the workspace of each batch size is created by the setup's call).
/// The native baseline is bench/native/bench_network.cpp (rows Network/batch:B/threads:T).
/// </summary>
[MemoryDiagnoser]
public class PredictBenchmarks
{
    private Sequential? _model;
    private float[] _images = [];
    private float[] _scores = [];

    /// <summary>Images per call.</summary>
    [Params(1, 64)]
    public int BatchSize { get; set; }

    /// <summary>Native threads of <see cref="Device.Cpu"/>, which the model runs on.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Device.Cpu.Threads = Threads;
        _model = ReferenceModel.Create();
        var random = new Random(7);
        _images = new float[BatchSize * ReferenceModel.InputShape.ElementCount];
        for (int i = 0; i < _images.Length; i++) _images[i] = random.NextSingle();
        _scores = new float[BatchSize * ReferenceModel.Classes];
        // The first call at a batch size creates its workspace (native activations); later calls reuse it.
        _model.Predict(_images, BatchSize, _scores);
    }

    [Benchmark]
    public void Predict() => _model!.Predict(_images, BatchSize, _scores);

    [GlobalCleanup]
    public void Cleanup() => _model?.Dispose();
}
