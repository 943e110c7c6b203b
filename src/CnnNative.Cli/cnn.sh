#!/usr/bin/env bash
# The main job from a fresh clone: set-up and native build, then `cnn` (Release). With no arguments it
# runs the default job: `cnn train` (the reference network on Fashion-MNIST, 2 epochs).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$repo/native/setup.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$repo/src/CnnNative.Cli/CnnNative.Cli.csproj" -c Release -v quiet -nologo >/dev/null
if [ "$#" -eq 0 ]; then set -- train; fi
exec dotnet "$repo/src/CnnNative.Cli/bin/Release/net10.0/cnn.dll" "$@"
