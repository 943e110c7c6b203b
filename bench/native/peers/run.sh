#!/usr/bin/env bash
# Runs cnn_peer_bench and prints Markdown tables of CnnNative / peer ratios on stdout (progress on stderr).
# First every row with OpenBLAS choosing its own core type (OPENBLAS_CORETYPE unset, even if the caller's
# environment sets it), then the OpenBLAS rows again under each forced core type, so the tables show both
# "OpenBLAS default" and "OpenBLAS best".
#
# With --rounds K (K >= 2) it does all of that K times and reports, per row, the median of the K ratios and their
# range instead: each ratio pairs the two libraries' runs of one round, which follow each other within a second
# (rows run in the program's order: CnnNative, then its peers, per shape and thread count; the forced-core runs
# repeat the CnnNative rows beside the OpenBLAS ones), so a host whose speed drifts over minutes moves both sides
# of a pair alike. Use it on a shared machine, where best-of-N rates taken minutes apart swing by 1.5-2x.
#
# Usage: bench/native/peers/run.sh [--min-time SECONDS] [--repetitions N] [--rounds K] [--ops REGEX]
#                                  [-- BENCHMARK_ARGS...]
#   --min-time     Google Benchmark's minimum time per row (default 0.5)
#   --repetitions  runs of each row; the best rate counts (default 1)
#   --rounds       paired rounds (default 1: one round, best rates, the tables below)
#   --ops          regex over op names: Sgemm, ConvFwd, ConvBwdData, ConvBwdWeights, DenseFwd, DenseBwdData,
#                  DenseBwdWeights, MaxPool (default: all)
# Environment: CNN_BUILD_DIR (default <repo>/build) holds bin/cnn_peer_bench; CNN_OPENBLAS_CORETYPES lists the
# core types to force (default "SkylakeX Haswell": with the default Cooperlake, the AVX-512 and AVX2 kernels
# OpenBLAS 0.3.21 has for a Sapphire Rapids CPU; it has no SapphireRapids type and falls back to its default).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
build="${CNN_BUILD_DIR:-$repo/build}"
bench="$build/bin/cnn_peer_bench"
coretypes="${CNN_OPENBLAS_CORETYPES:-SkylakeX Haswell}"

min_time=0.5
repetitions=1
rounds=1
ops='[A-Za-z]+'
while (($#)); do
  case "$1" in
    --min-time) min_time="$2"; shift 2 ;;
    --repetitions) repetitions="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --ops) ops="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "run: unknown option $1 (see the usage at the top of $0)" >&2; exit 2 ;;
  esac
done

[ -x "$bench" ] || { echo "run: $bench not found; build it with: bash bench/setup.sh" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
common=(--benchmark_min_time="$min_time" --benchmark_repetitions="$repetitions" --benchmark_out_format=json "$@")

if ((rounds >= 2)); then
  # The ops among $ops that have OpenBLAS rows: only theirs run again under the forced core types.
  blas_ops="$("$bench" --benchmark_list_tests --benchmark_filter="^($ops)/[^/]+/OpenBLAS/" | cut -d/ -f1 | sort -u |
    paste -sd'|' -)"
  for ((r = 1; r <= rounds; r++)); do
    echo "run: round $r of $rounds: all rows, OpenBLAS on its default core type" >&2
    env -u OPENBLAS_CORETYPE "$bench" --benchmark_filter="^($ops)/" --benchmark_out="$tmp/round-$r-default.json" \
      "${common[@]}" >&2
    for core in $coretypes; do
      [ -n "$blas_ops" ] || break
      echo "run: round $r of $rounds: CnnNative and OpenBLAS rows with OPENBLAS_CORETYPE=$core" >&2
      OPENBLAS_CORETYPE="$core" "$bench" --benchmark_filter="^($blas_ops)/[^/]+/(CnnNative|OpenBLAS)/" \
        --benchmark_out="$tmp/round-$r-core-$core.json" "${common[@]}" >&2
    done
  done
  python3 "$here/report.py" --paired "$tmp" "$rounds"
  exit
fi

echo "run: all rows, OpenBLAS on its default core type" >&2
env -u OPENBLAS_CORETYPE "$bench" --benchmark_filter="^($ops)/" --benchmark_out="$tmp/default.json" \
  "${common[@]}" >&2

core_files=()
for core in $coretypes; do
  echo "run: OpenBLAS rows with OPENBLAS_CORETYPE=$core" >&2
  # Ops without OpenBLAS rows match nothing, which Google Benchmark reports without failing.
  OPENBLAS_CORETYPE="$core" "$bench" --benchmark_filter="^($ops)/[^/]+/OpenBLAS/" \
    --benchmark_out="$tmp/core-$core.json" "${common[@]}" >&2
  [ -s "$tmp/core-$core.json" ] && core_files+=("$tmp/core-$core.json")
done

python3 "$here/report.py" "$tmp/default.json" "${core_files[@]}"
