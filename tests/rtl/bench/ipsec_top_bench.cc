// Whole-device benchmark (make bench): a Markdown table on stdout for BENCHMARKS.md.
// Encap through the driver on SimDevice (rtl/ipsec_top.sv), rings kept full (256 entries),
// 4 SAs in turn (IPSEC_BENCH_SAS=n: n SAs, e.g. 1 for a single-SA stream, whose packets
// depend on each other's SA state), one queue pair with one lane, 4 with several
// (IPSEC_BENCH_QUEUES=n: n in turn), every lane configuration the build has (IPSEC_SIM_LANES=n:
// that one); cycles per packet in steady state (from the first completion to the last: the
// pipeline fill is latency, not throughput), against the per-packet beat limit: the largest of DMA
// read beats (descriptor 2 + packet), DMA write beats (packet + completion 1), AES blocks (J0 +
// payload) and GHASH blocks (AAD + payload + length). Host read latency 0 and 500 clocks;
// simulation speed in kHz (wall clock, this machine). Sizes are the inner IPv4 packet; IMIX is
// 40:576:1500 bytes 7:4:1. The simulated host accepts 512 read bursts outstanding (SimConfig's
// default, IPSEC_SIM_HOST_READS): the 1-lane device keeps at most 128 in flight, the 4-lane
// one 512.
// IPSEC_BENCH_SIZE=N (0: IMIX) measures one size only, at latency 0 or IPSEC_BENCH_LATENCY=500.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "driver/driver.h"
#include "sim/sim_device.h"
#include "tests/models/packets.h"

namespace ipsec {
namespace {

using testing::Ip;

struct Row {
  double cycles_per_pkt, limit_per_pkt, khz;
};

uint32_t NumSas() {
  const char* e = std::getenv("IPSEC_BENCH_SAS");
  const int n = e != nullptr ? std::atoi(e) : 4;
  return n >= 1 && n <= 64 ? static_cast<uint32_t>(n) : 4;
}

// IPSEC_BENCH_QUEUES=n (1..8, at most the configuration's): packets go to n queue pairs in turn
// (one ring of 256 each); by default 1 with one lane, 4 with several (on one queue the lanes
// wait for each completion's round trip: rtl/doc/multilane.md).
uint32_t NumQueues(uint32_t lanes) {
  const uint32_t def = lanes > 1 ? 4 : 1;
  const char* e = std::getenv("IPSEC_BENCH_QUEUES");
  const int n = e != nullptr ? std::atoi(e) : static_cast<int>(def);
  return n >= 1 && n <= 8 ? static_cast<uint32_t>(n) : def;
}

// The configurations to measure: IPSEC_SIM_LANES's, else every one the build Verilated.
std::vector<uint32_t> LaneCounts() {
  const uint32_t env = sim::SimConfig::FromEnv().lanes;
  if (env != 0) return {env};
  return sim::SimDevice::BuiltLanes();
}

uint64_t Beats(uint64_t bytes) { return (bytes + 15) / 16; }

Row Measure(int size, uint32_t read_latency, uint32_t lanes) {
  sim::SimConfig cfg = sim::SimConfig::FromEnv();  // write latency, bandwidth
  cfg.axi.read_latency = read_latency;
  cfg.lanes = lanes;
  sim::SimDevice dev(cfg);
  const uint32_t nq = NumQueues(lanes);
  auto drv = driver::Driver::Open(dev, {.queues = nq, .ring_log2 = 8});
  if (!drv) {
    std::fprintf(stderr, "open: %s\n", drv.error().message.c_str());
    std::exit(1);
  }
  std::mt19937 rng(1);
  std::vector<uint32_t> slots;
  const uint32_t sas = NumSas();
  for (uint32_t i = 0; i < sas; ++i) {
    driver::SaParams p;
    p.spi = 0x1000 + i;
    p.key = util::SecretBytes(i % 2 ? 32 : 16);
    p.tunnel = true;
    p.tun_src = Ip(192, 0, 2, 1);
    p.tun_dst = Ip(192, 0, 2, 2);
    auto s = (*drv)->InstallSa(p);
    if (!s) std::exit(1);
    slots.push_back(*s);
  }
  static constexpr int kImix[12] = {40, 40, 576, 40, 40, 576, 40, 1500, 40, 576, 40, 576};
  const int n = size == 0 ? 2400 : std::max(1000, 400000 / size);
  std::vector<std::vector<uint8_t>> pkts;
  double limit = 0;
  for (int i = 0; i < n; ++i) {
    const int len = size == 0 ? kImix[i % 12] : size;
    pkts.push_back(testing::MakeIpv4(Ip(10, 0, 0, 1), Ip(10, 0, 0, 2), 17, len, rng));
    const uint64_t ct = (len + 2 + 3) / 4 * 4;  // tunnel: whole packet + pad + trailer
    const uint64_t out = 20 + 16 + ct + 16;
    limit += static_cast<double>(
        std::max({Beats(len) + 2, Beats(out) + 1, 1 + Beats(ct), 1 + Beats(ct) + 1}));
  }
  const auto w0 = std::chrono::steady_clock::now();
  const uint64_t c0 = dev.cycles();
  // Steady state: cycles from the first completion to the last, per packet after the first
  // (the pipeline fill, about two host read latencies, is latency, not throughput; espbench
  // reports per-packet latency).
  uint64_t c1 = 0;
  int done1 = 0;
  int posted = 0, done = 0;
  std::vector<int> out_q(nq, 0);  // packets outstanding per queue
  while (done < n) {
    while (posted < n && (*drv)->SubmitRoom(posted % nq) > 0) {
      if (!(*drv)->Post(posted % nq, hw::Opcode::kEncap, slots[posted % sas], pkts[posted],
                        posted)) {
        break;
      }
      ++out_q[posted % nq];
      ++posted;
    }
    for (uint32_t q = 0; q < nq; ++q) (*drv)->Flush(q);
    uint32_t wq = 0;  // a queue with packets outstanding
    while (out_q[wq] == 0) wq = (wq + 1) % nq;
    if (!(*drv)->WaitCompletion(wq, 10'000'000)) {
      std::fprintf(stderr, "hang at %d\n", done);
      std::exit(1);
    }
    for (uint32_t q = 0; q < nq; ++q) {
      const auto k = static_cast<int>((*drv)->Reap(q, [](const driver::Completion& c) {
        if (c.status != hw::Status::kOk) std::exit(1);
      }));
      out_q[q] -= k;
      done += k;
    }
    if (done1 == 0) {
      c1 = dev.cycles();
      done1 = done;
    }
  }
  const uint64_t cycles = dev.cycles() - c1;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  return {static_cast<double>(cycles) / (n - done1), limit / n,
          static_cast<double>(dev.cycles() - c0) / secs / 1e3};
}

}  // namespace
}  // namespace ipsec

