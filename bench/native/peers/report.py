#!/usr/bin/env python3
"""Markdown ratio tables from cnn_peer_bench JSON output (run.sh calls this).

Usage: report.py DEFAULT_JSON [CORE_JSON ...]
DEFAULT_JSON is the full run with OpenBLAS choosing its own core type; each CORE_JSON is a run of the
OpenBLAS rows only, with OPENBLAS_CORETYPE forced. Rows are named "<op>/<shape>/<library>/threads:<t>";
with repetitions the best (highest) rate of each row counts, the usual way to read timings on a shared
machine. Ratios are CnnNative / peer: above 1 means CnnNative is faster.
"""
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


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: report.py DEFAULT_JSON [CORE_JSON ...]")
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
