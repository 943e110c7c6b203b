#!/usr/bin/env bash
# CnnNative against ONNX Runtime (CPU) on the reference network, whole-network inference, in one run:
# `cnn bench` and bench.js on the same batches and thread counts, the engines interleaved per case (and
# their order flipped every round) so that load changes on a shared machine hit both alike. Prints a
# Markdown table on stdout; progress goes to stderr.
#   bash bench/onnx/run.sh [--seconds S] [--rounds R]
#     --seconds  minimum timed seconds per engine and case (default 2)
#     --rounds   times each case is measured; the best round per engine is kept (default 1)
# Set CNN_CLI to a built cnn.dll to skip the build; otherwise the native library is built by
# native/setup.sh and the CLI by dotnet into build/cli/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
batches=(1 64)
thread_counts=(1 2)
seconds=2
rounds=1

die() { echo "onnx bench: $*" >&2; exit 1; }
say() { echo "onnx bench: $*" >&2; }

while (($#)); do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
    --rounds) rounds="${2:?--rounds needs a value}"; shift 2 ;;
    *) die "unknown argument '$1' (use --seconds S, --rounds R)" ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds needs an integer >= 1; got '$rounds'"
[[ "$seconds" =~ ^[0-9]*\.?[0-9]+$ ]] || die "--seconds needs a positive number; got '$seconds'"

# ---- ONNX Runtime side: node, the npm package, the model -------------------------------------------------
command -v node >/dev/null || die "node is not on PATH; this machine kind ships Node.js 20 (and npm)"
command -v npm >/dev/null || die "npm is not on PATH; it comes with Node.js"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= 20)) || die "node $(node --version) is too old; onnxruntime-node 1.30 is run on Node.js 20"

