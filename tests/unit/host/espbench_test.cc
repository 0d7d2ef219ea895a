// espbench library: size distributions, beat limits, the traffic generator and runner on the
// functional model (every generated packet must pass the device: the generator's ESP is checked
// by the model's decap), the report arithmetic, sweeps and plots.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "host/espbench/report.h"
#include "host/espbench/runner.h"
#include "host/espbench/sweep.h"
#include "host/espbench/traffic.h"
#include "hw/model/device_model.h"

namespace ipsec::host::bench {
namespace {

using nlohmann::json;

TEST(SizeDistTest, ParsesEveryForm) {
  std::mt19937_64 rng(1);
  auto one = SizeDist::Parse("1500");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->fixed_size(), 1500u);
  EXPECT_EQ(one->Next(rng), 1500u);

  auto list = SizeDist::Parse("64,512,1500");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->fixed_size(), 0u);
  EXPECT_EQ(list->Next(rng), 64u);
  EXPECT_EQ(list->Next(rng), 512u);
  EXPECT_EQ(list->Next(rng), 1500u);
  EXPECT_EQ(list->Next(rng), 64u);
  EXPECT_DOUBLE_EQ(list->MeanBytes(), (64.0 + 512 + 1500) / 3);

  auto uni = SizeDist::Parse("uniform:100-200");
  ASSERT_TRUE(uni.has_value());
  for (int i = 0; i < 1000; ++i) {
    const size_t s = uni->Next(rng);
    EXPECT_GE(s, 100u);
    EXPECT_LE(s, 200u);
  }
}

TEST(SizeDistTest, ImixIsSevenFourOne) {
  auto d = SizeDist::Parse("imix");
  ASSERT_TRUE(d.has_value());
  std::mt19937_64 rng(7);
  std::map<size_t, int> n;
  constexpr int kDraws = 120000;
  for (int i = 0; i < kDraws; ++i) ++n[d->Next(rng)];
  ASSERT_EQ(n.size(), 3u);
  EXPECT_NEAR(n[40] / double(kDraws), 7.0 / 12, 0.01);
  EXPECT_NEAR(n[576] / double(kDraws), 4.0 / 12, 0.01);
  EXPECT_NEAR(n[1500] / double(kDraws), 1.0 / 12, 0.01);
  EXPECT_NEAR(d->MeanBytes(), 340.33, 0.01);
}

TEST(SizeDistTest, RejectsBadSpecs) {
  for (const char* bad : {"", "abc", "10", "9217", "64,,128", "uniform:200-100", "uniform:64",
                          "pcap:/nonexistent.pcap", "64;128"}) {
    EXPECT_FALSE(SizeDist::Parse(bad).has_value()) << bad;
  }
}

TEST(BeatsTest, HandComputed) {
  driver::SaParams tunnel;
  tunnel.tunnel = true;
  // 1500-byte packet, tunnel encap: ESP payload 1500 + pad 2 + trailer 2 = 1504 bytes
  // (94 blocks); ESP packet 20 + 8 + 8 + 1504 + 16 = 1556 bytes (98 beats).
  BeatCount b = Beats(false, 1500, tunnel);
  EXPECT_EQ(b.aes, 95u);
  EXPECT_EQ(b.ghash, 96u);
  EXPECT_EQ(b.dma_read, 2u + 94u);
  EXPECT_EQ(b.dma_write, 98u + 1u);
  EXPECT_EQ(b.limit(), 99u);
  // Decap swaps the DMA directions.
  b = Beats(true, 1500, tunnel);
  EXPECT_EQ(b.dma_read, 2u + 98u);
  EXPECT_EQ(b.dma_write, 94u + 1u);
  // Transport + NAT-T, 64 bytes: payload 44 + 0 pad + 2 = 48 (3 blocks); ESP packet
  // 20 + 8 + 8 + 8 + 48 + 16 = 108 bytes (7 beats).
  driver::SaParams transport;
  transport.tunnel = false;
  transport.natt = true;
  b = Beats(false, 64, transport);
  EXPECT_EQ(b.aes, 4u);
  EXPECT_EQ(b.ghash, 5u);
  EXPECT_EQ(b.dma_read, 2u + 4u);
  EXPECT_EQ(b.dma_write, 7u + 1u);
}

