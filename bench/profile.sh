#!/bin/sh
# Where a training step's time goes (issue 18's `profile train`), for char-rnn's 2×128 LSTM (batch 50, seq 50)
# and the 3×512 LSTM (batch 32, seq 100) on Tiny Shakespeare: 20 profiled steps after 3 warm-up steps each.
# Prints markdown (command, date, machine, load before and after, the two tables) for bench/profile.md.
# Usage: bench/profile.sh [path/to/lmsh]   (default .build/release/lmsh; run `make release link-data` first)
set -eu
LMSH=${1:-.build/release/lmsh}
DATA=${DATA:-data/tinyshakespeare.txt}
[ -x "$LMSH" ] || { echo "no $LMSH: build it with swift build -c release --product lmsh" >&2; exit 1; }
[ -f "$DATA" ] || { echo "no $DATA: make link-data" >&2; exit 1; }

run() {  # $1: title, $2: the cells
    echo "### $1"
    echo
    echo "Command: \`$LMSH -c '$2'\`, started $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg) (1 / 5 / 15 min)."
    echo
    echo '```text'
    "$LMSH" -c "$2" | sed '/^steps: /,$d'
    echo '```'
    echo
    echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
}

echo "Machine: $(uname -n), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $("$LMSH" --version 2>/dev/null || echo "lmsh ?"), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')."
echo
run "(a) char-rnn's 2×128 LSTM, batch 50, seq 50" \
    "text = corpus(\"$DATA\"); m = lstm(text, hidden=128, layers=2); profile train m text steps=20 batch=50 seq=50"
run "(b) 3×512 LSTM, batch 32, seq 100" \
    "text = corpus(\"$DATA\", batch=32, seq=100); m = lstm(text, hidden=512, layers=3); profile train m text steps=20 batch=32 seq=100"
