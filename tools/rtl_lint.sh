#!/usr/bin/env bash
# Lints every module in rtl/ on its own with verilator --lint-only -Wall (STYLE.md section 3).
# Fails on any warning. Waivers live only in rtl/lint/*.vlt.
# Usage: tools/rtl_lint.sh   (from anywhere; takes a few seconds)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rtl=$root/rtl
shopt -s nullglob
waivers=("$rtl"/lint/*.vlt)
fail=0
n=0
# hw/gen/ipsec_reg_pkg.sv (generated from hw/regmap.toml) is the front end's register package.
# Packages that import others come after the packages without imports (Verilator needs a package
# declared before it is imported).
pkgs=("$root"/hw/gen/ipsec_reg_pkg.sv)
for p in "$rtl"/*_pkg.sv; do grep -q '^\s*import ' "$p" || pkgs+=("$p"); done
for p in "$rtl"/*_pkg.sv; do grep -q '^\s*import ' "$p" && pkgs+=("$p"); done
for f in "$rtl"/*.sv; do
  m=$(basename "$f" .sv)
  n=$((n + 1))
  if [[ $m == *_pkg ]] && ! grep -q '^\s*import ' "$f"; then
    args=("$f")  # a package without imports is linted on its own
  elif [[ $m == *_pkg ]]; then
    # ... one with imports after the packages before it in the order above
    args=()
    for p in "${pkgs[@]}"; do [[ $p == "$f" ]] && break; args+=("$p"); done
    args+=("$f")
  else
    args=(--top-module "$m" "${pkgs[@]}" "$f")
  fi
  if ! out=$(verilator --lint-only -Wall -I"$rtl" -y "$rtl" "${waivers[@]}" "${args[@]}" 2>&1); then
    echo "rtl_lint: $m: FAIL"
    echo "$out"
    fail=1
  elif [ -n "$out" ]; then
    echo "rtl_lint: $m: output (treated as failure)"
    echo "$out"
    fail=1
  else
    echo "rtl_lint: $m: clean"
  fi
done
# The top again in the 4-lane configuration (sim/CMakeLists.txt: 1024-bit bus, 8 queue pairs),
# whose generate branches (per-lane output packers, 32 back records) the default leaves out.
n=$((n + 1))
if ! out=$(verilator --lint-only -Wall -I"$rtl" -y "$rtl" "${waivers[@]}" --top-module ipsec_top \
  -GLanes=4 -GDataW=1024 -GQueues=8 "${pkgs[@]}" "$rtl/ipsec_top.sv" 2>&1) || [ -n "$out" ]; then
  echo "rtl_lint: ipsec_top (4 lanes, 1024 bits): FAIL"
  echo "$out"
  fail=1
else
  echo "rtl_lint: ipsec_top (4 lanes, 1024 bits): clean"
fi
if [ "$n" -eq 0 ]; then
  echo "rtl_lint: no modules found in $rtl" >&2
  exit 1
fi
[ "$fail" -eq 0 ] && echo "rtl_lint: $n module(s) clean"
exit "$fail"
