#!/usr/bin/env bash
# make bench: runs every benchmark the build produced, then espbench's default sweep (issue 7),
# and prints Markdown for BENCHMARKS.md. The sweep's plots go to docs/bench/ (the README shows
# docs/bench/throughput.svg); its records, table and gnuplot inputs stay in BUILD_DIR/espbench.
# Usage: tools/bench.sh BUILD_DIR
#   BENCH_SWEEP=FILE   another sweep file (default host/espbench/default_sweep.json)
#   BENCH_ONLY=sweep   only the sweep; BENCH_ONLY=blocks: only the block benchmarks
set -euo pipefail
build=${1:?build dir}
sweep=${BENCH_SWEEP:-host/espbench/default_sweep.json}
only=${BENCH_ONLY:-}
jobs=$(nproc)
ran=0
start=$SECONDS
if [ "$only" != sweep ]; then
  for b in "$build"/bench/*; do
    [ -x "$b" ] && [ -f "$b" ] || continue
    echo "### $(basename "$b")"
    echo
    t=$SECONDS
    "$b"
    echo
    echo "bench: $(basename "$b") took $((SECONDS - t)) s" >&2
    ran=$((ran + 1))
  done
fi
if [ "$only" != blocks ]; then
  espbench="$build/host/espbench/espbench"
  out="$build/espbench"
  echo "### espbench sweep ($sweep)"
  echo
  t=$SECONDS
  "$espbench" sweep "$sweep" --dir "$out" -j "$jobs" --md "$out/table.md" >/dev/null
  cat "$out/table.md"
  mkdir -p docs/bench
  cp "$out/throughput.svg" "$out/latency.svg" docs/bench/
  echo
  echo "Plots: docs/bench/throughput.svg, docs/bench/latency.svg"
  echo "bench: espbench sweep took $((SECONDS - t)) s on $jobs cores" >&2
  ran=$((ran + 1))
fi
echo "bench: $ran benchmark(s) ran in $((SECONDS - start)) s" >&2