wanted="$(node -p "require('$here/package.json').dependencies['onnxruntime-node']")"
installed="$(node -p "require('$here/node_modules/onnxruntime-node/package.json').version" 2>/dev/null || true)"
if [ "$installed" != "$wanted" ]; then
  say "installing onnxruntime-node $wanted into bench/onnx/node_modules"
  # --ignore-scripts: the package's install script fetches optional GPU binaries from outside the npm
  # registry; the CPU binaries for linux-x64 are bundled in the package itself.
  (cd "$here" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
fi

model="$here/reference.onnx"
if [ ! -f "$model" ] || [ "$here/make-model.js" -nt "$model" ] || [ "$here/reference-network.js" -nt "$model" ] \
   || [ "$here/onnx-encoder.js" -nt "$model" ]; then
  node "$here/make-model.js" "$model" >&2
fi
# Every run: the timed model must compute the reference network (ONNX Runtime vs a plain-loop oracle).
node "$here/check-model.js" "$model" >&2

# ---- CnnNative side: the CLI ------------------------------------------------------------------------------
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# `cnn bench --csv` writes invariant-culture numbers; the invariant culture keeps every other message alike too.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
command -v dotnet >/dev/null || die "dotnet is not on PATH; install the .NET 10 SDK"
cli="${CNN_CLI:-}"
if [ -z "$cli" ]; then
  bash "$repo/native/setup.sh" >&2
  say "building the CLI (Release) into build/cli"
  log="$(mktemp)"
  trap 'rm -f "$log"' EXIT
  if ! dotnet build "$repo/src/CnnNative.Cli/CnnNative.Cli.csproj" -c Release --artifacts-path "$repo/build/cli" \
       -v quiet -nologo >"$log" 2>&1; then
    cat "$log" >&2
    die "the CLI build failed (output above)"
  fi
  cli="$repo/build/cli/bin/CnnNative.Cli/release/cnn.dll"
fi
[ -f "$cli" ] || die "no CLI at $cli (set CNN_CLI to a built cnn.dll, or unset it to build one)"

# ---- one measurement per engine ---------------------------------------------------------------------------
# Each prints "images_per_s ms_per_batch" for one (batch, threads) case; CnnNative adds its active ISA.
measure_cnnnative() {
  local batch="$1" threads="$2" out row
  out="$(dotnet "$cli" bench --device cpu --batch "$batch" --threads "$threads" --seconds "$seconds" --no-training \
           --sweep-batch 0 --csv)" || die "cnn bench --batch $batch --threads $threads failed"
  # CSV: device,batch,isa,forward_ms,images_per_s,... (forward: Sequential.Forward, the batch already in place).
  row="$(awk -F, -v b="$batch" '$1 == "cpu" && $2 == b { print $5, $4, $3; exit }' <<<"$out")"
  [ -n "$row" ] || die "unexpected output from cnn bench --csv (no cpu row for batch $batch):"$'\n'"$out"
  echo "$row"
}
measure_onnxruntime() {
  local batch="$1" threads="$2" json
  json="$(node "$here/bench.js" --model "$model" --batch "$batch" --threads "$threads" --seconds "$seconds")" \
    || die "bench.js --batch $batch --threads $threads failed"
  node -p 'const r = JSON.parse(process.argv[1]); `${r.images_per_s} ${r.ms_per_batch}`' "$json"
}

declare -A best_ours best_theirs
keep_best() {  # keep_best ARRAY KEY "images_per_s ms_per_batch ...": the row with more images/s wins
  local -n table="$1"
  local old="${table[$2]:-}"
  if [ -z "$old" ] || awk -v a="${3%% *}" -v b="${old%% *}" 'BEGIN { exit !(a > b) }'; then table[$2]="$3"; fi
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for ((round = 1; round <= rounds; round++)); do
  for threads in "${thread_counts[@]}"; do
    for batch in "${batches[@]}"; do
      say "round $round/$rounds: batch $batch, $threads thread(s)"
      key="$batch,$threads"
      # Plain assignments, so that set -e stops the script when a measurement fails.
      if ((round % 2)); then
        ours="$(measure_cnnnative "$batch" "$threads")"
        theirs="$(measure_onnxruntime "$batch" "$threads")"
      else
        theirs="$(measure_onnxruntime "$batch" "$threads")"
        ours="$(measure_cnnnative "$batch" "$threads")"
      fi
      keep_best best_ours "$key" "$ours"
      keep_best best_theirs "$key" "$theirs"
    done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
isa="${ours##* }"

# ---- report -------------------------------------------------------------------------------------------------
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
ort_version="$(node -p "require('$here/node_modules/onnxruntime-node/package.json').version")"
echo "Reference network inference, CnnNative (\`cnn bench\`) vs ONNX Runtime $ort_version (CPU EP, Node.js $(node --version))"
echo
echo "- $(date -u +%Y-%m-%d) on $(nproc) cores of $cpu; load average before $load_before, after $load_after"
echo "- CnnNative kernels: $isa; ONNX Runtime: graph optimization 'all', sequential, inter-op threads 1"
echo "- each case: warm-up, then calls for >= $seconds s; ms/batch = total time / calls; best of $rounds round(s)"
echo
echo "| batch | threads | CnnNative images/s | ONNX Runtime images/s | ratio (ours/theirs) | CnnNative ms/batch | ONNX Runtime ms/batch |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for threads in "${thread_counts[@]}"; do
  for batch in "${batches[@]}"; do
    key="$batch,$threads"
    read -r ours_ips ours_ms _ <<<"${best_ours[$key]}"
    read -r theirs_ips theirs_ms <<<"${best_theirs[$key]}"
    awk -v b="$batch" -v t="$threads" -v oi="$ours_ips" -v om="$ours_ms" -v ti="$theirs_ips" -v tm="$theirs_ms" \
      'BEGIN { printf "| %d | %d | %.0f | %.0f | %.2f | %.3f | %.3f |\n", b, t, oi, ti, oi / ti, om, tm }'
  done
done
echo
echo "At batch 1, ms/batch is the latency of one image."
