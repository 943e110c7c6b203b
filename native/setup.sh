#!/usr/bin/env bash
# Installs what CnnNative needs on a Debian machine of this kind (only packages that are missing),
# then configures and builds the native library, its tests and benchmarks with CMake into build/.
# Safe to run again: apt is asked only when a package is missing, CMake rebuilds only what changed.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian packages: compiler and build tools, GoogleTest/Benchmark, castxml for the bindings, and the
# Fashion-MNIST data set (/usr/share/datasets/fashion-mnist) that `cnn train` uses by default.
packages=(cmake g++ make castxml googletest libgtest-dev libbenchmark-dev dataset-fashion-mnist)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing missing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

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
