#!/usr/bin/env bash
# make run: the embedded default demo. Two espd gateways negotiate IKEv2 and carry a ping and a
# UDP stream through ESP computed by their simulated offload engines, then print a summary.
#
#   tools/demo.sh [BUILD_DIR]        (default build/rel; BACKEND=rtl|model|auto, default auto)
#
# Layout (two network namespaces joined by a veth pair, created here and always removed):
#   espdemo-a: 192.0.2.1, protected 10.1.0.1  <== IKEv2 + ESP ==>  espdemo-b: 192.0.2.2, 10.2.0.1
# Each espd gets a TUN device (esp0) with routes to the other side's subnet.
# Where namespaces are unavailable (not root, or no CAP_SYS_ADMIN; DEMO_MODE=loopback forces it)
# the same two gateways run on loopback (127.0.0.1 <-> 127.0.0.2 on ports 500/4500, so binding
# them still needs root or CAP_NET_BIND_SERVICE; UDP encapsulation, no raw sockets) in pcap mode:
# each sends 5 pings and 200 UDP datagrams from a pcap file and writes what it decrypts to one.
set -euo pipefail
BUILD=${1:-build/rel}
ESPD=$BUILD/host/espd
ESPCTL=$BUILD/host/espctl
DEMO=host/demo
BACKEND=${BACKEND:-auto}
NS=espdemo
WD=$(mktemp -d /tmp/espd-demo.XXXXXX)
PIDS=()
T0=$(date +%s.%N)

say() { printf '%s\n' "$*"; }
die() { say "demo: $*" >&2; exit 1; }

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  ip netns del $NS-a 2>/dev/null || true
  ip netns del $NS-b 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$WD"
}
trap cleanup EXIT INT TERM

[ -x "$ESPD" ] && [ -x "$ESPCTL" ] || die "$ESPD not built (run make build)"

if [ "$BACKEND" = auto ]; then
  if "$ESPD" --config $DEMO/a.conf --backend rtl --check 2>/dev/null; then BACKEND=rtl; else
    BACKEND=model
    say "note: the RTL backend is not in this build; using the functional model (--backend model)"
  fi
fi

mode=${DEMO_MODE:-netns}
if [ "$mode" = netns ] && { [ "$(id -u)" != 0 ] || ! ip netns add $NS-probe 2>/dev/null; }; then
  mode=loopback
fi
ip netns del $NS-probe 2>/dev/null || true

# Command prefixes that run in A's / B's namespace (empty on loopback); `ip netns exec` execs the
# command, so $! of a background job is the program's own pid.
IN_A=(); IN_B=()
[ $mode = netns ] && IN_A=(ip netns exec $NS-a) && IN_B=(ip netns exec $NS-b)
in_a() { "${IN_A[@]}" "$@"; }
in_b() { "${IN_B[@]}" "$@"; }

if [ $mode = netns ]; then
  say "== espd demo: two gateways in network namespaces $NS-a / $NS-b, backend $BACKEND"
  ip netns add $NS-a; ip netns add $NS-b
  ip link add $NS-va type veth peer name $NS-vb
  ip link set $NS-va netns $NS-a; ip link set $NS-vb netns $NS-b
  ip -n $NS-a addr add 192.0.2.1/24 dev $NS-va; ip -n $NS-b addr add 192.0.2.2/24 dev $NS-vb
  for s in a b; do ip -n $NS-$s link set lo up; ip -n $NS-$s link set $NS-v$s up; done
  ip -n $NS-a addr add 10.1.0.1/32 dev lo; ip -n $NS-b addr add 10.2.0.1/32 dev lo
  CONF_A=$DEMO/a.conf; CONF_B=$DEMO/b.conf; EXTRA_A=(); EXTRA_B=()
else
  say "== espd demo: no network namespaces here (needs root); two gateways on loopback in pcap" \
      "mode, backend $BACKEND"
  python3 tools/demo_traffic.py pcap "$WD/a-in.pcap" 10.1.0.1 10.2.0.1
  python3 tools/demo_traffic.py pcap "$WD/b-in.pcap" 10.2.0.1 10.1.0.1
  sed -e 's/192.0.2.1/127.0.0.1/; s/192.0.2.2/127.0.0.2/; s/dpd_delay = 10s/encap = yes/' \
    $DEMO/a.conf >"$WD/a.conf"
  sed -e 's/192.0.2.2/127.0.0.2/; s/192.0.2.1/127.0.0.1/; s/dpd_delay = 10s/encap = yes/' \
    $DEMO/b.conf >"$WD/b.conf"
  CONF_A=$WD/a.conf; CONF_B=$WD/b.conf
  EXTRA_A=(--no-tun --pcap-in "$WD/a-in.pcap" --pcap-out "$WD/a-out.pcap")
  EXTRA_B=(--no-tun --pcap-in "$WD/b-in.pcap" --pcap-out "$WD/b-out.pcap")
