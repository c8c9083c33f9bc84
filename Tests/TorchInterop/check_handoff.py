#!/usr/bin/env python3
"""`make test-torch`: lmsh hands a run to PyTorch and takes it back (issue 19), checked end to end.

1. lmsh trains a 2x128 LSTM for 200 steps on the corpus, exports it (`export m "run/" torch=true`), then goes
   on for 200 more steps itself and saves the model (its loss history holds all 400 losses).
2. The exported folder is copied twice; its own train.py continues it 200 steps on one process, and 200 steps
   under `torchrun --nproc_per_node=2` (gloo, CPU).
3. Checks: the first continued loss of both equals lmsh's step 201 to 1e-4; so does every loss of the first 50
   continued steps; the means of every 20 steps stay within 0.02 of lmsh's own continuation (float32 rounding
   grows chaotically after that: the pointwise largest difference is reported); the 2-process curve keeps
   falling (the mean of its last 20 losses is below that of its first 20 and of lmsh's last 20 before export).
4. lmsh imports the 2-process run (`m = load("run2/")`): 400 steps, 400 losses, and `sample`, `gradflow`,
   `cells` work on it.

Needs torch and safetensors (the Makefile makes a venv); prints the figures and exits 1 on a failed check.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from safetensors import safe_open

TOLERANCE = 1e-4


def run(cmd, cwd, **kw):
    t = time.time()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        print(p.stdout[-3000:], p.stderr[-3000:], sep="\n")
        raise SystemExit(f"check_handoff: {' '.join(cmd[:3])} … failed with status {p.returncode}")
    return p.stdout, time.time() - t


def mean(xs):
    return sum(xs) / len(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lmsh", required=True)
    ap.add_argument("--corpus", default="data/tinyshakespeare.txt")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--work", default="")
    args = ap.parse_args()
    lmsh = os.path.abspath(args.lmsh)
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="lmsh-torch-")
    os.makedirs(work, exist_ok=True)
    corpus = os.path.join(work, "input.txt")
    if os.path.exists(args.corpus):
        shutil.copyfile(args.corpus, corpus)
    else:
        print(f"check_handoff: {args.corpus} is absent (make data); using a generated text instead")
        words = "the cat sat on the mat and the dog ate the hat while a bird sang to the red mat".split()
        with open(corpus, "w") as f:
            f.write("\n".join(" ".join(words[(i * 7 + k) % len(words)] for k in range(9)) for i in range(40000)))
    n = args.steps
    for d in ("run", "run1", "run2"):
        shutil.rmtree(os.path.join(work, d), ignore_errors=True)

    cells = "\n".join([
        'text = corpus("input.txt")', "m = lstm(text, hidden=128, layers=2)", f"train m text steps={n}",
        'export m "run/" torch=true', f"train m text steps={n}", 'save m "lmsh.safetensors" overwrite=true'])
    _, lmsh_seconds = run([lmsh, "-c", cells], work)
    with safe_open(os.path.join(work, "lmsh.safetensors"), framework="pt") as f:
        lmsh_hist = json.loads(f.metadata()["lmsh.loss_history"])
    assert len(lmsh_hist) == 2 * n, f"lmsh's history has {len(lmsh_hist)} losses, not {2 * n}"

    shutil.copytree(os.path.join(work, "run"), os.path.join(work, "run1"))
    shutil.copytree(os.path.join(work, "run"), os.path.join(work, "run2"))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out1, t1 = run([sys.executable, "run1/train.py", f"--steps={n}", "--print-every=50"], work, env=env)
    out2, t2 = run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                    "run2/train.py", f"--steps={n}", "--print-every=50"], work, env=env)
    print(out1.strip(), out2.strip(), sep="\n")
    h1 = json.load(open(os.path.join(work, "run1", "run.json")))["loss_history"]
    h2 = json.load(open(os.path.join(work, "run2", "run.json")))["loss_history"]

    failures = []
    first1, first2 = abs(h1[n] - lmsh_hist[n]), abs(h2[n] - lmsh_hist[n])
    curve1 = max(abs(a - b) for a, b in zip(h1[n:], lmsh_hist[n:]))
    curve2 = max(abs(a - b) for a, b in zip(h2[n:], lmsh_hist[n:]))
    # Float32 training is chaotic: the curves agree to ~1e-7 for tens of steps, then rounding grows; so the
    # first quarter is checked point by point and the whole by the means of 20-step windows.
    quarter = n // 4
    early = max(abs(a - b) for h in (h1, h2) for a, b in zip(h[n:n + quarter], lmsh_hist[n:n + quarter]))
    windows = max(abs(mean(h[i:i + 20]) - mean(lmsh_hist[i:i + 20])) for h in (h1, h2) for i in range(n, 2 * n, 20))
    print(f"lmsh steps 1..{2 * n}: {lmsh_seconds:.1f} s (with the export); torch 1 process: {t1:.1f} s; "
          f"torch 2 processes: {t2:.1f} s (startup included)")
    print(f"lmsh loss at step {n}: {lmsh_hist[n - 1]:.6f}; step {n + 1}: lmsh {lmsh_hist[n]:.6f}, "
          f"torch 1 process {h1[n]:.6f} (|Δ| {first1:.2e}), torch 2 processes {h2[n]:.6f} (|Δ| {first2:.2e})")
    print(f"largest |Δ| from lmsh's own continuation: steps {n + 1}..{n + quarter} {early:.2e} (both); steps {n + 1}..{2 * n} "
          f"1 process {curve1:.2e}, 2 processes {curve2:.2e}; of 20-step means {windows:.2e}")
    print(f"mean loss: steps {n - 19}..{n} (lmsh) {mean(lmsh_hist[n - 20:n]):.4f}; 2 processes, steps {n + 1}..{n + 20} "
          f"{mean(h2[n:n + 20]):.4f}, steps {2 * n - 19}..{2 * n} {mean(h2[-20:]):.4f}; lmsh's own {mean(lmsh_hist[-20:]):.4f}")
    if h1[:n] != lmsh_hist[:n] and max(abs(a - b) for a, b in zip(h1[:n], lmsh_hist[:n])) > 1e-6:
        failures.append("the exported history is not lmsh's")
    if first1 > TOLERANCE or first2 > TOLERANCE:
        failures.append(f"the first continued loss differs from lmsh's next step by more than {TOLERANCE}")
    if not (mean(h2[-20:]) < mean(h2[n:n + 20]) and mean(h2[-20:]) < mean(lmsh_hist[n - 20:n])):
        failures.append("the 2-process curve does not keep falling")
    if early > TOLERANCE:
        failures.append(f"a torch curve leaves lmsh's by more than {TOLERANCE} within {quarter} steps")
    if windows > 0.02:
        failures.append("a torch curve's 20-step means leave lmsh's by more than 0.02")

    back = "\n".join([
        'm = load("run2/")', "print(m.steps)", "print(len(m.history))", "s = sample m 120 seed=1",
        'g = gradflow m "First Citizen: Before we proceed any further, hear me speak."',
        'c = cells m "First Citizen:\\nBefore we proceed any further, hear me speak.\\n\\nAll:\\nSpeak, speak."'])
    out, _ = run([lmsh, "-c", back], work)
    lines = out.splitlines()
    print("lmsh after import:", *lines[:3], sep="\n  ")
    if f"{2 * n}" not in lines[1:3] or lines.count(f"{2 * n}") < 2:
        failures.append(f"the imported model does not have {2 * n} steps and {2 * n} losses")
    for word in ("‖∂cost_N/∂h_n‖", "line_position"):
        if word not in out:
            failures.append(f"the output of gradflow/cells on the imported model lacks {word!r}")
    if failures:
        print("FAILED:", *failures, sep="\n  ")
        sys.exit(1)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    print(f"test-torch: the hand-off is exact to {TOLERANCE} and the run comes back")


if __name__ == "__main__":
    main()
