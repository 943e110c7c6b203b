#!/usr/bin/env bash
# Runs cnn_clblast_bench: our OpenCL SGEMM and CLBlast's CLBlastSgemm on the same OpenCL device, in one process,
# and prints the Markdown table of GFLOP/s and the ratio ours / CLBlast (progress on stderr). The machine load
# (uptime) is printed before and after, since other work on the machine shifts every figure.
#
# Usage: bench/opencl/run.sh [--device I] [--min-time S] [--repetitions N] [--only REGEX] [--local-tiles]
#   --device       OpenCL device index as cnn devices lists them (default 0: PoCL when it is the only driver)
#   --min-time     seconds per round (default 0.5); --repetitions rounds per row and implementation (default 5)
#   --only         regex over row names ("square 1024", "conv2 fwd (53 img)", "dense1 dW" ...)
#   --local-tiles  also time our GPU kernel family forced onto the device (slow on a CPU driver)
# Environment: CNN_BUILD_DIR (default <repo>/build) holds bin/cnn_clblast_bench; bash bench/setup.sh builds it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${CNN_BUILD_DIR:-$repo/build}"
bench="$build/bin/cnn_clblast_bench"
[ -x "$bench" ] || { echo "run: $bench not found; build it with: bash bench/setup.sh" >&2; exit 1; }

echo "uptime before: $(uptime)"
"$bench" "$@"
echo "uptime after: $(uptime)"
