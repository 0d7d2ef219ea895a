#!/usr/bin/env bash
# Generic-gate synthesis of the AES-GCM core with yosys (Debian's yosys, no liberty file):
# fails on any latch, prints Markdown tables of cell counts and logic depth.
#
#   esp_gcm with MaxKeyBits = 128 (AES-128 only, 10-stage AES pipeline) and 256 (both sizes,
#   14 stages), default parameters otherwise (16 key ids, AAD <= 255 B, payload <= 64 KiB);
#   then each pipeline stage's logic on its own, for its depth:
#     AES stage        esp_aes_round + the key-table read (esp_aes_pipe, whole)
#     GHASH loop       esp_ghash (loop multiply + final multiply)
#     key expansion    esp_aes_keyexp
#
# Depth is yosys `ltp -noff` after delay-driven ABC mapping (`abc -D`; the plain `synth`
# script leaves XOR chains unbalanced): the longest path in cells (AND/OR/XOR/MUX/NOT) between
# flip-flops, inputs and outputs, a technology-free stand-in for timing. Cell counts are
# yosys' generic cells ($_AND_, $_XOR_, $_MUX_, $_DFF_..., ...); the key tables (NumKeys x
# (Nr + 1) x 128 bits) are flip-flops here and would be RAMs in silicon.
#
# Usage: tools/rtl_syn.sh [OUT_DIR]            synthesize all, then print the tables
#        tools/rtl_syn.sh --report [OUT_DIR]   print the tables of an earlier run only
# OUT_DIR defaults to build/rtl_syn (logs and netlist statistics). A full run takes about
# 15 minutes on one core of the project's machine (ABC on ~300k gates, 8 runs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rtl=$root/rtl
report_only=0
if [ "${1:-}" = --report ]; then
  report_only=1
  shift
fi
out=${1:-$root/build/rtl_syn}
mkdir -p "$out"
command -v yosys >/dev/null || { echo "rtl_syn: yosys not found (make deps)" >&2; exit 1; }

srcs=(esp_gf128_pkg.sv esp_aes_pkg.sv esp_aes_sbox.sv esp_aes_round.sv esp_aes_keyexp.sv
      esp_aes_pipe.sv esp_gf128_mul.sv esp_ghash.sv esp_gcm.sv)
read_cmd="read_verilog -sv -DSYNTHESIS -I$rtl"
for s in "${srcs[@]}"; do read_cmd+=" $rtl/$s"; done

# syn NAME TOP [yosys hierarchy -chparam args...]
syn() {
  local name=$1 top=$2
  shift 2
  local script="$read_cmd; hierarchy -check -top $top $*; proc;
    select -assert-none t:\$dlatch t:\$adlatch t:\$dlatchsr t:\$sr;
    synth -flatten -noabc -top $top;
    abc -D 1000; opt_clean;
    select -assert-none t:\$_DLATCH_* t:\$_DLATCHSR_* t:\$_SR_*;
    tee -q -o $out/$name.stat stat; tee -q -o $out/$name.ltp ltp -noff"
  if ! yosys -q -l "$out/$name.log" -p "$script" >/dev/null 2>&1; then
    echo "rtl_syn: $name: FAILED (latch, or a synthesis error); see $out/$name.log" >&2
    grep -iE "error|assert" "$out/$name.log" | head -5 >&2
    exit 1
  fi
  # The full log is tens of MB (proc lists every flip-flop): keep its end only.
  tail -n 300 "$out/$name.log" > "$out/$name.log.tail" && mv "$out/$name.log.tail" "$out/$name.log"
}

cells() { awk '/Number of cells:/ {n = $4} END {print n}' "$out/$1.stat"; }
ffs() { awk '/\$_[A-Z]*DFF[A-Z0-9_]*/ {n += $2} END {print n + 0}' "$out/$1.stat"; }
depth() { sed -n 's/.*(length=\([0-9]*\)).*/\1/p' "$out/$1.ltp" | tail -1; }
kind() { awk -v k="$2" '$1 == k {n += $2} END {print n + 0}' "$out/$1.stat"; }

xors() { echo $(($(kind "$1" '$_XOR_') + $(kind "$1" '$_XNOR_'))); }

start=$(date +%s)
if [ "$report_only" = 0 ]; then
syn gcm128 esp_gcm -chparam MaxKeyBits 128
syn gcm256 esp_gcm -chparam MaxKeyBits 256
syn gcm256_k1 esp_gcm -chparam MaxKeyBits 256 -chparam NumKeys 1
syn pipe256 esp_aes_pipe -chparam MaxKeyBits 256
syn round esp_aes_round
syn ghash esp_ghash
syn gfmul esp_gf128_mul
syn keyexp esp_aes_keyexp
fi
secs=$(($(date +%s) - start))

echo "yosys $(yosys -V | awk '{print $2}'): 'synth -flatten -noabc', then delay-driven" \
     "'abc -D 1000' (generic gates, XOR = one level); no latches."
echo
echo "| esp_gcm configuration | cells | of which flip-flops | XOR/XNOR | MUX | max logic depth |"
echo "|---|---|---|---|---|---|"
for c in gcm128:"AES-128 only (MaxKeyBits 128), 16 key ids" \
         gcm256:"AES-128 + AES-256 (MaxKeyBits 256), 16 key ids" \
         gcm256_k1:"AES-128 + AES-256, 1 key id (key table minimal)"; do
  n=${c%%:*}
  echo "| ${c#*:} | $(cells "$n") | $(ffs "$n") | $(xors "$n") | $(kind "$n" '$_MUX_') |" \
       "$(depth "$n") |"
done
echo
echo "| pipeline stage (block synthesized alone) | cells | logic depth |"
echo "|---|---|---|"
echo "| AES round, combinational (esp_aes_round) | $(cells round) | $(depth round) |"
echo "| AES stage incl. key-table read and stall mux (esp_aes_pipe, max over stages) |" \
     "$(cells pipe256) | $(depth pipe256) |"
echo "| GF(2^128) multiply, combinational (esp_gf128_mul) | $(cells gfmul) | $(depth gfmul) |"
echo "| GHASH loop and final multiply (esp_ghash, max over its 2 stages) | $(cells ghash) |" \
     "$(depth ghash) |"
echo "| key expansion + H round (esp_aes_keyexp) | $(cells keyexp) | $(depth keyexp) |"
echo
if [ "$report_only" = 0 ]; then
  echo "rtl_syn: done in ${secs}s; logs in $out" >&2
fi
