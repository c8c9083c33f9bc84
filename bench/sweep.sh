#!/usr/bin/env bash
# Scaling curves (issue 18): lmsh and the PyTorch reference (../shared/bench/torch_charlstm.py) trained at each
# size of a sweep, interleaved per size (lmsh, PyTorch, next size, …) so both see the same machine, then
# bench/sweep-KEY.md (the machine, its load and FMA peak, both programs per size and the ratio) and
# bench/sweep-KEY.svg (chars/s and GFLOP/s against the size, log-x) by bench/sweep_table.py.
#
#   bench/sweep.sh hidden 64..1024                 char-rnn's 2×H LSTM, seq 50, batch 50
#   bench/sweep.sh seq 10..200 --hidden 256        other flags fix the rest (both programs get them)
#   bench/sweep.sh batch 1,8,64
#
# The sizes and each size's steps come from `lmsh bench --sweep KEY=SPEC --plan` (bigger sizes get fewer steps, the
# same for both programs). Environment: LMSH (default .build/release/lmsh), PYTHON (default /tmp/torch-venv/bin/python),
# REF (the reference script), ROUNDS (default 1; the table gives medians over rounds), OUT (folder of the raw JSON
# lines, default a temporary one), NAME (default bench/sweep-KEY: NAME.md and NAME.svg are written).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bench/sweep.sh hidden|seq|batch A..B|A,B,C [fixed lmsh bench flags]" >&2; exit 2; }
KEY=$1 SPEC=$2
shift 2
LMSH=${LMSH:-.build/release/lmsh}
PYTHON=${PYTHON:-/tmp/torch-venv/bin/python}
REF=${REF:-../shared/bench/torch_charlstm.py}
OUT=${OUT:-$(mktemp -d)}
NAME=${NAME:-bench/sweep-$KEY}
ROUNDS=${ROUNDS:-1}
mkdir -p "$OUT"
[ -x "$LMSH" ] || { echo "sweep.sh: $LMSH not found (make release first)" >&2; exit 1; }
[ -x "$PYTHON" ] || { echo "sweep.sh: $PYTHON not found (see ../shared/bench/README.md)" >&2; exit 1; }
[ -f "$REF" ] || { echo "sweep.sh: $REF not found" >&2; exit 1; }

mapfile -t POINTS < <("$LMSH" bench --sweep "$KEY=$SPEC" --plan "$@")
[ ${#POINTS[@]} -gt 0 ] || exit 1
echo "raw results in $OUT" >&2
{
  echo "command=$([ "$ROUNDS" = 1 ] || echo "ROUNDS=$ROUNDS ")bench/sweep.sh $KEY $SPEC $*"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "start=$(date -u '+%Y-%m-%d %H:%M')"
  echo "niceness=$(nice)"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/run.txt"
lscpu > "$OUT/lscpu.txt" 2>/dev/null || true
"$LMSH" bench --fma --json "$OUT/fma.jsonl" >&2
for round in $(seq "$ROUNDS"); do
  for point in "${POINTS[@]}"; do
    echo "round $round: lmsh bench $* $point" >&2
    # shellcheck disable=SC2086
    "$LMSH" bench "$@" $point --json "$OUT/lmsh.jsonl" >&2
    echo "round $round: torch_charlstm.py $* $point" >&2
    # shellcheck disable=SC2086
    "$PYTHON" "$REF" "$@" $point --threads 2 --no-val --json "$OUT/torch.jsonl" >&2
  done
done
"$LMSH" bench --fma --json "$OUT/fma.jsonl" >&2
{
  echo "end=$(date -u '+%Y-%m-%d %H:%M')"
  echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
} >> "$OUT/run.txt"
python3 bench/sweep_table.py "$OUT" "$KEY" "$NAME"
