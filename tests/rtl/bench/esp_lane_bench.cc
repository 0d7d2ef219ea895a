// esp_lane benchmark (make bench): a Markdown table on stdout for BENCHMARKS.md.
// Cycles per packet of one ESP lane at full rate (no gaps on in, no back-pressure on out),
// back-to-back packets of 4 SAs in turn (a key change on every packet), against the
// per-packet beat limit: the largest of AES blocks (J0 + payload), GHASH blocks (AAD +
// payload), in beats and out beats. Every packet is checked against the functional model
// while measured (tests/rtl/lane_driver.h); a mismatch aborts the run.
// Sizes are the plaintext IPv4 packet (encap input, decap output in tunnel mode; in transport
// mode the same packet with a 20-byte header); IMIX is 40:576:1500 bytes 7:4:1.
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "Vesp_lane.h"
#include "sim/harness/tb.h"
#include "tests/rtl/lane_driver.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {
namespace {

struct Row {
  double cycles_per_pkt;
  double limit_per_pkt;
  double eff;
  double khz;
};

Row Measure(bool decap, bool tunnel, int size, uint64_t seed) {
  sim::Tb<Vesp_lane> tb("esp_lane_bench");
  tb.Reset();
  LaneDriver<Vesp_lane> d(tb, {.seed = seed});
  std::mt19937_64 rng(seed);
  std::vector<LaneSa> sas;
  for (int i = 0; i < 4; ++i) {
    LaneSa s;
    s.slot = static_cast<uint16_t>(100 * i + 7);
    s.key = RandomBytes(rng, i % 2 ? 32 : 16);
    s.cfg.tunnel = tunnel;
    s.cfg.esn = i % 2;
    s.cfg.spi = static_cast<uint32_t>(rng() | 1);
    s.cfg.tun_src = 0x0a000001;
    s.cfg.tun_dst = 0x0a000002;
    sas.push_back(s);
    d.InstallKey(s.slot, s.key);
  }
  static constexpr int kImix[12] = {40, 40, 576, 40, 40, 576, 40, 1500, 40, 576, 40, 576};
  const int n = size == 0 ? 1200 : std::max(200, 40000 / size);
  for (int i = 0; i < n; ++i) {
    const LaneSa& s = sas[i % 4];
    const int len = size == 0 ? kImix[i % 12] : size;
    if (decap) {
      d.Add(
          MakeDecap(rng, s, static_cast<size_t>(tunnel ? len : len - 20), 1 + i, DecapKind::kGood));
    } else {
      d.Add(MakeEncap(rng, s, static_cast<size_t>(len), false, 1 + i, static_cast<uint16_t>(i)));
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  d.Run(50'000'000);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!d.errors().empty()) {
    std::fprintf(stderr, "esp_lane_bench: MISMATCH: %s\n", d.errors().front().c_str());
    std::exit(1);
  }
  const auto& st = d.stats();
  const double cycles = static_cast<double>(st.last_out - st.first_in);
  Row r;
  r.cycles_per_pkt = cycles / static_cast<double>(st.packets);
  r.limit_per_pkt = static_cast<double>(st.beat_limit) / static_cast<double>(st.packets);
  r.eff = static_cast<double>(st.beat_limit) / cycles;
  r.khz = static_cast<double>(st.cycles) / secs / 1e3;
  return r;
}

// One packet through an idle lane: clocks from its first in beat to its result and to its
// last out beat.
std::pair<uint64_t, uint64_t> LoneLatency(bool decap, int size) {
  sim::Tb<Vesp_lane> tb("esp_lane_latency");
  tb.Reset();
  LaneDriver<Vesp_lane> d(tb, {.seed = 5});
  std::mt19937_64 rng(5);
  LaneSa s;
  s.slot = 1;
  s.key = RandomBytes(rng, 32);
  s.cfg.tunnel = true;
  s.cfg.spi = 0x1234;
  d.InstallKey(s.slot, s.key);
  d.Add(decap ? MakeDecap(rng, s, static_cast<size_t>(size), 1, DecapKind::kGood)
              : MakeEncap(rng, s, static_cast<size_t>(size), false, 1, 0));
  d.Run(100'000);
  if (!d.errors().empty()) std::exit(1);
  const auto& st = d.stats();
  return {st.first_res - st.first_in, st.last_out - st.first_in};
}

// Verilator speed of the lane alone: precomputed jobs and beats (1500 B encap and decap in
// turn, 4 SAs), driven at full rate with no checking; simulated clocks per CPU second.
double SimSpeedKhz(uint64_t seed) {
  sim::Tb<Vesp_lane> tb("esp_lane_speed");
  tb.Reset();
  LaneDriver<Vesp_lane> d(tb, {.seed = seed});
  std::mt19937_64 rng(seed);
  std::vector<LaneSa> sas;
  for (int i = 0; i < 4; ++i) {
    LaneSa s;
    s.slot = static_cast<uint16_t>(3 * i);
    s.key = RandomBytes(rng, 16);
    s.cfg.tunnel = true;
    s.cfg.spi = static_cast<uint32_t>(rng() | 1);
    sas.push_back(s);
    d.InstallKey(s.slot, s.key);
  }
  struct Pre {
    uint32_t job[10];
    std::vector<std::array<uint32_t, 4>> beats;
    size_t len;
  };
  std::vector<Pre> pre;
  for (int i = 0; i < 64; ++i) {
    LanePkt p = i % 2 ? MakeDecap(rng, sas[i % 4], 1500, 1 + i, DecapKind::kGood)
                      : MakeEncap(rng, sas[i % 4], 1500, false, 1 + i, 0);
    Pre q;
    PackJob(p, q.job);
    q.len = p.in.size();
    for (size_t off = 0; off < p.in.size(); off += 16) {
      std::vector<uint8_t> b(16, 0);
      std::copy(p.in.begin() + static_cast<long>(off),
                p.in.begin() + static_cast<long>(std::min(off + 16, p.in.size())), b.begin());
      std::array<uint32_t, 4> w{};
      sim::SetBytes(w.data(), 128, b);
      q.beats.push_back(w);
    }
    pre.push_back(std::move(q));
  }
  auto& t = tb.model();
  t.res_ready_i = 1;
  t.out_ready_i = 1;
  size_t job = 0, in_pkt = 0, in_beat = 0;
  const uint64_t clocks = 400'000;
  const std::clock_t c0 = std::clock();
  for (uint64_t c = 0; c < clocks; ++c) {
    const Pre& j = pre[job % pre.size()];
    const Pre& q = pre[in_pkt % pre.size()];
    t.job_valid_i = job < in_pkt + 2;
    for (int i = 0; i < 10; ++i) t.job_i[i] = j.job[i];
    t.in_valid_i = in_pkt < job;
    for (int i = 0; i < 4; ++i) t.in_data_i[i] = q.beats[in_beat][i];
    const size_t n = std::min<size_t>(16, q.len - 16 * in_beat);
    t.in_keep_i = static_cast<uint16_t>(0xffff0000u >> n);
    t.in_last_i = in_beat + 1 == q.beats.size();
    tb.Eval();
    if (t.job_valid_i && t.job_ready_o) ++job;
    if (t.in_valid_i && t.in_ready_o && ++in_beat == q.beats.size()) {
      in_beat = 0;
      ++in_pkt;
    }
    tb.Tick();
  }
  // Process CPU time: robust to the other jobs on a shared machine.
  const double secs = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  return static_cast<double>(clocks) / secs / 1e3;
}

}  // namespace
}  // namespace ipsec::rtltest

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--speed") {
    std::printf("%.0f kHz\n", ipsec::rtltest::SimSpeedKhz(7));
    return 0;
  }
  using ipsec::rtltest::Measure;
  std::printf("## esp_lane: cycles per packet, one lane, full rate, 4 SAs in turn\n\n");
  std::printf(
      "Efficiency = per-packet beat limit / cycles (goal >= 0.95). Gbps at 250 MHz counts "
      "the plaintext packet bytes. kHz: simulated clocks per second, packets checked "
      "against the model in the loop.\n\n");
  std::printf(
      "| direction | mode | size (B) | cycles/pkt | limit/pkt | efficiency | Gbps @250 MHz "
      "| sim kHz |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
  const int sizes[] = {64, 128, 256, 512, 1024, 1500, 9000, 0};
  bool ok = true;
  for (bool decap : {false, true}) {
    for (bool tunnel : {true, false}) {
      for (int size : sizes) {
        const auto r = Measure(decap, tunnel, size, 1000 + static_cast<uint64_t>(size));
        const double avg = size == 0 ? (7 * 40 + 4 * 576 + 1500) / 12.0 : size;
        const double gbps = avg * 8 / r.cycles_per_pkt * 0.25;
        std::printf("| %s | %s | %s | %.2f | %.2f | %.3f | %.1f | %.0f |\n",
                    decap ? "decap" : "encap", tunnel ? "tunnel" : "transport",
                    size == 0 ? "IMIX" : std::to_string(size).c_str(), r.cycles_per_pkt,
                    r.limit_per_pkt, r.eff, gbps, r.khz);
        ok = ok && r.eff >= 0.95;
      }
    }
  }
  std::printf("\n%s\n", ok ? "all sizes >= 0.95 of the beat limit"
                           : "BELOW GOAL: some size under 0.95 of the beat limit");
  std::printf(
      "\nLatency of a lone packet (clocks from its first in beat to its result / to its "
      "last out beat), tunnel mode:\n\n| direction | size (B) | to result | to last out "
      "beat |\n|---|---:|---:|---:|\n");
  for (bool decap : {false, true}) {
    for (int size : {64, 1500}) {
      const auto l = ipsec::rtltest::LoneLatency(decap, size);
      std::printf("| %s | %d | %llu | %llu |\n", decap ? "decap" : "encap", size,
                  static_cast<unsigned long long>(l.first),
                  static_cast<unsigned long long>(l.second));
    }
  }
  std::printf(
      "\nVerilator speed, lane alone (1500 B encap/decap at full rate, no checking, per CPU "
      "second): "
      "%.0f kHz\n",
      ipsec::rtltest::SimSpeedKhz(7));
  return 0;
}
