#!/usr/bin/env bash
# One timed recipe run on Tiny Shakespeare (char-rnn's split, the default `corpus`), logged for
# bench/recipes.md: the machine's load before and after, what the run chose, val reached and the time.
#
#   bench/recipe-run.sh 'lstm(text, recipe="fast")' 'minutes=2 recipe="fast"'
#   bench/recipe-run.sh 'lstm(text, hidden=256, layers=1)' 'minutes=2 recipe="fast" lr=4e-3'
#
# Environment: LMSH (default .build/release/lmsh), DATA (default data/tinyshakespeare.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
LMSH=${LMSH:-.build/release/lmsh}
DATA=${DATA:-data/tinyshakespeare.txt}
MODEL=${1:?model expression, e.g. 'lstm(text, recipe="fast")'}
TRAIN=${2:?train keywords, e.g. 'minutes=2 recipe="fast"'}
echo "== $(date -u '+%Y-%m-%d %H:%M:%S') UTC  m = $MODEL; train m text $TRAIN"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$LMSH" -c "text = corpus(\"$DATA\"); m = $MODEL; r = train m text $TRAIN; print(\"run:\", r); e = eval m text.val; print(\"val:\", e.nats, \"steps:\", m.steps)" 2>/dev/null
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
