#!/usr/bin/env python3
"""Markdown ratio tables from cnn_peer_bench JSON output (run.sh calls this).

Usage: report.py DEFAULT_JSON [CORE_JSON ...]
       report.py --paired DIR ROUNDS
DEFAULT_JSON is the full run with OpenBLAS choosing its own core type; each CORE_JSON is a run of the
OpenBLAS rows only, with OPENBLAS_CORETYPE forced. Rows are named "<op>/<shape>/<library>/threads:<t>";
with repetitions the best (highest) rate of each row counts, the usual way to read timings on a shared
machine. Ratios are CnnNative / peer: above 1 means CnnNative is faster.

--paired reads DIR/round-<r>-default.json and DIR/round-<r>-core-<type>.json for r = 1..ROUNDS (run.sh
--rounds writes them): per row, the ratio of each round pairs CnnNative's and the peer's rates from the same
file, run seconds apart; the table gives the median of the rounds' ratios and their range. Against OpenBLAS at
its best, a round's ratio is the lowest over the core types, each paired with the CnnNative row of its own run.
"""
import glob
import os
import statistics
import json
import math
import sys

CNN, OPENBLAS, ONEDNN_PLAIN, ONEDNN_BLOCKED = "CnnNative", "OpenBLAS", "oneDNN-nchw", "oneDNN-blocked"


def load(path):
    """(context, {(op, shape, library, threads): row}) with row = {rate, unit, threads, label} or {error}."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    rows = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        parts = b["name"].split("/")
        if len(parts) < 4 or not parts[3].startswith("threads:"):
            continue
        key = (parts[0], parts[1], parts[2], int(parts[3][len("threads:"):]))
        if b.get("error_occurred"):
            rows.setdefault(key, {"error": b.get("error_message", "error")})
            continue
        unit = "GFLOP/s" if "GFLOP" in b else "GB/s"
        row = {"rate": b["GFLOP"] if "GFLOP" in b else b["GB"], "unit": unit, "threads": b.get("threads"),
               "label": b.get("label", "")}
        if key not in rows or "error" in rows[key] or row["rate"] > rows[key]["rate"]:
            rows[key] = row
    return data.get("context", {}), rows


def fmt_rate(row):
    if row is None:
        return "–"
    if "error" in row:
        return "error"
    return f"{row['rate']:.1f}"


def ratio(ours, peer):
    if not ours or not peer or "error" in ours or "error" in peer or peer["rate"] <= 0:
        return None
    return ours["rate"] / peer["rate"]


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}"


def geomean(values):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    return f"{math.exp(sum(math.log(v) for v in values) / len(values)):.2f} over {len(values)} rows"


def ordered_keys(rows, library):
    """(op, shape, threads) of every CnnNative row that has a `library` row, in the program's order."""
    return [(op, shape, t) for (op, shape, lib, t) in rows if lib == CNN and (op, shape, library, t) in rows]


