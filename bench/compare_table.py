#!/usr/bin/env python3
"""Reads the JSON lines bench/compare.sh collected and prints the markdown table of medians and ratios.

Usage: compare_table.py OUT_DIR NAME...  (files OUT_DIR/lmsh-NAME.jsonl, OUT_DIR/torch-NAME.jsonl, OUT_DIR/sgemm.jsonl)
"""
import datetime
import json
import os
import platform
import statistics
import sys

TARGETS = {"a": 1.5, "b": 1.1, "c": 1.3, "d": 1.5, "e-2x128": 10, "e-3x512": 4, "t": 1.0}
LABELS = {
    "a": "(a) 2×128 LSTM, train", "b": "(b) 3×512 LSTM, train", "c": "(c) 1×256 LSTM, train",
    "d": "(d) 1×128 tanh RNN, train", "a-eval": "(a) forward only", "b-eval": "(b) forward only",
    "e-2x128": "(e) sampling 2×128, batch 1", "e-3x512": "(e) sampling 3×512, batch 1",
    "t": "(t) 4×128 transformer (4 heads, context 64), train",
}


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    return l.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


# A run is flagged when PyTorch's reference is starved (issue 18): its (b) below this share of the measured
# FMA peak, or its rounds of any configuration spread by more than this ((max − min) / median).
STARVED_SHARE = 0.60
MAX_SPREAD = 0.15


def spread(xs):
    xs = list(xs)
    if len(xs) < 2:
        return 0.0
    m = statistics.median(xs)
    return (max(xs) - min(xs)) / m if m else 0.0


def main():
    out, names = sys.argv[1], sys.argv[2:]
    print(f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()} "
          f"({cpu_name()}, {os.cpu_count()} cores), interleaved lmsh/PyTorch, medians over rounds; "
          f"PyTorch with 2 threads (sampling: {os.environ.get('REF_SAMPLE_THREADS', '2')}).\n")
    fma = [r for r in lines(os.path.join(out, "fma.jsonl")) if "gflops_peak" in r]
    peak = max(r["gflops_peak"] for r in fma) if fma else None
    print("| configuration | lmsh chars/s | PyTorch chars/s | ratio | target | lmsh GFLOP/s | PyTorch GFLOP/s | "
          "lmsh / PyTorch % of peak | rounds spread lmsh / PyTorch | peak RSS lmsh / PyTorch (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    results = {}
    flags = []
    for n in names:
        ours = lines(os.path.join(out, f"lmsh-{n}.jsonl"))
        raw = lines(os.path.join(out, f"torch-{n}.jsonl"))
        theirs = [r for r in raw if "chars_per_s" in r]
        rss = [r["peak_rss_mb"] for r in raw if "chars_per_s" not in r and "peak_rss_mb" in r]
        if not ours or not theirs:
            continue
        l = statistics.median(r["chars_per_sec"] for r in ours)
        t = statistics.median(r["chars_per_s"] for r in theirs)
        lg = statistics.median(r.get("gflops", 0) for r in ours)
        tg = statistics.median(r.get("gflops", 0) for r in theirs)
        lr = max(r.get("peak_rss_mb", 0) for r in ours)
        tr = max(rss) if rss else float("nan")
        results[n] = (l, t, lg, tg)
        target = TARGETS.get(n)
        if n.endswith("-eval"):
            target = TARGETS.get(n[:-5])
        gf = "—" if n.startswith("e-") else f"{lg:.1f}"
        tgf = "—" if n.startswith("e-") else f"{tg:.1f}"
        share = "—" if n.startswith("e-") or not peak else f"{100 * lg / peak:.0f}% / {100 * tg / peak:.0f}%"
        ls, ts = spread(r["chars_per_sec"] for r in ours), spread(r["chars_per_s"] for r in theirs)
        if len(theirs) < 2:
            flags.append(f"only {len(theirs)} round of PyTorch's {n}: its spread cannot be checked")
        if ts > MAX_SPREAD:
            flags.append(f"PyTorch's rounds of {n} spread by {100 * ts:.0f}% (> {100 * MAX_SPREAD:.0f}%)")
        print(f"| {LABELS.get(n, n)} | {l:,.0f} | {t:,.0f} | **{l / t:.2f}×** | "
              f"{'≥ %g×' % target if target else '—'} | {gf} | {tgf} | {share} | {100 * ls:.0f}% / {100 * ts:.0f}% | {lr:.0f} / {tr:.0f} |")
    sg = lines(os.path.join(out, "sgemm.jsonl"))
    if sg:
        one = statistics.median(r["gflops_1_thread"] for r in sg)
        two = statistics.median(r["gflops_2_threads"] for r in sg)
        best = max(one, two)
        print(f"\ncblas_sgemm (32×512)·(512×2048): {one:.1f} GFLOP/s on 1 thread, {two:.1f} on 2 (medians).", end="")
        if "b" in results:
            print(f" (b) reaches {results['b'][2]:.1f} GFLOP/s = {100 * results['b'][2] / best:.0f}% of the best (target ≥ 70%).")
        else:
            print()
    if fma:
        lo = min(r["gflops_peak"] for r in fma)
        one = max(r.get("gflops_peak_1_core", 0) for r in fma)
        print(f"\nFMA peak (lmsh bench --fma, {fma[0].get('cores', '?')} cores at once, best of {len(fma)} rounds): "
              f"{peak:.1f} GFLOP/s (one core alone {one:.1f}); spread {100 * (peak - lo) / peak:.0f}% between rounds, "
              f"up to {100 * max(r.get('spread', 0) for r in fma):.0f}% within one (7 measurements each).")
        if "b" in results and results["b"][3] < STARVED_SHARE * peak:
            flags.append(f"PyTorch's (b) reached {results['b'][3]:.1f} GFLOP/s = {100 * results['b'][3] / peak:.0f}% of the peak "
                         f"(< {100 * STARVED_SHARE:.0f}%): a starved reference")
    else:
        flags.append("no FMA peak measured (fma.jsonl missing): the reference cannot be checked for starvation")
    if flags:
        print("\nFLAGGED (do not quote as a measurement of lmsh against PyTorch): " + "; ".join(flags) + ".")
    else:
        print("\nNot flagged: PyTorch's (b) is at or above 60% of the measured peak and no configuration's rounds spread by more than 15%.")


if __name__ == "__main__":
    main()