int main() {
  // IPSEC_BENCH_SIZE=N measures only inner size N (0: IMIX) at latency 0 (or
  // IPSEC_BENCH_LATENCY=L: 0 or 500), e.g. for a trace.
  const char* only = std::getenv("IPSEC_BENCH_SIZE");
  const char* only_lat = std::getenv("IPSEC_BENCH_LATENCY");
  const uint32_t one_lat = only_lat != nullptr ? static_cast<uint32_t>(std::atoi(only_lat)) : 0;
  for (const uint32_t lanes : ipsec::LaneCounts()) {
    std::printf(
        "### ipsec_top: encap through the driver (%u lane(s), %u queue(s) with rings of 256, %u "
        "SA(s))\n\n",
        lanes, ipsec::NumQueues(lanes), ipsec::NumSas());
    std::printf("| size B | read latency | cycles/pkt | beat limit/pkt | efficiency | sim kHz |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (uint32_t lat : {0u, 500u}) {
      for (int size : {64, 128, 256, 512, 1024, 1500, 9000, 0}) {
        if (only != nullptr && (lat != one_lat || size != std::atoi(only))) continue;
        const ipsec::Row r = ipsec::Measure(size, lat, lanes);
        std::printf("| %s | %u | %.1f | %.1f | %.3f | %.0f |\n",
                    size == 0 ? "IMIX" : std::to_string(size).c_str(), lat, r.cycles_per_pkt,
                    r.limit_per_pkt, r.limit_per_pkt / r.cycles_per_pkt, r.khz);
        std::fflush(stdout);
      }
    }
    std::printf("\n");
  }
  return 0;
}