fi

"${IN_B[@]}" "$ESPD" --config "$CONF_B" --backend "$BACKEND" --control "$WD/b.ctl" "${EXTRA_B[@]}" \
  2>"$WD/b.log" & PIDS+=($!)
for _ in $(seq 50); do [ -S "$WD/b.ctl" ] && break; sleep 0.1; done
[ -S "$WD/b.ctl" ] || { cat "$WD/b.log" >&2; die "espd B did not start"; }
"${IN_A[@]}" "$ESPD" --config "$CONF_A" --backend "$BACKEND" --control "$WD/a.ctl" "${EXTRA_A[@]}" \
  2>"$WD/a.log" & PIDS+=($!)

up=0
for _ in $(seq 100); do
  if [ -S "$WD/a.ctl" ] && "$ESPCTL" --control "$WD/a.ctl" list-sas --json 2>/dev/null |
      grep -q '"spi_in"'; then up=1; break; fi
  sleep 0.1
done
[ $up = 1 ] || { tail -20 "$WD/a.log" "$WD/b.log" >&2; die "no CHILD_SA within 10 s"; }
say "-- IKEv2 done; CHILD_SA installed in both simulated engines:"
"$ESPCTL" --control "$WD/a.ctl" list-sas | sed 's/^/   A | /'

PING="5 echo requests per side from a pcap (pcap mode: no TUN, no replies)"
if [ $mode = netns ]; then
  say "-- ping 10.1.0.1 -> 10.2.0.1 through the tunnel"
  if in_a ping -c 5 -i 0.2 -W 2 -I 10.1.0.1 10.2.0.1 >"$WD/ping.txt" 2>&1; then :; fi
  sed 's/^/   /' "$WD/ping.txt" | tail -3
  PING=$(grep -o '[0-9]* received' "$WD/ping.txt" | head -1 || echo "0 received")
  say "-- UDP stream, 1000 datagrams each way at the same time, 1 per ms (10.1.0.1 <-> 10.2.0.1)"
  "${IN_B[@]}" python3 tools/demo_traffic.py recv 10.2.0.1 5001 1000 10 "$WD/rb" >"$WD/udp-b.txt" & RB=$!
  "${IN_A[@]}" python3 tools/demo_traffic.py recv 10.1.0.1 5001 1000 10 "$WD/ra" >"$WD/udp-a.txt" & RA=$!
  for i in $(seq 200); do [ -e "$WD/rb" ] && [ -e "$WD/ra" ] && break; sleep 0.05; done
  in_a python3 tools/demo_traffic.py send 10.1.0.1 10.2.0.1 5001 1000 0.001 & SA=$!
  in_b python3 tools/demo_traffic.py send 10.2.0.1 10.1.0.1 5001 1000 0.001
  wait $SA
  wait $RB $RA || true
  UDP="A->B $(cat "$WD/udp-b.txt")/1000, B->A $(cat "$WD/udp-a.txt")/1000 received"
  say "   $UDP"
else
  # Each side sends its pcap-in (205 packets) from 300 ms after its CHILD_SA is up, 16 per 2 ms.
  for _ in $(seq 50); do
    n=$("$ESPCTL" --control "$WD/a.ctl" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["plaintext"]["out"])')
    [ "$n" -ge 205 ] && break; sleep 0.1
  done
  UDP="200 datagrams per side from a pcap; decrypted packets in a-out.pcap / b-out.pcap"
fi

"$ESPCTL" --control "$WD/a.ctl" stats --json >"$WD/a-stats.json"
"$ESPCTL" --control "$WD/b.ctl" stats --json >"$WD/b-stats.json"
for i in 0 1; do kill -TERM "${PIDS[$i]}"; done
rc=0
for i in 0 1; do wait "${PIDS[$i]}" || rc=$?; done
PIDS=()
python3 tools/demo_traffic.py summary "$WD/a-stats.json" "$WD/b-stats.json" "$PING" "$UDP" \
  "$T0" "$rc" "$WD"
