#!/usr/bin/env bash
# The word-level case beside PyTorch, interleaved (lmsh, PyTorch, lmsh, PyTorch, …): PyTorch's
# word_language_model defaults (2-layer LSTM, embedding 200, hidden 200, bptt 35, batch 20, 10k words),
# training (Adam, clip 5, as `lmsh bench` trains) and sampling 2000 words at batch 1. Prints each round and
# the ratio of the medians. Only figures from one run compare: the machine is shared.
#
#   bench/compare-words.sh                 2 rounds
#   ROUNDS=3 bench/compare-words.sh
#
# Environment: LMSH (default .build/release/lmsh), PYTHON (default /tmp/torch-venv/bin/python), DATA
# (default data/tinyshakespeare.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
LMSH=${LMSH:-.build/release/lmsh}
PYTHON=${PYTHON:-/tmp/torch-venv/bin/python}
DATA=${DATA:-data/tinyshakespeare.txt}
ROUNDS=${ROUNDS:-2}
[ -x "$LMSH" ] || { echo "compare-words.sh: $LMSH not found (make release first)" >&2; exit 1; }
[ -x "$PYTHON" ] || { echo "compare-words.sh: $PYTHON not found (a Python with torch)" >&2; exit 1; }
[ -f "$DATA" ] || { echo "compare-words.sh: $DATA not found (make data)" >&2; exit 1; }
lm_train=() ; pt_train=() ; lm_sample=() ; pt_sample=()
for r in $(seq 1 "$ROUNDS"); do
  l=$("$LMSH" bench --data "$DATA" --words 10000 --model lstm --embed 200 --hidden 200 --layers 2 --seq 35 --batch 20 --steps 20 | tail -1)
  p=$("$PYTHON" bench/torch_wordlm.py --data "$DATA" --steps 20 | tail -1)
  echo "round $r train: lmsh: $l"; echo "round $r train: $p"
  lm_train+=("$(echo "$l" | sed -E 's/.*-> ([0-9.]+) chars\/s.*/\1/')")
  pt_train+=("$(echo "$p" | sed -E 's/.* ([0-9.]+) words\/s.*/\1/')")
  l=$("$LMSH" bench --data "$DATA" --words 10000 --embed 200 --hidden 200 --layers 2 --sample 2000 | tail -1)
  p=$("$PYTHON" bench/torch_wordlm.py --data "$DATA" --sample 2000 | tail -1)
  echo "round $r sample: lmsh: $l"; echo "round $r sample: $p"
  lm_sample+=("$(echo "$l" | sed -E 's/.*median ([0-9.]+) chars\/s.*/\1/')")
  pt_sample+=("$(echo "$p" | sed -E 's/.* ([0-9.]+) words\/s.*/\1/')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mt=$(median "${lm_train[@]}"); pt=$(median "${pt_train[@]}"); ms=$(median "${lm_sample[@]}"); ps=$(median "${pt_sample[@]}")
echo "$(date -u +%Y-%m-%d) $(uname -n), $ROUNDS rounds, medians in words/s:"
echo "  train  lmsh $mt  pytorch $pt  ratio $(awk -v a="$mt" -v b="$pt" 'BEGIN {printf "%.2f", a / b}')"
echo "  sample lmsh $ms  pytorch $ps  ratio $(awk -v a="$ms" -v b="$ps" 'BEGIN {printf "%.2f", a / b}')"
