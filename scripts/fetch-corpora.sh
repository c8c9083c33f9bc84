#!/usr/bin/env bash
# Fetches the corpora into data/ from their public sources when ../shared/data is not there (`make data`),
# each checked against the SHA-256 of the team's copy (../shared/data/README.md). Safe to rerun: a file
# already present with the right digest is kept. Offline, it says which corpus it could not get and goes on.
set -u
dir=${1:-data}
mkdir -p "$dir"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
status=0

digest() { sha256sum "$1" | cut -d' ' -f1; }
# check NAME EXPECTED: report whether data/NAME has the team copy's digest.
check() {
  local got; got=$(digest "$dir/$1")
  if [ "$got" = "$2" ]; then echo "data/$1: SHA-256 matches ($2)"
  else echo "data/$1: WARNING: SHA-256 $got differs from the team copy's $2 (the source has changed since); figures quoted in README may differ"; fi
}
have() { [ -s "$dir/$1" ] && [ "$(digest "$dir/$1")" = "$2" ]; }

# Tiny Shakespeare: char-rnn's file, byte for byte.
SHAKESPEARE_SHA=86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed
if have tinyshakespeare.txt $SHAKESPEARE_SHA; then echo "data/tinyshakespeare.txt: present"
elif curl -fsSL --max-time 120 -o "$tmp/s.txt" https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt; then
  mv "$tmp/s.txt" "$dir/tinyshakespeare.txt"; check tinyshakespeare.txt $SHAKESPEARE_SHA
else echo "data/tinyshakespeare.txt: could not download it from raw.githubusercontent.com (offline?)"; status=1; fi

# Pride and Prejudice: Project Gutenberg's EBook #1342 (UTF-8 edition), its header and licence footer removed,
# CRLF made LF, under a one-line title.
PRIDE_SHA=170b69b216f60db95ff0758b6750a5a640fc7ca7729ee3e986d46f1f4142853e
if have prideandprejudice.txt $PRIDE_SHA; then echo "data/prideandprejudice.txt: present"
elif curl -fsSL --max-time 120 -o "$tmp/p.txt" https://www.gutenberg.org/files/1342/1342-0.txt; then
  { printf 'Pride and Prejudice, by Jane Austen (1813)\n\n'
    tr -d '\r' < "$tmp/p.txt" | sed -e '1,/^Chapter 1$/{/^Chapter 1$/!d}' -e '/^End of the Project Gutenberg\|^\*\*\* *END OF/,$d'
  } > "$tmp/p2.txt" && mv "$tmp/p2.txt" "$dir/prideandprejudice.txt" && check prideandprejudice.txt $PRIDE_SHA
else echo "data/prideandprejudice.txt: could not download it from gutenberg.org (offline?)"; status=1; fi

# The Linux C corpus: kernel/*.c and mm/*.c of Debian's linux-source-6.1 (6.1.192-3 made the team copy),
# sorted by path (C locale) and concatenated. apt-get download needs no root; the package is 139 MB.
LINUX_SHA=9f40e8df52ba64579b907ea7e790f977eb69347299085cbdfe43f4e8be034bf3
if have linux.txt $LINUX_SHA; then echo "data/linux.txt: present"
elif ! command -v apt-get >/dev/null 2>&1; then echo "data/linux.txt: needs apt-get (Debian's linux-source-6.1 package)"; status=1
elif (cd "$tmp" && apt-get download -qq linux-source-6.1 >/dev/null 2>&1); then
  (cd "$tmp" && dpkg-deb --fsys-tarfile linux-source-6.1_*_all.deb | tar -x --wildcards './usr/src/linux-source-6.1.tar.xz' \
     && tar -xJf usr/src/linux-source-6.1.tar.xz --wildcards 'linux-source-6.1/kernel/*.c' 'linux-source-6.1/mm/*.c' \
     && cd linux-source-6.1 && ls kernel/*.c mm/*.c | LC_ALL=C sort | xargs cat > ../linux.txt) \
    && mv "$tmp/linux.txt" "$dir/linux.txt" && check linux.txt $LINUX_SHA
else echo "data/linux.txt: could not download Debian's linux-source-6.1 with apt-get (offline, or not a Debian-based system?)"; status=1; fi

exit $status
