#!/usr/bin/env bash
# make fuzz: builds the libFuzzer target of the IKE message parser with clang
# (-fsanitize=fuzzer,address,undefined) into build/fuzz and runs it for SECONDS (default 60).
#   tools/fuzz.sh [SECONDS]
# Seeds: tests/ike/fuzz/corpus (real messages from the in-memory exchange tests). New inputs go
# to build/fuzz/corpus; crashes to build/fuzz/crash-*. Exit status non-zero on any finding.
set -euo pipefail
secs=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/fuzz
mkdir -p "$out/corpus"
cxx=$(command -v clang++ || command -v clang++-14 || true)
[ -n "$cxx" ] || { echo "fuzz.sh: install clang and libclang-rt-14-dev" >&2; exit 2; }
srcs=("$root"/ike/message/*.cc "$root"/ike/crypto/*.cc "$root"/tests/ike/fuzz/message_fuzzer.cc)
bin=$out/ike_message_fuzzer
# Rebuild when a source is newer than the binary.
if [ ! -x "$bin" ] || [ -n "$(find "$root/ike" "$root/tests/ike/fuzz" -newer "$bin" \
      \( -name '*.cc' -o -name '*.h' \) 2>/dev/null | head -1)" ]; then
  echo "fuzz.sh: building $bin"
  "$cxx" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root" "${srcs[@]}" -lcrypto -o "$bin"
fi
echo "fuzz.sh: running for ${secs}s"
cd "$out"
"$bin" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  corpus "$root/tests/ike/fuzz/corpus" 2>&1 | tail -25
