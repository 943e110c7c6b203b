#!/usr/bin/env bash
# Regenerates bindings/CnnNative.Interop/Generated/NativeMethods.g.cs from native/include/cnn/cnn.h:
# castxml (flags in bindings/castxml.rsp: C11, XML format 1) reads the header, then bindings/generator
# turns that XML plus the header text (macros, comments) into C#.
#
#   bindings/generate.sh          rewrite the committed file (untouched when nothing changed)
#   bindings/generate.sh --check  exit 1 with a short diff when the committed file is stale (CI runs this)
#
# Needs castxml and dotnet only; works from any folder. The generator is built once (Release) and rebuilt
# only when its sources are newer than its build.
set -euo pipefail

bindings="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bindings")"
header="$root/native/include/cnn/cnn.h"
target="$bindings/CnnNative.Interop/Generated/NativeMethods.g.cs"
project="$bindings/generator/CnnNative.BindingsGenerator.csproj"
generator="$bindings/generator/bin/Release/net10.0/CnnNative.BindingsGenerator.dll"

check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

for tool in castxml dotnet; do
  command -v "$tool" >/dev/null || { echo "generate.sh: $tool not found on PATH" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

castxml @"$bindings/castxml.rsp" -o "$work/cnn.xml" "$header"

stale_sources() {
  find "$bindings/generator" "$root/Directory.Build.props" -newer "$generator" \
    \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) -not -path '*/bin/*' -not -path '*/obj/*' -print -quit
}
if [[ ! -f "$generator" || -n "$(stale_sources)" ]]; then
  if ! dotnet build "$project" -c Release -nologo -v quiet >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    echo "generate.sh: building the generator failed" >&2
    exit 1
  fi
  touch "$generator" # an incremental build that changed nothing keeps the old time stamp
fi

out="$work/NativeMethods.g.cs"
dotnet "$generator" --xml "$work/cnn.xml" --header "$header" --source-name native/include/cnn/cnn.h --output "$out"

if $check; then
  if [[ ! -f "$target" ]] || ! cmp -s "$target" "$out"; then
    echo "bindings/generate.sh --check: ${target#"$root/"} is stale; run bindings/generate.sh and commit the result." >&2
    diff -u --label committed --label regenerated "$target" "$out" 2>/dev/null | head -n 40 >&2 || true
    exit 1
  fi
  echo "bindings/generate.sh --check: ${target#"$root/"} is up to date."
else
  if [[ -f "$target" ]] && cmp -s "$target" "$out"; then
    echo "bindings/generate.sh: ${target#"$root/"} unchanged."
  else
    mkdir -p "$(dirname "$target")"
    cp "$out" "$target"
    echo "bindings/generate.sh: wrote ${target#"$root/"}."
  fi
fi