def paired(directory, rounds):
    """The --paired report: medians and ranges of per-round ratios."""
    per_round = []  # [(context, default rows, [core rows ...])]
    for r in range(1, rounds + 1):
        context, rows = load(os.path.join(directory, f"round-{r}-default.json"))
        cores = [load(path)[1] for path in sorted(glob.glob(os.path.join(directory, f"round-{r}-core-*.json")))]
        per_round.append((context, rows, cores))
    context, first, _ = per_round[0]

    def ratios(op, shape, t, library):
        """One ratio per round that has both rows (OpenBLAS: also the lowest over the forced core types)."""
        out, best = [], []
        for _, rows, cores in per_round:
            ours, peer = rows.get((op, shape, CNN, t)), rows.get((op, shape, library, t))
            r = ratio(ours, peer)
            if r is not None:
                out.append(r)
            if library == OPENBLAS:
                candidates = [r] + [ratio(c.get((op, shape, CNN, t)), c.get((op, shape, OPENBLAS, t))) for c in cores]
                candidates = [c for c in candidates if c is not None]
                if candidates:
                    best.append(min(candidates))
        return out, best

    def cell(values):
        if not values:
            return "–"
        return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"

    def median_rate(op, shape, lib, t):
        rates = [rows[(op, shape, lib, t)]["rate"] for _, rows, _ in per_round
                 if (op, shape, lib, t) in rows and "error" not in rows[(op, shape, lib, t)]]
        return f"{statistics.median(rates):.1f}" if rates else "–"

    print(f"CnnNative vs peers, {rounds} paired rounds — {context.get('date', '')}, {context.get('num_cpus', '?')} "
          f"CPUs, load average {context.get('load_avg', '?')} (first round)")
    print(f"CnnNative ISA {context.get('cnnnative_isa', '?')}; oneDNN {context.get('onednn_version', '?')} "
          f"({context.get('onednn_isa', '?')}). Cells: median ratio CnnNative / peer over the rounds (lowest-highest); "
          f"rates are the rounds' medians.")
    print()
    print("| op | shape | threads | unit | CnnNative | OpenBLAS default | OpenBLAS best | oneDNN NCHW "
          "| oneDNN blocked |")
    print("|---|---|---|---|---|---|---|---|---|")
    medians = {OPENBLAS: [], "best": [], ONEDNN_PLAIN: [], ONEDNN_BLOCKED: []}
    for (op, shape, lib, t), row in first.items():
        if lib != CNN:
            continue
        cells = []
        blas, best = ratios(op, shape, t, OPENBLAS)
        plain, _ = ratios(op, shape, t, ONEDNN_PLAIN)
        blocked, _ = ratios(op, shape, t, ONEDNN_BLOCKED)
        for key, values in ((OPENBLAS, blas), ("best", best), (ONEDNN_PLAIN, plain), (ONEDNN_BLOCKED, blocked)):
            cells.append(cell(values))
            if values:
                medians[key].append(statistics.median(values))
        print(f"| {op} | {shape} | {t} | {row.get('unit', '')} | {median_rate(op, shape, CNN, t)} | "
              + " | ".join(cells) + " |")
    print()
    print(f"Geometric mean of the median ratios: vs OpenBLAS default {geomean(medians[OPENBLAS])}; vs OpenBLAS best "
          f"{geomean(medians['best'])}; vs oneDNN NCHW {geomean(medians[ONEDNN_PLAIN])}; vs oneDNN blocked "
          f"{geomean(medians[ONEDNN_BLOCKED])}.")
    errors = sorted({f"- round {i + 1}: {op}/{shape}/{lib}/threads:{t}: {row['error']}"
                     for i, (_, rows, _) in enumerate(per_round) for (op, shape, lib, t), row in rows.items()
                     if "error" in row})
    if errors:
        print()
        print("Problems:")
        print("\n".join(errors))
    return 1 if errors else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "--paired":
        if len(argv) != 4:
            sys.exit("usage: report.py --paired DIR ROUNDS")
        return paired(argv[2], int(argv[3]))
    if len(argv) < 2:
        sys.exit("usage: report.py DEFAULT_JSON [CORE_JSON ...]\n       report.py --paired DIR ROUNDS")
    context, rows = load(argv[1])
    # OpenBLAS rows by the core type OpenBLAS reports it really used (a forced type it lacks falls back to
    # its default); a core type measured twice keeps the better figure of each row.
    by_core = {context.get("openblas_core", "default"): {k: v for k, v in rows.items() if k[2] == OPENBLAS}}
    for path in argv[2:]:
        core_context, core_rows = load(path)
        merged = by_core.setdefault(core_context.get("openblas_core", path), {})
        for key, row in core_rows.items():
            if key[2] == OPENBLAS and (key not in merged or "error" in merged[key]
                                       or ("error" not in row and row["rate"] > merged[key]["rate"])):
                merged[key] = row
    default_core = context.get("openblas_core", "default")

    print(f"CnnNative vs peers — {context.get('date', '')}, {context.get('num_cpus', '?')} CPUs at "
          f"{context.get('mhz_per_cpu', '?')} MHz, load average {context.get('load_avg', '?')}")
    print(f"CnnNative ISA {context.get('cnnnative_isa', '?')}; OpenBLAS default core {default_core} "
          f"(tried: {', '.join(by_core)}); oneDNN {context.get('onednn_version', '?')} "
          f"({context.get('onednn_isa', '?')}). Ratio = CnnNative / peer: above 1 means CnnNative is faster.")
    print()

    print("### vs OpenBLAS (cblas_sgemm of the same product)")
    print()
    print("| op | shape | threads | unit | CnnNative | OpenBLAS default | ratio | OpenBLAS best (core) | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    default_ratios, best_ratios = [], []
    for op, shape, t in ordered_keys(rows, OPENBLAS):
        ours = rows[(op, shape, CNN, t)]
        default = by_core[default_core].get((op, shape, OPENBLAS, t))
        candidates = [(core, r[(op, shape, OPENBLAS, t)]) for core, r in by_core.items()
                      if (op, shape, OPENBLAS, t) in r and "error" not in r[(op, shape, OPENBLAS, t)]]
        best_core, best = max(candidates, key=lambda c: c[1]["rate"]) if candidates else ("", None)
        default_ratios.append(ratio(ours, default))
        best_ratios.append(ratio(ours, best))
        print(f"| {op} | {shape} | {t} | {ours.get('unit', '')} | {fmt_rate(ours)} | {fmt_rate(default)} | "
              f"{fmt_ratio(default_ratios[-1])} | {fmt_rate(best)} ({best_core}) | {fmt_ratio(best_ratios[-1])} |")
    print()
    print(f"Geometric mean ratio: vs OpenBLAS default {geomean(default_ratios)}; vs best {geomean(best_ratios)}.")
    print()

    print("### vs oneDNN (plain NCHW/OIHW tensors, and oneDNN's preferred blocked layout)")
    print()
    print("| op | shape | threads | unit | CnnNative | oneDNN NCHW | ratio | oneDNN blocked | ratio | oneDNN kernels |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    plain_ratios, blocked_ratios = [], []
    keys = ordered_keys(rows, ONEDNN_PLAIN) + [k for k in ordered_keys(rows, ONEDNN_BLOCKED)
                                               if k not in ordered_keys(rows, ONEDNN_PLAIN)]
    for op, shape, t in keys:
        ours = rows[(op, shape, CNN, t)]
        plain = rows.get((op, shape, ONEDNN_PLAIN, t))
        blocked = rows.get((op, shape, ONEDNN_BLOCKED, t))
        plain_ratios.append(ratio(ours, plain))
        blocked_ratios.append(ratio(ours, blocked))
        kernels = " / ".join(r["label"] if r and "error" not in r else "–" for r in (plain, blocked))
        print(f"| {op} | {shape} | {t} | {ours.get('unit', '')} | {fmt_rate(ours)} | {fmt_rate(plain)} | "
              f"{fmt_ratio(plain_ratios[-1])} | {fmt_rate(blocked)} | {fmt_ratio(blocked_ratios[-1])} | {kernels} |")
    print()
    print(f"Geometric mean ratio: vs oneDNN NCHW {geomean(plain_ratios)}; vs blocked {geomean(blocked_ratios)}.")

    # Anything that did not run, and any row whose busy threads were not the count it was given (a library
    # ignoring the setting, or on a loaded machine one thread starved long enough to look idle).
    notes = []
    for source in [rows] + list(by_core.values()):
        for (op, shape, lib, t), row in source.items():
            name = f"{op}/{shape}/{lib}/threads:{t}"
            if "error" in row:
                notes.append(f"- {name}: {row['error']}")
            elif row.get("threads") is not None and round(row["threads"]) != t:
                notes.append(f"- {name}: {round(row['threads'])} thread(s) busy, not {t}")
    if notes:
        print()
        print("Problems:")
        print("\n".join(sorted(set(notes))))
    return 1 if any("error" in r for r in rows.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
