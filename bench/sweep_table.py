#!/usr/bin/env python3
"""Reads the JSON lines bench/sweep.sh collected and writes NAME.md (machine, load, FMA peak, both programs per
size and the ratio) and NAME.svg (chars/s and GFLOP/s against the size, log-x, both programs): a small
self-contained SVG written here, with no packages beyond Python's own.

Usage: sweep_table.py OUT_DIR KEY NAME  (files OUT_DIR/{lmsh,torch,fma}.jsonl, OUT_DIR/run.txt, OUT_DIR/lscpu.txt)
"""
import json
import math
import os
import statistics
import sys

from compare_table import STARVED_SHARE


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def keyvalues(path, sep):
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for l in f:
                if sep in l:
                    k, v = l.split(sep, 1)
                    out[k.strip()] = v.strip()
    return out


def by_size(rows, key, rate):
    """Size -> (median chars/s, median GFLOP/s, the rows) over the rounds of that size."""
    sizes = {}
    for r in rows:
        if rate in r and key in r:
            sizes.setdefault(r[key], []).append(r)
    return {s: (statistics.median(r[rate] for r in rs), statistics.median(r.get("gflops", 0) for r in rs), rs)
            for s, rs in sizes.items()}


def svg(key, sizes, ours, theirs, peak, title):
    """Two panels side by side: chars/s (log-y) and GFLOP/s (linear, with the FMA peak dashed), log-x."""
    W, H, pw, ph, ml, mt = 860, 340, 330, 230, 70, 50
    colors = {"lmsh": "#1f77b4", "PyTorch": "#d62728"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>']
    lx0, lx1 = math.log2(min(sizes)), math.log2(max(sizes))
    if lx1 == lx0:
        lx0, lx1 = lx0 - 1, lx1 + 1

    def panel(x0, label, series, log_y, top_line=None):
        vals = [v for _, pts in series for _, v in pts if v > 0]
        if top_line:
            vals.append(top_line)
        if not vals:
            return
        if log_y:
            lo, hi = math.floor(math.log10(min(vals))), math.ceil(math.log10(max(vals)))
            if hi == lo:
                hi += 1
            fy = lambda v: mt + ph - (math.log10(v) - lo) / (hi - lo) * ph
            ticks = [(10 ** k, f"{10 ** k:,.0f}" if k >= 0 else f"{10 ** k:g}") for k in range(lo, hi + 1)]
        else:
            hi = max(vals) * 1.1
            step = 10 ** math.floor(math.log10(hi / 4)) if hi > 0 else 1
            step *= 5 if hi / step > 20 else (2 if hi / step > 8 else 1)
            fy = lambda v: mt + ph - v / hi * ph
            ticks = [(k * step, f"{k * step:g}") for k in range(int(hi / step) + 1)]
        fx = lambda s: x0 + (math.log2(s) - lx0) / (lx1 - lx0) * pw
        out.append(f'<rect x="{x0}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
        for v, t in ticks:
            y = fy(v)
            out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + pw}" y2="{y:.1f}" stroke="#eee"/>')
            out.append(f'<text x="{x0 - 5}" y="{y + 4:.1f}" text-anchor="end">{t}</text>')
        for s in sizes:
            x = fx(s)
            out.append(f'<line x1="{x:.1f}" y1="{mt + ph}" x2="{x:.1f}" y2="{mt + ph + 4}" stroke="#888"/>')
            out.append(f'<text x="{x:.1f}" y="{mt + ph + 17}" text-anchor="middle">{s}</text>')
        out.append(f'<text x="{x0 + pw / 2}" y="{mt + ph + 34}" text-anchor="middle">{key} (log scale)</text>')
        out.append(f'<text x="{x0 + pw / 2}" y="{mt - 8}" text-anchor="middle">{label}</text>')
        if top_line:
            y = fy(top_line)
            out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + pw}" y2="{y:.1f}" stroke="#555" stroke-dasharray="5,4"/>')
            out.append(f'<text x="{x0 + pw - 4}" y="{y - 5:.1f}" text-anchor="end" fill="#555">FMA peak {top_line:.1f}</text>')
        for name, pts in series:
            pts = [(s, v) for s, v in pts if v > 0]
            c = colors[name]
            if len(pts) > 1:
                d = " ".join(f"{fx(s):.1f},{fy(v):.1f}" for s, v in pts)
                out.append(f'<polyline points="{d}" fill="none" stroke="{c}" stroke-width="2"/>')
            for s, v in pts:
                out.append(f'<circle cx="{fx(s):.1f}" cy="{fy(v):.1f}" r="3.5" fill="{c}"><title>{name} {key}={s}: {v:,.1f}</title></circle>')

    panel(ml, "chars/s (log scale)", [("lmsh", [(s, ours[s][0]) for s in sizes if s in ours]),
                                      ("PyTorch", [(s, theirs[s][0]) for s in sizes if s in theirs])], True)
    panel(ml + pw + 100, "GFLOP/s", [("lmsh", [(s, ours[s][1]) for s in sizes if s in ours]),
                                     ("PyTorch", [(s, theirs[s][1]) for s in sizes if s in theirs])], False, peak)
    for k, (name, c) in enumerate(colors.items()):
        x = ml + 10 + k * 110
        out.append(f'<line x1="{x}" y1="{H - 12}" x2="{x + 22}" y2="{H - 12}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{x + 28}" y="{H - 8}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    out, key, name = sys.argv[1], sys.argv[2], sys.argv[3]
    ours = by_size(lines(os.path.join(out, "lmsh.jsonl")), key, "chars_per_sec")
    theirs = by_size(lines(os.path.join(out, "torch.jsonl")), key, "chars_per_s")
    fma = [r for r in lines(os.path.join(out, "fma.jsonl")) if "gflops_peak" in r]
    peak = max(r["gflops_peak"] for r in fma) if fma else None
    run = keyvalues(os.path.join(out, "run.txt"), "=")
    cpu = keyvalues(os.path.join(out, "lscpu.txt"), ":")
    sizes = sorted(set(ours) | set(theirs))
    if not sizes:
        sys.exit("sweep_table.py: no results in " + out)
    any_row = next(iter(ours.values()))[2][0] if ours else next(iter(theirs.values()))[2][0]
    width = "H" if key == "hidden" else any_row.get("hidden", "?")
    config = f"{any_row.get('layers', '?')}×{width} {str(any_row.get('model', 'lstm')).upper()}" + "".join(
        f", {k} {any_row.get(k, '?')}" for k in ("seq", "batch") if k != key)
    rounds = max([len(v[2]) for v in theirs.values()] + [len(v[2]) for v in ours.values()])
    md = [f"# Scaling with {key}: lmsh beside PyTorch\n",
          f"Command: `{run.get('command', '?')}` (lmsh at commit {run.get('commit', '?')}), {run.get('start', '?')} to "
          f"{run.get('end', '?')} UTC" + (f", at niceness {run['niceness']}" if run.get("niceness", "0") != "0" else "")
          + f". Training (Adam, clipping by norm 5, one-hot input) of {config} at each {key}; "
          f"interleaved per size (lmsh, then PyTorch with 2 threads, `--no-val`; rounds: {rounds}); each size's steps from "
          f"`lmsh bench --sweep {key}=… --plan` (the same for both), medians of the timed steps.\n",
          f"Machine: {cpu.get('Model name', '?')}, {cpu.get('CPU(s)', os.cpu_count())} cores; load average "
          f"(1 / 5 / 15 min) {run.get('load_before', '?')} before, {run.get('load_after', '?')} after.\n",
          ]
    if fma:
        md.append(f"FMA peak (`lmsh bench --fma`, all cores at once, before and after): "
                  + " and ".join(f"{r['gflops_peak']:.1f}" for r in fma)
                  + f" GFLOP/s; shares below are of the higher, {peak:.1f}.")
    md.append("")
    md.append(f"| {key} | steps (warm-up) | lmsh chars/s | PyTorch chars/s | lmsh / PyTorch | lmsh GFLOP/s | "
              "PyTorch GFLOP/s | lmsh % of peak | PyTorch % of peak |")
    md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in sizes:
        l, t = ours.get(s), theirs.get(s)
        row0 = (t or l)[2][0]  # the reference writes its warm-up too
        steps = f"{row0.get('steps', '?')} ({row0.get('warmup', '?')})"
        pct = lambda g: f"{100 * g / peak:.0f}%" if peak else "—"
        md.append(f"| {s} | {steps} | {f'{l[0]:,.0f}' if l else '—'} | {f'{t[0]:,.0f}' if t else '—'} | "
                  f"{f'**{l[0] / t[0]:.2f}×**' if l and t and t[0] else '—'} | {f'{l[1]:.1f}' if l else '—'} | "
                  f"{f'{t[1]:.1f}' if t else '—'} | {pct(l[1]) if l else '—'} | {pct(t[1]) if t else '—'} |")
    # compare.sh's rule (issue 18): a reference below this share of the peak at its biggest size is starved, and a
    # single round's spread cannot be checked; such a run says how each program bears the load, not which is faster.
    flags = []
    big = max(theirs) if theirs else None
    if peak and big is not None and theirs[big][1] < STARVED_SHARE * peak:
        flags.append(f"PyTorch at {key} {big} reached {theirs[big][1]:.1f} GFLOP/s = {100 * theirs[big][1] / peak:.0f}% of the "
                     f"peak (< {100 * STARVED_SHARE:.0f}%): a starved reference")
    if theirs and max(len(v[2]) for v in theirs.values()) < 2:
        flags.append("one round per size: the spread cannot be checked")
    if not peak:
        flags.append("no FMA peak measured")
    md.append("\n" + ("FLAGGED (the ratios are not a measurement of lmsh against PyTorch): " + "; ".join(flags) + "."
                      if flags else "Not flagged: PyTorch's biggest size is at or above 60% of the measured peak."))
    md.append(f"\nPlot: [{os.path.basename(name)}.svg]({os.path.basename(name)}.svg) (chars/s and GFLOP/s against {key}, log-x).")
    with open(name + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    title = f"{config}: training speed against {key} ({cpu.get('Model name', '?')}, {run.get('start', '?')} UTC)"
    with open(name + ".svg", "w") as f:
        f.write(svg(key, sizes, ours, theirs, peak, title))
    print("\n".join(md))


if __name__ == "__main__":
    main()
