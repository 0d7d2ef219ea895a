#!/usr/bin/env bash
# make bench: runs every benchmark the build produced and prints Markdown for BENCHMARKS.md.
# Usage: tools/bench.sh BUILD_DIR
set -euo pipefail
build=${1:?build dir}
ran=0
for b in "$build"/bench/*; do
  [ -x "$b" ] && [ -f "$b" ] || continue
  echo "### $(basename "$b")"
  echo
  "$b"
  echo
  ran=$((ran + 1))
done
echo "bench: $ran benchmark(s) ran" >&2
