#!/usr/bin/env bash
# C# Sequential.Predict against the same native calls made from C++, per case (batch 1 and 64, 1 and 2
# threads): native time, C# time, overhead %, C# managed bytes allocated per call.
#   native: cnn_native_bench rows Network/batch:B/threads:T (bench/native/bench_network.cpp), Google Benchmark,
#           wall time per batch; the median (or mean) aggregate of --repetitions repetitions.
#   C#:     PredictBenchmarks (this folder), BenchmarkDotNet; its Median (or Mean) per call.
# Both sides load the same build: the C# side is pointed at <build-dir>/lib/libcnnnative.so (CNN_NATIVE_LIBRARY).
# Rounds interleave the two sides (native then C# in odd rounds, C# then native in even ones), so slow drift in
# machine load hits both; with several rounds each figure is the median over rounds, and the overhead is the
# median of the per-round overheads.
#
# Usage: bench/CnnNative.Benchmarks/compare.sh [--build-dir DIR] [--artifacts-path DIR] [--job short|medium|default]
#            [--rounds N] [--repetitions N] [--min-time SECONDS] [--statistic median|mean]
# Quick check (default): --job short --rounds 1 --repetitions 3 --min-time 0.2
# Figures to publish (quiet machine): --job default --rounds 3 --repetitions 5 --min-time 1
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
project="$repo/bench/CnnNative.Benchmarks"

build_dir="$repo/build"
artifacts_path=""
job="short"
rounds=1
repetitions=3
min_time=0.2
statistic="median"

die() { echo "compare: $*" >&2; exit 1; }
usage() { awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; }

while (($#)); do
  case "$1" in
    --build-dir) build_dir="$(cd "${2:?--build-dir needs a folder}" && pwd)"; shift 2 ;;
    --artifacts-path) artifacts_path="${2:?--artifacts-path needs a folder}"; shift 2 ;;
    --job) job="${2:?--job needs short, medium or default}"; shift 2 ;;
    --rounds) rounds="${2:?--rounds needs a number}"; shift 2 ;;
    --repetitions) repetitions="${2:?--repetitions needs a number}"; shift 2 ;;
    --min-time) min_time="${2:?--min-time needs seconds}"; shift 2 ;;
    --statistic) statistic="${2:?--statistic needs median or mean}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer; got '$rounds'"
# Google Benchmark reports aggregates (median, mean) only for 2 or more repetitions.
[[ "$repetitions" =~ ^[0-9]+$ ]] && ((repetitions >= 2)) \
  || die "--repetitions must be 2 or more; got '$repetitions'"
[[ "$statistic" == median || "$statistic" == mean ]] || die "--statistic must be median or mean; got '$statistic'"
[[ "$job" == short || "$job" == medium || "$job" == default ]] || die "--job must be short, medium or default; got '$job'"

command -v jq >/dev/null || die "jq is needed to read the JSON results; install it (Debian: apt-get install jq)"
command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is not on PATH"
native_bench="$build_dir/bin/cnn_native_bench"
native_library="$build_dir/lib/libcnnnative.so"
[[ -x "$native_bench" ]] \
  || die "$native_bench not found: build it (cmake --build $build_dir --target cnn_native_bench; needs libbenchmark-dev)"
[[ -f "$native_library" ]] || die "$native_library not found: build it (cmake --build $build_dir --target cnnnative)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Build first, then ask for the output's path: `dotnet build -getProperty` only evaluates the project and builds
# nothing, which once left a stale CnnNative.dll (from before fused activations) in the measured C# side.
build_args=(build "$project" -c Release)
if [[ -n "$artifacts_path" ]]; then build_args+=(--artifacts-path "$artifacts_path"); fi
if ! build_log="$(dotnet "${build_args[@]}" 2>&1)"; then
  echo "$build_log" >&2
  die "building $project failed (output above)"
fi
if ! benchmarks_dll="$(dotnet "${build_args[@]}" --no-restore -getProperty:TargetPath 2>&1)"; then
  echo "$benchmarks_dll" >&2
  die "reading the output path of $project failed (output above)"
fi
benchmarks_dll="$(tail -n 1 <<<"$benchmarks_dll")"
[[ -f "$benchmarks_dll" ]] || die "the build reported '$benchmarks_dll' as its output, which does not exist"

