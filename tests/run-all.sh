#!/usr/bin/env bash
# Every test of CnnNative, from a fresh clone: set-up and native build, the bindings-staleness check,
# the GoogleTest suite under CTest (best kernel tier, then capped to each lower tier), and xunit.
# Exits non-zero if any part fails; ends with one line "tests: N passed, N failed".
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash native/setup.sh || { echo "tests: set-up or native build failed"; exit 1; }

failed_steps=()
passed=0
failed=0
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

step() {  # step NAME COMMAND...: runs it, keeps its output for counting
  echo "==> $1"
  local name="$1"; shift
  if "$@" 2>&1 | tee "$log"; then :; else failed_steps+=("$name"); fi
}
count_ctest() {  # "100% tests passed, 0 tests failed out of 120"
  local line; line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
  [ -n "$line" ] || return 0
  local f t; f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line"); t=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + t - f)); failed=$((failed + f))
}
count_dotnet() {  # "Passed!  - Failed:     0, Passed:   104, Skipped:     0, Total:   104, ..."
  while read -r f p; do passed=$((passed + p)); failed=$((failed + f)); done < <(
    grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$log" | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+).*/\1 \2/')
}

step "bindings are up to date" bash bindings/generate.sh --check
step "native tests (best kernel tier of this CPU)" ctest --test-dir build --output-on-failure -j 2
count_ctest
# Every lower tier too, so each one's conv/dense/GEMM paths stay covered on this machine.
for tier in avx2 generic ref; do
  step "native tests (CNN_MAX_ISA=$tier)" env CNN_MAX_ISA=$tier ctest --test-dir build --output-on-failure -j 2
  count_ctest
done
step "C# tests" dotnet test CnnNative.sln -c Release
count_dotnet

if ((${#failed_steps[@]})); then
  echo "failed steps: ${failed_steps[*]}"
  echo "tests: $passed passed, $((failed > 0 ? failed : ${#failed_steps[@]})) failed"
  exit 1
fi
echo "tests: $passed passed, $failed failed"