TEST(PercentilesTest, NearestRank) {
  std::vector<uint64_t> v(1000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = 1000 - i;  // 1..1000, reversed
  const Percentiles p = ComputePercentiles(v);
  EXPECT_EQ(p.p50, 501u);
  EXPECT_EQ(p.p99, 990u);
  EXPECT_EQ(p.p999, 999u);
  EXPECT_EQ(p.max, 1000u);
  EXPECT_EQ(ComputePercentiles({}).max, 0u);
}

// The whole runner on the functional model, with every SA kind and both directions: every
// packet must come back OK (the decap half proves the generated ESP is what the device
// accepts), and the counters must add up.
TEST(RunnerTest, MixedTrafficOnTheModelAllOk) {
  hw::model::ModelDevice dev;
  auto drv = driver::Driver::Open(dev, {.queues = 2, .ring_log2 = 5});
  ASSERT_TRUE(drv.has_value());
  RunConfig cfg;
  cfg.sizes = "uniform:28-2000";
  cfg.sas = {.count = 16, .tunnel = 0.5, .natt = 0.5, .esn = 0.5, .aes256 = 0.5};
  cfg.decap = 0.5;
  cfg.queues = 2;
  cfg.packets = 1500;
  cfg.warmup = 100;
  cfg.seed = 42;
  uint64_t progress_calls = 0, last_done = 0;
  cfg.progress = [&](uint64_t done, uint64_t total) {
    ++progress_calls;
    EXPECT_EQ(total, 1500u);
    EXPECT_GE(done, last_done);
    last_done = done;
  };
  auto r = RunTraffic(**drv, cfg);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->statuses.size(), 1u);
  EXPECT_EQ(r->statuses["OK"], 1500u);
  EXPECT_EQ(r->packets, 1400u);
  EXPECT_EQ(r->backend, "model");
  EXPECT_EQ(r->cycles, 0u);  // untimed
  EXPECT_GT(r->bytes, 1400u * 28);
  EXPECT_GE(r->limit_beats, r->beats.aes);
  EXPECT_GT(progress_calls, 10u);  // one per reaping round that crosses a 1% step
  EXPECT_EQ(last_done, 1500u);
  // The SAs were removed at the end.
  for (uint32_t s = 0; s < drv->get()->info().sa_slots; ++s) {
    auto st = (*drv)->ReadSaStats(s);
    ASSERT_TRUE(st.has_value());
    EXPECT_FALSE(st->valid) << "slot " << s;
  }
}

// SA i is posted on queue i mod queues (RSS-like): with fewer SAs than queues the rest stay
// idle, and the run still ends (no wait on an empty queue).
TEST(RunnerTest, EachSaStaysOnItsQueue) {
  hw::model::ModelDevice dev;
  auto drv = driver::Driver::Open(dev, {.queues = 4, .ring_log2 = 4});
  ASSERT_TRUE(drv.has_value());
  RunConfig cfg;
  cfg.sizes = "64,1500";
  cfg.sas = {.count = 2};
  cfg.queues = 4;
  cfg.packets = 200;
  cfg.warmup = 10;
  auto r = RunTraffic(**drv, cfg);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->statuses["OK"], 200u);
  ASSERT_EQ(r->queue_packets.size(), 4u);
  EXPECT_GT(r->queue_packets[0], 0u);
  EXPECT_GT(r->queue_packets[1], 0u);
  EXPECT_EQ(r->queue_packets[0] + r->queue_packets[1], 200u);
  EXPECT_EQ(r->queue_packets[2], 0u);
  EXPECT_EQ(r->queue_packets[3], 0u);

  cfg.sas = {.count = 8};
  r = RunTraffic(**drv, cfg);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->statuses["OK"], 200u);
  for (uint32_t q = 0; q < 4; ++q) EXPECT_GT(r->queue_packets[q], 20u) << "queue " << q;
}

TEST(RunnerTest, RejectsBadConfig) {
  hw::model::ModelDevice dev;
  auto drv = driver::Driver::Open(dev);
  ASSERT_TRUE(drv.has_value());
  RunConfig cfg;
  cfg.packets = 10;
  cfg.warmup = 10;
  EXPECT_EQ(RunTraffic(**drv, cfg).error().code, BenchErrc::kBadSpec);
  cfg.warmup = 0;
  cfg.sizes = "12";
  EXPECT_EQ(RunTraffic(**drv, cfg).error().code, BenchErrc::kBadSpec);
}

