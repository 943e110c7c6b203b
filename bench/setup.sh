#!/usr/bin/env bash
# Installs the peer libraries the benchmarks compare CnnNative with (only packages that are missing), then
# builds the native library and the peer benchmarks bin/cnn_peer_bench and bin/cnn_clblast_bench. Run it, then
# bench/native/peers/run.sh or bench/opencl/run.sh.
# Safe to run again: apt is asked only when a package is missing, CMake rebuilds only what changed.
#
# Environment: CNN_BUILD_DIR, the CMake build folder (default <repo>/build). With the default, native/setup.sh
# runs first (it installs the toolchain packages and builds everything into build/); with another folder
# only that folder is configured and cnn_peer_bench built there, so the toolchain must already be installed
# (bash native/setup.sh does it).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CNN_BUILD_DIR:-$repo/build}"

# Debian packages: OpenBLAS (cblas) and oneDNN for the CPU comparison, python3 and jq for the report scripts, and
# CLBlast with an OpenCL loader, headers and the pocl CPU driver for the OpenCL comparison.
packages=(libopenblas-dev libdnnl-dev python3 jq libclblast-dev ocl-icd-opencl-dev opencl-headers pocl-opencl-icd)
bash "$repo/native/install-packages.sh" "bench setup" "${packages[@]}"

if [ "$(realpath -m "$build")" = "$(realpath -m "$repo/build")" ]; then
  bash "$repo/native/setup.sh"
else
  command -v cmake >/dev/null || { echo "bench setup: cmake not found; run bash native/setup.sh first" >&2; exit 1; }
fi

jobs="$(nproc 2>/dev/null || echo 2)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Quiet when all is well; the whole CMake output when something fails.
if ! { cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release && cmake --build "$build" -j "$jobs" --target cnn_peer_bench cnn_clblast_bench; } \
  >"$log" 2>&1; then
  cat "$log" >&2
  echo "bench setup: building the peer benchmarks failed (output above; a 'not built: missing ...' line names the library)" >&2
  exit 1
fi
echo "bench setup: peer benchmarks built: $build/bin/cnn_peer_bench (run: bash bench/native/peers/run.sh), $build/bin/cnn_clblast_bench (run: bash bench/opencl/run.sh)"
