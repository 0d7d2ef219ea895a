#!/usr/bin/env bash
# make lint: every static check the project has, each reported, non-zero exit if any fails.
#   1. clang-format (.clang-format: Google, 100 columns) on every tracked C++ file, no edits
#      (make format fixes them);
#   2. hw/gen up to date with hw/regmap.toml (regtool --check);
#   3. verilator --lint-only -Wall on every RTL module (tools/rtl_lint.sh);
#   4. bash -n on every tracked shell script.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fail=0
step() {
  local name=$1
  shift
  if "$@"; then
    echo "lint: $name: clean"
  else
    echo "lint: $name: FAILED" >&2
    fail=1
  fi
}

format_check() {
  local bad=0 f
  for f in $(git ls-files '*.cc' '*.h' ':!:hw/gen/*'); do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
      echo "lint: not clang-formatted: $f (make format)" >&2
      bad=1
    fi
  done
  return $bad
}
step clang-format format_check
step regtool python3 hw/regtool.py --check hw/regmap.toml hw/gen
step rtl bash tools/rtl_lint.sh
step shell bash -c 'for f in $(git ls-files "*.sh") .ci/run; do bash -n "$f" || exit 1; done'
exit $fail