# One TSV line per case: "batch threads seconds" from Google Benchmark's JSON, the chosen aggregate.
run_native() {
  local out="$1"
  "$native_bench" --benchmark_filter='^Network/' --benchmark_repetitions="$repetitions" \
    --benchmark_report_aggregates_only=true --benchmark_min_time="$min_time" \
    --benchmark_out="$work/native.json" --benchmark_out_format=json >"$work/native.log" 2>&1 \
    || { cat "$work/native.log" >&2; die "cnn_native_bench failed (output above)"; }
  jq -r --arg stat "$statistic" '
    .benchmarks[]
    | select(.run_type == "aggregate" and .aggregate_name == $stat)
    | (.run_name | capture("^Network/batch:(?<b>[0-9]+)/threads:(?<t>[0-9]+)")) as $case
    | ({"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}[.time_unit]) as $unit
    | [$case.b, $case.t, (.real_time * $unit)] | @tsv' "$work/native.json" >"$out"
  [[ -s "$out" ]] || die "cnn_native_bench produced no Network rows (see $work/native.log)"
}

# One TSV line per case: "batch threads seconds bytes_allocated_per_call" from BenchmarkDotNet's JSON.
run_csharp() {
  local out="$1"
  rm -rf "$work/bdn"
  CNN_NATIVE_LIBRARY="$native_library" dotnet "$benchmarks_dll" --filter '*PredictBenchmarks*' --job "$job" \
    --exporters json --artifacts "$work/bdn" >"$work/csharp.log" 2>&1 \
    || { cat "$work/csharp.log" >&2; die "the BenchmarkDotNet run failed (output above)"; }
  local stat_field=Median
  [[ "$statistic" == mean ]] && stat_field=Mean
  jq -r --arg field "$stat_field" '
    .Benchmarks[]
    | (.Parameters | capture("BatchSize=(?<b>[0-9]+)&Threads=(?<t>[0-9]+)")) as $case
    | [$case.b, $case.t, (.Statistics[$field] * 1e-9), .Memory.BytesAllocatedPerOperation] | @tsv' \
    "$work"/bdn/results/*PredictBenchmarks-report-full-compressed.json >"$out"
  [[ -s "$out" ]] || die "BenchmarkDotNet produced no Predict results (see $work/csharp.log)"
}

: >"$work/rounds.tsv"
for ((round = 1; round <= rounds; round++)); do
  echo "compare: round $round of $rounds" >&2
  if ((round % 2)); then
    run_native "$work/native.tsv"; run_csharp "$work/csharp.tsv"
  else
    run_csharp "$work/csharp.tsv"; run_native "$work/native.tsv"
  fi
  # Lines "batch threads native_s csharp_s bytes" for the cases both sides measured.
  join -j1 -t $'\t' <(awk -F'\t' '{print $1":"$2"\t"$3}' "$work/native.tsv" | sort) \
                    <(awk -F'\t' '{print $1":"$2"\t"$3"\t"$4}' "$work/csharp.tsv" | sort) \
    | awk -F'\t' '{split($1, c, ":"); print c[1] "\t" c[2] "\t" $2 "\t" $3 "\t" $4}' >>"$work/rounds.tsv"
done

echo "Reference network forward pass: native C ABI calls (Google Benchmark $statistic of $repetitions repetitions," \
  "wall time) vs C# Sequential.Predict (BenchmarkDotNet ${statistic^}, job $job); $rounds round(s), median over rounds."
echo "Overhead = C# / native - 1. Native library: $native_library"
sort -t $'\t' -k1,1n -k2,2n "$work/rounds.tsv" | awk -F'\t' '
  function median(list, n,   sorted, i, j, t) {
    for (i = 1; i <= n; i++) sorted[i] = list[i];
    for (i = 2; i <= n; i++)  # insertion sort: n is the number of rounds
      for (j = i; j > 1 && sorted[j - 1] > sorted[j]; j--) { t = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = t }
    return n % 2 ? sorted[(n + 1) / 2] : (sorted[n / 2] + sorted[n / 2 + 1]) / 2;
  }
  function flush(   native, csharp, overhead) {
    if (n == 0) return;
    native = median(nat, n); csharp = median(cs, n); overhead = median(ovh, n);
    printf "%-5s %-7s %10.3f %10.3f %+8.1f%% %12.0f %10.0f %13s\n", b, t, native * 1e3, csharp * 1e3, overhead * 100,
      b / native, b / csharp, bytes " B";
    n = 0;
  }
  BEGIN {
    printf "%-5s %-7s %10s %10s %9s %12s %10s %13s\n", "batch", "threads", "native ms", "C# ms", "overhead",
      "native img/s", "C# img/s", "C# alloc/call";
  }
  {
    if (n > 0 && ($1 != b || $2 != t)) flush();
    b = $1; t = $2; n++;
    nat[n] = $3; cs[n] = $4; ovh[n] = $4 / $3 - 1;
    # The largest allocation seen in any round: one non-zero round is a finding.
    if (n == 1 || $5 > bytes) bytes = $5;
  }
  END { flush() }'
