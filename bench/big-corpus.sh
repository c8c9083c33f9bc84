#!/bin/sh
# A corpus larger than memory (issue 19): generates a 2 GB text (Tiny Shakespeare repeated) outside the
# repository, drops it from the page cache, and has lmsh load it and train 50 steps under /usr/bin/time -v.
# Prints the seconds to the first training step and the peak resident set. Usage: bench/big-corpus.sh [DIR]
set -eu
dir=${1:-/tmp/lmsh-big-corpus}
lmsh=$(cd "$(dirname "$0")/.." && pwd)/.build/release/lmsh
src=$(cd "$(dirname "$0")/.." && pwd)/data/tinyshakespeare.txt
mkdir -p "$dir" && cd "$dir"
[ -f big.txt ] || python3 -c "
d = open('$src', 'rb').read()
with open('big.txt', 'wb') as f:
    for _ in range((2 << 30) // len(d) + 1): f.write(d)"
python3 -c "import os; fd = os.open('big.txt', os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)"
/usr/bin/time -v python3 -c "
import subprocess, sys, time
t0 = time.time(); first = None; tail = b''
p = subprocess.Popen(['$lmsh', '-c', 'text = corpus(\"big.txt\")\nm = lstm(text, hidden=128, layers=2)\ntrain m text steps=50'],
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
while True:
    c = p.stdout.read(1)
    if not c: break
    tail = (tail + c)[-200:]
    if first is None and b'step 1 ' in tail: first = time.time() - t0
print(f'first training step after {first:.2f} s; status {p.wait()}')
" 2>&1 | grep -E "^first training|Maximum resident|Elapsed"
