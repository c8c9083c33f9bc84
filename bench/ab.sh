#!/usr/bin/env bash
# Compares two lmsh binaries on the standard set of `make bench`, interleaved (old, new, old, new, …) so
# that both see the same machine: lmsh against lmsh, which is what a refactoring must not slow down.
# Prints one markdown row per configuration: median chars/s of each binary over the rounds and new/old.
#
#   OLD=/path/to/old/lmsh bench/ab.sh               3 rounds of every configuration
#   OLD=… ROUNDS=5 bench/ab.sh a b-eval             5 rounds of (a) and (b eval) only
#
# Environment: OLD (required), NEW (default .build/release/lmsh), ROUNDS (default 3), OUT (raw JSON lines).
set -euo pipefail
cd "$(dirname "$0")/.."
NEW=${NEW:-.build/release/lmsh}
OLD=${OLD:?set OLD to the binary to compare against}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
A="--model lstm --hidden 128 --layers 2 --seq 50 --batch 50"
B="--model lstm --hidden 512 --layers 3 --seq 100 --batch 32 --steps 20 --warmup 3"
declare -A FLAGS=(
  [a]="$A" [b]="$B" [c]="--model lstm --hidden 256 --layers 1 --seq 64 --batch 64"
  [d]="--model rnn --hidden 128 --layers 1 --seq 50 --batch 50"
  [a-eval]="$A --eval-only" [b-eval]="$B --eval-only"
  [e-2x128]="--hidden 128 --layers 2 --sample 2000" [e-3x512]="--hidden 512 --layers 3 --sample 2000"
)
ORDER=(a b c d a-eval b-eval e-2x128 e-3x512)
[ $# -gt 0 ] && ORDER=("$@")
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
rate() { grep -o '"chars_per_sec": *[0-9.e+]*' "$1" | tail -1 | cut -d: -f2 | tr -d ' '; }
echo "| configuration | old chars/s | new chars/s | new/old |"
echo "|---|---:|---:|---:|"
for name in "${ORDER[@]}"; do
  for r in $(seq "$ROUNDS"); do
    for side in old new; do
      bin=$OLD; [ "$side" = new ] && bin=$NEW
      # shellcheck disable=SC2086
      "$bin" bench ${FLAGS[$name]} --json "$OUT/$name-$side-$r.json" > /dev/null
    done
  done
  o=$(for r in $(seq "$ROUNDS"); do rate "$OUT/$name-old-$r.json"; done | median)
  n=$(for r in $(seq "$ROUNDS"); do rate "$OUT/$name-new-$r.json"; done | median)
  awk -v name="$name" -v o="$o" -v n="$n" 'BEGIN { printf "| %s | %.0f | %.0f | %.3f |\n", name, o, n, n / o }'
done
