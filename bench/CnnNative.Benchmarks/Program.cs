using BenchmarkDotNet.Running;

// BenchmarkDotNet timings of the C# API (build the native library first: cmake --build build):
//   dotnet run -c Release --project bench/CnnNative.Benchmarks -- --filter '*'            all benchmarks
//   dotnet run -c Release --project bench/CnnNative.Benchmarks -- --filter '*Predict*' --job short
// PredictBenchmarks: Sequential.Predict of the reference network, batch 1 and 64, 1 and 2 native threads.
// OpCallBenchmarks: ns per call of a 1-element op through a raw function pointer, the generated P/Invoke
// and the C# API. Every class has [MemoryDiagnoser]: the Allocated column is managed bytes per call.
// compare.sh puts the Predict rows beside bench/native/bench_network.cpp's native calls of the same ops.
//
// Benchmarks run in this process (--inProcess is added unless given): BenchmarkDotNet's default, a generated
// project built per run, would rebuild src/CnnNative into its bin/obj folders in the source tree and does not
// find its output under an --artifacts-path layout. Each case sets the thread count it needs in its setup,
// so cases sharing the process do not affect each other.
string[] arguments = args.Contains("--inProcess", StringComparer.OrdinalIgnoreCase) || args.Contains("-i")
    ? args
    : ["--inProcess", .. args];
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(arguments);
