using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CnnNative.Interop;

namespace CnnNative.Benchmarks;

/// <summary>
/// The fixed cost of one native op call, on 1-element tensors so the op itself is negligible, in three layers:
/// a raw unmanaged function pointer with raw handles (the floor: the call and the native argument checks),
/// the generated P/Invoke (adds the LibraryImport stub: SafeHandle add-ref/release, GC transition), and the
/// C# API (adds the handle and disposal checks and Native.Check). One native thread, so no thread team wakes.
/// Two ops: ReLU forward (the layer path Sequential.Predict takes per layer) and tensor write (Tensor.CopyFrom,
/// the first call of every Predict).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class OpCallBenchmarks
{
    private const string Activation = "activation_forward";
    private const string Write = "tensor_write";

    private readonly float[] _value = [0.5f];
    private nint _library;
    private delegate* unmanaged<nint, CnnActivation, float, nint, nint, CnnStatus> _activationForward;
    private delegate* unmanaged<nint, float*, nuint, CnnStatus> _tensorWrite;
    private Device _device = null!;
    private Tensor _x = null!;
    private Tensor _y = null!;
    private ReLU _relu = null!;

    [GlobalSetup]
    public void Setup()
    {
        _device = Device.Cpu; // the first native call: loads libcnnnative through the bindings' resolver
        _device.Threads = 1;
        _x = new Tensor(_device, new TensorShape(1));
        _y = new Tensor(_device, new TensorShape(1));
        _relu = new ReLU();

        // Loading the path the bindings loaded returns the same library (a reference count); a bare file name
        // means the OS default search found it, which finds it again.
        string loadedFrom = CnnLibrary.LoadedFrom
            ?? throw new InvalidOperationException("libcnnnative is not loaded after the first native call.");
        _library = NativeLibrary.Load(Path.IsPathRooted(loadedFrom) ? loadedFrom : NativeLibraryLoader.FileName);
        _activationForward = (delegate* unmanaged<nint, CnnActivation, float, nint, nint, CnnStatus>)
            NativeLibrary.GetExport(_library, "cnn_activation_forward");
        _tensorWrite = (delegate* unmanaged<nint, float*, nuint, CnnStatus>)
            NativeLibrary.GetExport(_library, "cnn_tensor_write");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _relu.Dispose();
        _y.Dispose();
        _x.Dispose();
        if (_library != 0) NativeLibrary.Free(_library);
    }

    // Raw handles: no add-ref, so only valid while the tensors live, which the setup and cleanup guarantee.
    [BenchmarkCategory(Activation), Benchmark(Baseline = true)]
    public CnnStatus ActivationFunctionPointer() => _activationForward(_device.Handle.DangerousGetHandle(),
        CnnActivation.Relu, 0f, _x.Handle.DangerousGetHandle(), _y.Handle.DangerousGetHandle());

    [BenchmarkCategory(Activation), Benchmark]
    public CnnStatus ActivationGenerated() =>
        NativeMethods.cnn_activation_forward(_device.Handle, CnnActivation.Relu, 0f, _x.Handle, _y.Handle);

    [BenchmarkCategory(Activation), Benchmark]
    public void ActivationReLULayer() => _relu.Forward(_device, _x, _y);

    [BenchmarkCategory(Write), Benchmark(Baseline = true)]
    public CnnStatus WriteFunctionPointer()
    {
        fixed (float* source = _value)
            return _tensorWrite(_x.Handle.DangerousGetHandle(), source, 1);
    }

    [BenchmarkCategory(Write), Benchmark]
    public CnnStatus WriteGenerated()
    {
        fixed (float* source = _value)
            return NativeMethods.cnn_tensor_write(_x.Handle, source, 1);
    }

    [BenchmarkCategory(Write), Benchmark]
    public void WriteTensorCopyFrom() => _x.CopyFrom(_value);
}