TEST(ReportTest, RecordArithmetic) {
  RunResult r;
  r.backend = "rtl";
  r.lanes = 2;
  r.packets = 100;
  r.bytes = 150000;
  r.cycles = 1000;
  r.limit_beats = 1800;
  r.beats = {.aes = 1600, .ghash = 1700, .dma_read = 900, .dma_write = 950};
  r.latency = {.p50 = 250, .p99 = 500, .p999 = 750, .max = 800};
  r.statuses = {{"OK", 100}, {"REPLAY", 3}};
  const json j = MakeRecord({{"sizes", "1500"}}, 250.0, r, nullptr);
  EXPECT_DOUBLE_EQ(j["mpps"].get<double>(), 25.0);   // 100 packets / 4 us
  EXPECT_DOUBLE_EQ(j["gbps"].get<double>(), 300.0);  // 1.2 Mbit / 4 us
  EXPECT_DOUBLE_EQ(j["cycles_per_packet"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(j["efficiency"].get<double>(), 0.9);  // 1800 / (1000 * 2)
  EXPECT_DOUBLE_EQ(j["utilization"]["aes"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(j["latency_ns"]["p99"].get<double>(), 2000.0);  // 500 cycles at 250 MHz
  EXPECT_EQ(j["drops"].size(), 1u);
  EXPECT_EQ(j["drops"]["REPLAY"], 3);
  const std::string table = MarkdownTable({j});
  EXPECT_NE(table.find("| 1500 |"), std::string::npos) << table;
  EXPECT_NE(table.find("REPLAY 3"), std::string::npos) << table;
  EXPECT_NE(table.find("300.00"), std::string::npos) << table;
  // AES and GHASH beats per lane clock, DMA beats per clock of the one host bus.
  EXPECT_NE(table.find("| 90/80/85/95 |"), std::string::npos) << table;
}

TEST(ReportTest, PlotsAreWritten) {
  std::vector<json> recs;
  for (int lanes : {1, 4}) {
    for (int size : {64, 512, 1500}) {
      RunResult r;
      r.lanes = lanes;
      r.packets = 10;
      r.bytes = 10u * size;
      r.cycles = 100;
      r.limit_beats = 60u * lanes;  // efficiency 0.6 per lane
      r.latency.p99 = 50;
      recs.push_back(
          MakeRecord({{"sizes", std::to_string(size)}, {"read_latency", 0}}, 250.0, r, nullptr));
    }
  }
  const std::string dir = ::testing::TempDir() + "/espbench_plots";
  std::filesystem::remove_all(dir);
  ASSERT_EQ(WritePlots(recs, dir), "");
  for (const char* f : {"/throughput.svg", "/latency.svg"}) {
    std::ifstream in(dir + f);
    std::string svg((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(svg.find("<svg"), std::string::npos) << f;
    EXPECT_NE(svg.find("4 lane(s)"), std::string::npos) << f;
  }
  // The beat-limit lines: one lane's, and 4 x it for the 4-lane records.
  std::ifstream in(dir + "/throughput.svg");
  const std::string svg((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(svg.find("1 lane at its beat limit"), std::string::npos);
  EXPECT_NE(svg.find("4 lanes at 4 x the 1-lane beat limit"), std::string::npos);
  EXPECT_NE(WritePlots({}, dir), "");  // nothing to plot is reported, not silently empty
}

TEST(SweepTest, CartesianProductInOrder) {
  const json sweep = {{"name", "t"},
                      {"base", {{"packets", 100}}},
                      {"axes", {{"lanes", {1, 4}}, {"sizes", {"64", "1500", "imix"}}}}};
  auto pts = ExpandSweep(sweep);
  ASSERT_TRUE(pts.has_value());
  ASSERT_EQ(pts->size(), 6u);
  // nlohmann::json orders object keys: "lanes" before "sizes", the first varies slowest.
  EXPECT_EQ((*pts)[0]["lanes"], 1);
  EXPECT_EQ((*pts)[0]["sizes"], "64");
  EXPECT_EQ((*pts)[2]["sizes"], "imix");
  EXPECT_EQ((*pts)[3]["lanes"], 4);
  for (const json& p : *pts) EXPECT_EQ(p["packets"], 100);

  EXPECT_FALSE(ExpandSweep({{"axis", json::object()}}).has_value());
  EXPECT_FALSE(ExpandSweep({{"axes", {{"lanes", json::array()}}}}).has_value());
  EXPECT_FALSE(ExpandSweep(json::array()).has_value());

  const std::string dir = ::testing::TempDir() + "/espbench_sweep";
  std::filesystem::remove_all(dir);
  auto n = PlanSweep(*pts, dir, "/bin/espbench");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 6u);
  std::ifstream mk(dir + "/Makefile");
  std::string text((std::istreambuf_iterator<char>(mk)), {});
  EXPECT_NE(text.find("point-5.json: point-5.params.json"), std::string::npos) << text;
  EXPECT_TRUE(std::filesystem::exists(dir + "/point-0.params.json"));
}

}  // namespace
}  // namespace ipsec::host::bench
