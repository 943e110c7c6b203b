#!/usr/bin/env bash
# Installs what CnnNative needs on a Debian machine of this kind (only packages that are missing),
# then configures and builds the native library, its tests and benchmarks with CMake into build/.
# Safe to run again: apt is asked only when a package is missing, CMake rebuilds only what changed.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian packages: compiler and build tools, GoogleTest/Benchmark, castxml for the bindings, the
# Fashion-MNIST data set (/usr/share/datasets/fashion-mnist) that `cnn train` uses by default, and OpenCL:
# the Khronos headers to build, the ICD loader the library opens at run time, and PoCL, an OpenCL driver for
# the CPU that the OpenCL tests run on when the machine has no GPU driver.
packages=(cmake g++ make castxml googletest libgtest-dev libbenchmark-dev dataset-fashion-mnist
          opencl-headers ocl-icd-opencl-dev pocl-opencl-icd)
bash "$repo/native/install-packages.sh" "setup" "${packages[@]}"

command -v dotnet >/dev/null || { echo "setup: the .NET SDK (dotnet) is not on PATH; install the .NET 10 SDK first" >&2; exit 1; }

jobs="$(nproc 2>/dev/null || echo 2)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Quiet when all is well; the whole CMake output when something fails.
if ! { cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=Release && cmake --build "$repo/build" -j "$jobs"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: the native build failed (output above)" >&2
  exit 1
fi
echo "setup: native library built: $repo/build/lib/libcnnnative.so"
