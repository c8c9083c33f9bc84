#!/usr/bin/env bash
# Runs lmsh and the PyTorch reference (../shared/bench/torch_charlstm.py) side by side, interleaved
# (lmsh, PyTorch, lmsh, PyTorch, …) for configurations (a)-(e) of issue 6, and prints the ratios as a
# markdown table with the machine's name and the date. Interleaving matters: the machine is shared and
# its speed drifts, so only figures measured in the same run compare.
#
#   bench/compare.sh                  2 rounds of every configuration
#   ROUNDS=3 bench/compare.sh a d     3 rounds of (a) and (d) only
#   QUICK=1 bench/compare.sh          fewer steps (a smoke test, not a measurement)
#   bench/compare.sh t                the transformer (issue 20) beside nanoGPT's GPT at the same size
#                                     (bench/torch_nanogpt.py; not in the default order)
#
# Environment: LMSH (default .build/release/lmsh, built with `make release`), PYTHON (default
# /tmp/torch-venv/bin/python; see ../shared/bench/README.md to create the venv), REF (the reference
# script), OUT (folder for the raw JSON lines, default a temporary one), REF_SAMPLE_THREADS (PyTorch's
# threads for sampling, default 2; on a loaded machine its two threads spin against each other at batch 1
# and 1 is faster, which is also the figure the issue quotes for 3×512).
#
# Each round also measures the machine's FMA peak (`lmsh bench --fma`: all cores at once); the table gives
# every GFLOP/s as a share of it, and the run is FLAGGED when PyTorch's reference is starved: its (b) below
# 60% of the peak, or its rounds of a configuration spread by more than 15% ((max − min) / median). Quote
# only unflagged runs (issue 18), with the date, the peak and the spread.
set -euo pipefail
cd "$(dirname "$0")/.."
LMSH=${LMSH:-.build/release/lmsh}
PYTHON=${PYTHON:-/tmp/torch-venv/bin/python}
REF=${REF:-../shared/bench/torch_charlstm.py}
ROUNDS=${ROUNDS:-2}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
[ -x "$LMSH" ] || { echo "compare.sh: $LMSH not found (make release first)" >&2; exit 1; }
[ -x "$PYTHON" ] || { echo "compare.sh: $PYTHON not found (see ../shared/bench/README.md)" >&2; exit 1; }
[ -f "$REF" ] || { echo "compare.sh: $REF not found" >&2; exit 1; }

A="--model lstm --hidden 128 --layers 2 --seq 50 --batch 50"
B="--model lstm --hidden 512 --layers 3 --seq 100 --batch 32 --steps 20 --warmup 3"
C="--model lstm --hidden 256 --layers 1 --seq 64 --batch 64"
D="--model rnn --hidden 128 --layers 1 --seq 50 --batch 50"
T="--layers 4 --heads 4 --dim 128 --seq 64 --batch 32 --steps 20 --warmup 3"
if [ -n "${QUICK:-}" ]; then
  A="$A --steps 8 --warmup 2"; B="--model lstm --hidden 512 --layers 3 --seq 100 --batch 32 --steps 4 --warmup 1"
  C="$C --steps 8 --warmup 2"; D="$D --steps 8 --warmup 2"; T="--layers 4 --heads 4 --dim 128 --seq 64 --batch 32 --steps 4 --warmup 1"
fi
declare -A FLAGS=(
  [a]="$A" [b]="$B" [c]="$C" [d]="$D" [t]="$T"
  [a-eval]="$A --eval-only" [b-eval]="$B --eval-only"
  [e-2x128]="--hidden 128 --layers 2 --sample 2000" [e-3x512]="--hidden 512 --layers 3 --sample 2000"
)
ORDER=(a b c d a-eval b-eval e-2x128 e-3x512)
if [ $# -gt 0 ]; then ORDER=("$@"); fi

# The reference's peak resident memory, read in the same process after the script has run.
ref() {  # ref NAME FLAGS...
  local name=$1 threads=2 script=$REF; shift
  case $name in e-*) threads=${REF_SAMPLE_THREADS:-2} ;; t) script=bench/torch_nanogpt.py ;; esac
  "$PYTHON" - "$script" "$@" --threads "$threads" --no-val --json "$OUT/torch-$name.jsonl" <<'PY'
import resource, runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    out = sys.argv[sys.argv.index("--json") + 1]
    with open(out, "a") as f:
        f.write('{"peak_rss_mb": %.1f}\n' % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
PY
}

echo "raw results in $OUT" >&2
for round in $(seq "$ROUNDS"); do
  "$LMSH" bench --sgemm --json "$OUT/sgemm.jsonl" >&2
  "$LMSH" bench --fma --json "$OUT/fma.jsonl" >&2
  for name in "${ORDER[@]}"; do
    flags=${FLAGS[$name]:?unknown configuration $name}
    echo "round $round ($name): lmsh bench $flags" >&2
    lflags=$flags
    [ "$name" = t ] && lflags="--transformer $flags"
    # shellcheck disable=SC2086
    "$LMSH" bench $lflags --json "$OUT/lmsh-$name.jsonl" >&2
    echo "round $round ($name): torch_charlstm.py $flags" >&2
    # shellcheck disable=SC2086
    ref "$name" $flags >&2
  done
done
python3 "$(dirname "$0")/compare_table.py" "$OUT" "${ORDER[@]}"
