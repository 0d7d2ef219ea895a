#!/usr/bin/env bash
# Benchmark companion of esp_gcm_bench: yosys cell counts and logic depth of the AES-GCM core
# (tools/rtl_syn.sh), as Markdown. CMake copies this script into <build>/bench/ so that
# `make bench SYN=1` (tools/bench.sh) runs it; plain `make bench` sets IPSEC_BENCH_SYN=0 and
# skips it (about 15 minutes of ABC: `make syn` runs it alone).
set -euo pipefail
if [ "${IPSEC_BENCH_SYN:-1}" = 0 ]; then
  echo "esp_gcm synthesis skipped (IPSEC_BENCH_SYN=0); run tools/rtl_syn.sh"
  exit 0
fi
root="@PROJECT_SOURCE_DIR@"
exec bash "$root/tools/rtl_syn.sh" "@PROJECT_BINARY_DIR@/rtl_syn"
