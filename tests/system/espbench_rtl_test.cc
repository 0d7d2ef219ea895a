// espbench's runner on the cycle-accurate device (sim/SimDevice): what an architect relies on.
// - Cycle figures are a function of the configuration and the seed: two runs on fresh devices
//   give identical cycles, latencies and statuses (issue 7: "identical run to run").
// - No configuration beats the per-packet beat limit (efficiency <= 1 per lane).
// - --inflight: one descriptor outstanding gives the lone-packet latency, far below the latency
//   of a full ring (queueing) and at a lower rate.
#include <gtest/gtest.h>

#include "driver/driver.h"
#include "host/espbench/runner.h"
#include "sim/sim_device.h"

namespace ipsec::host::bench {
namespace {

RunResult RunOnFreshDevice(const RunConfig& cfg, uint32_t read_latency = 0) {
  sim::SimConfig sc;
  sc.axi.read_latency = read_latency;
  sim::SimDevice dev(sc);
  auto drv = driver::Driver::Open(dev, {.queues = cfg.queues, .ring_log2 = cfg.ring_log2});
  EXPECT_TRUE(drv.has_value());
  if (!drv) return {};
  auto r = RunTraffic(**drv, cfg);
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return r ? *r : RunResult{};
}

RunConfig Mixed() {
  RunConfig cfg;
  cfg.sizes = "imix";
  cfg.sas = {.count = 4, .tunnel = 0.5, .natt = 0.5, .esn = 0.5, .aes256 = 0.5};
  cfg.decap = 0.5;
  cfg.ring_log2 = 6;
  cfg.packets = 300;
  cfg.warmup = 50;
  cfg.seed = 7;
  return cfg;
}

TEST(EspbenchRtlTest, CycleFiguresRepeatForASeed) {
  const RunConfig cfg = Mixed();
  const RunResult a = RunOnFreshDevice(cfg, 100);
  const RunResult b = RunOnFreshDevice(cfg, 100);
  EXPECT_EQ(a.backend, "rtl");
  EXPECT_EQ(a.statuses.at("OK"), 300u);
  EXPECT_GT(a.cycles, 0u);
  EXPECT_EQ(a.cycles, b.cycles);
  EXPECT_EQ(a.total_cycles, b.total_cycles);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.limit_beats, b.limit_beats);
  EXPECT_EQ(a.latency.p50, b.latency.p50);
  EXPECT_EQ(a.latency.p99, b.latency.p99);
  EXPECT_EQ(a.latency.max, b.latency.max);
  EXPECT_EQ(a.statuses, b.statuses);
  // Another seed is other traffic: the figures move.
  RunConfig other = cfg;
  other.seed = 8;
  EXPECT_NE(RunOnFreshDevice(other, 100).total_cycles, a.total_cycles);
}

TEST(EspbenchRtlTest, NothingBeatsTheBeatLimit) {
  for (const char* sizes : {"64", "1500"}) {
    RunConfig cfg = Mixed();
    cfg.sizes = sizes;
    const RunResult r = RunOnFreshDevice(cfg);
    ASSERT_GT(r.cycles, 0u) << sizes;
    EXPECT_LE(r.limit_beats, r.cycles * r.lanes) << sizes;
    // And the device is not absurdly far from it either (a stall would show here).
    EXPECT_GT(static_cast<double>(r.limit_beats) / static_cast<double>(r.cycles * r.lanes), 0.2)
        << sizes;
  }
}

TEST(EspbenchRtlTest, OneInFlightIsTheLonePacketLatency) {
  RunConfig full = Mixed();
  full.sizes = "256";
  full.decap = 0;
  RunConfig lone = full;
  lone.inflight = 1;
  const RunResult f = RunOnFreshDevice(full);
  const RunResult l = RunOnFreshDevice(lone);
  ASSERT_GT(f.cycles, 0u);
  ASSERT_GT(l.cycles, 0u);
  // A full ring of 63 queues behind each packet; alone, a packet waits for nobody.
  EXPECT_LT(l.latency.p50 * 4, f.latency.p50);
  EXPECT_LT(l.latency.p99, f.latency.p50);
  EXPECT_GT(l.cycles, f.cycles);  // and the rate drops: nothing overlaps
}

}  // namespace
}  // namespace ipsec::host::bench
