#!/usr/bin/env python3
"""Traffic and summary helpers of tools/demo.sh (standard library only).

  demo_traffic.py send SRC DST PORT COUNT [INTERVAL_S]  UDP datagrams SRC -> DST:PORT, paced
  demo_traffic.py recv ADDR PORT COUNT TIMEOUT_S [READY_FILE]  prints how many arrived (stops at
      COUNT); creates READY_FILE once the socket is bound, so a sender can wait for it instead
      of guessing how long python takes to start
  demo_traffic.py pcap FILE SRC DST               raw-IPv4 pcap: 5 ICMP echos + 200 UDP datagrams
  demo_traffic.py summary A.json B.json PING UDP T0 RC WORKDIR
"""
import json
import socket
import struct
import sys
import time


def send(src, dst, port, count, interval=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    start = time.time()
    for i in range(count):
        s.sendto(struct.pack("!I", i) + bytes(508), (dst, port))
        if interval is not None:  # a steady stream: datagram i leaves at start + i * interval
            time.sleep(max(0.0, start + (i + 1) * interval - time.time()))
        elif i % 10 == 9:
            time.sleep(0.002)  # stay under the TUN queue and socket buffer sizes


def recv(addr, port, count, timeout, ready_file=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    s.bind((addr, port))
    if ready_file:
        open(ready_file, "w").close()
    s.settimeout(0.5)
    seen, end = set(), time.time() + timeout
    while len(seen) < count and time.time() < end:
        try:
            seen.add(struct.unpack("!I", s.recv(2048)[:4])[0])
        except socket.timeout:
            pass
    print(len(seen))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def pcap(path, src, dst):
    pkts = []
    for i in range(5):
        icmp = struct.pack("!BBHHH", 8, 0, 0, 0x1234, i + 1) + bytes(56)
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        pkts.append(ipv4(src, dst, 1, icmp, i + 1))
    for i in range(200):
        data = struct.pack("!I", i) + bytes(508)
        pkts.append(ipv4(src, dst, 17, struct.pack("!HHHH", 40000, 5001, 8 + len(data), 0) + data,
                         100 + i))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", 0, i, len(p), len(p)) + p)


def summary(a_path, b_path, ping, udp, t0, rc, wd):
    a, b = json.load(open(a_path)), json.load(open(b_path))

    def drops(s):
        d = {**s["drops"]["outbound"], **{k + "(in)": v for k, v in s["drops"]["inbound"].items()}}
        return ", ".join("%s=%d" % kv for kv in sorted(d.items())) or "none"

    def hs(s):
        return "%.1f ms" % s["handshake_ms"] if s["handshake_ms"] is not None else "-"

    def dev(s):
        d = s["device"]
        if d["modeled_gbps"] is None:
            return "%d pkts, %d bytes; %s backend is untimed: no cycles, no modeled Gbps" % (
                d["packets"], d["bytes"], d["backend"])
        return "%d pkts, %d cycles, %.2f bits/cycle = %.2f Gbps at %.0f MHz" % (
            d["packets"], d["cycles"], d["bits_per_cycle"], d["modeled_gbps"], d["clock_mhz"])

    rows = [
        ("handshake (IKE_SA_INIT..CHILD_SA installed)", "A initiator %s, B responder %s" % (hs(a), hs(b))),
        ("ping 10.1.0.1 -> 10.2.0.1", ping),
        ("UDP stream", udp),
        ("A: plaintext in / ESP out / ESP in / plaintext out", "%d / %d / %d / %d" % (
            a["plaintext"]["in"], a["esp"]["out"], a["esp"]["in"], a["plaintext"]["out"])),
        ("B: plaintext in / ESP out / ESP in / plaintext out", "%d / %d / %d / %d" % (
            b["plaintext"]["in"], b["esp"]["out"], b["esp"]["in"], b["plaintext"]["out"])),
        ("A: drops by cause", drops(a)),
        ("B: drops by cause", drops(b)),
        ("A: device", dev(a)),
        ("B: device", dev(b)),
        ("espd exit on SIGTERM (SAs deleted, keys zeroized)", "status %s" % rc),
        ("total time", "%.1f s" % (time.time() - float(t0))),
    ]
    print("== summary")
    for k, v in rows:
        print("  %-52s %s" % (k, v))
    ok = rc == "0" and a["esp"]["out"] == b["esp"]["in"] and b["esp"]["out"] == a["esp"]["in"]
    ok = ok and a["esp"]["in"] > 0 and b["esp"]["in"] > 0
    if ping.startswith(("0 ", "1 ", "2 ", "3 ", "4 ")):
        ok = False
    print("RESULT: %s" % ("OK: traffic passed both ways through the simulated ESP engines" if ok
                          else "FAILED (logs kept in %s with KEEP=1)" % wd))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "send":
        send(args[0], args[1], int(args[2]), int(args[3]), float(args[4]) if len(args) > 4 else None)
    elif cmd == "recv":
        recv(args[0], int(args[1]), int(args[2]), float(args[3]), args[4] if len(args) > 4 else None)
    elif cmd == "pcap":
        pcap(*args)
    elif cmd == "summary":
        summary(*args)
