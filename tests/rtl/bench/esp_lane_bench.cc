// esp_lane benchmark (make bench): a Markdown table on stdout for BENCHMARKS.md.
// Cycles per packet of one ESP lane at full rate (no gaps on in, no back-pressure on out),
// back-to-back packets of 4 SAs in turn (a key change on every packet), against the
// per-packet beat limit: the largest of AES blocks (J0 + payload), GHASH blocks (AAD +
// payload), in beats and out beats. Every packet is checked against the functional model
// while measured (tests/rtl/lane_driver.h); a mismatch aborts the run.
// Sizes are the plaintext IPv4 packet (encap input, decap output in tunnel mode; in transport
// mode the same packet with a 20-byte header); IMIX is 40:576:1500 bytes 7:4:1.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
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

}  // namespace
}  // namespace ipsec::rtltest

int main() {
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
  return 0;
}
