// esp_gcm benchmark (make bench): Markdown tables on stdout for BENCHMARKS.md.
// - blocks per clock sustained, checked against OpenSSL while measured (tests/rtl/gcm_driver.h);
// - latencies in clocks: first block in -> first block out, last block in -> tag out;
// - Verilator simulation speed of the core alone: clocks per second of wall time, with the
//   inputs driven from precomputed beats (no reference model, no checking in the loop).
// Cell counts come from tools/rtl_syn.sh (the esp_gcm_syn bench script runs it).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "Vesp_gcm.h"
#include "sim/harness/tb.h"
#include "tests/rtl/gcm_driver.h"

namespace ipsec::rtltest {
namespace {

constexpr int kNr = 14;  // esp_gcm default: MaxKeyBits = 256

struct Throughput {
  const char* name;
  GcmStats s;
};

// Runs `msgs` through a fresh core and returns the driver's counters after a key warm-up.
template <class MakeMsgs>
GcmStats Measure(MakeMsgs make, uint64_t seed) {
  sim::Tb<Vesp_gcm> tb("esp_gcm_bench");
  tb.Reset();
  GcmDriverOptions opt;
  opt.seed = seed;
  GcmDriver<Vesp_gcm> d(tb, opt);
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint8_t>> keys;
  for (int i = 0; i < 16; ++i) keys.push_back(RandomBytes(rng, i % 2 ? 32 : 16));
  for (int i = 0; i < 16; ++i) {
    d.Add(MakeGcmMsg(keys[i], RandomBytes(rng, 12), RandomBytes(rng, 8), {}, false, false));
  }
  d.Run();
  d.ResetStats();
  make(d, rng, keys);
  d.Run();
  if (!d.errors().empty()) {
    std::fprintf(stderr, "bench: MISMATCH: %s\n", d.errors().front().c_str());
    std::exit(1);
  }
  return d.stats();
}

// Simulation speed: a precomputed stream of 64-beat messages (AAD 8 B + 1008 B payload),
// key id changing every message, replayed as fast as the model takes it.
struct Speed {
  double wall;  // clocks per second of wall time
  double cpu;   // clocks per second of this process's CPU time (robust to a loaded machine)
};

Speed ClocksPerSecond(uint64_t clocks) {
  sim::Tb<Vesp_gcm> tb("esp_gcm_speed");
  tb.Reset();
  std::mt19937_64 rng(7);
  for (int k = 0; k < 2; ++k) {
    auto key = RandomBytes(rng, 32);
    std::vector<uint8_t> bus(key);
    tb->key_valid_i = 1;
    tb->key_id_i = k;
    tb->key_256_i = 1;
    sim::SetBytes(tb->key_i.data(), 256, bus);
    tb.Eval();
    tb.Tick();
    tb->key_valid_i = 0;
    for (int i = 0; i < 20; ++i) tb.Tick();
  }
  constexpr int kBeats = 64;
  std::vector<Block> data(kBeats);
  for (auto& b : data) b = RandomBlock(rng);
  std::vector<VlWide<4>> wide(kBeats);
  for (int i = 0; i < kBeats; ++i) sim::SetBytes(wide[i].data(), 128, data[i]);
  tb->out_ready_i = 1;
  tb->in_valid_i = 1;
  tb->in_aad_len_i = 8;
  tb->in_pt_len_i = 16 * (kBeats - 1);
  tb->in_tag_len_i = 16;  // decryptions check a full tag (of whatever in_tag_i holds)
  sim::SetBytes(tb->in_iv_i.data(), 96, RandomBytes(rng, 12));
  uint64_t beat = 0, msg = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  for (uint64_t c = 0; c < clocks; ++c) {
    const int i = static_cast<int>(beat % kBeats);
    tb->in_data_i = wide[i];
    tb->in_keep_i = i == 0 ? 0xff00 : 0xffff;
    tb->in_last_i = i == kBeats - 1;
    tb->in_key_id_i = msg & 1;
    tb->in_decrypt_i = (msg >> 1) & 1;
    tb.Tick();
    ++beat;
    if (i == kBeats - 1) ++msg;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
  return {double(clocks) / secs, double(clocks) / cpu};
}

void SpeedTable() {
  const uint64_t clocks = 2'000'000;
  Speed best{0, 0};
  for (int i = 0; i < 3; ++i) {
    Speed s = ClocksPerSecond(clocks);
    best.wall = std::max(best.wall, s.wall);
    best.cpu = std::max(best.cpu, s.cpu);
  }
  std::printf(
      "\n| Verilator speed, esp_gcm alone (best of 3 runs of %llu clocks) | clocks/s |\n"
      "|---|---|\n",
      (unsigned long long)clocks);
  std::printf("| wall clock | %.0f |\n", best.wall);
  std::printf("| process CPU time (what the machine gives when not shared) | %.0f |\n", best.cpu);
}

void Main() {
  std::vector<Throughput> rows;
  rows.push_back({"one 64 KiB message, AAD 8 B",
                  Measure(
                      [](auto& d, auto& rng, auto& keys) {
                        d.Add(MakeGcmMsg(keys[1], RandomBytes(rng, 12), RandomBytes(rng, 8),
                                         RandomBytes(rng, 65536), false, false));
                      },
                      11)});
  rows.push_back({"ESP mix: AAD 8/12 B, payload 0..2048 B, new key id every message",
                  Measure(
                      [](auto& d, auto& rng, auto& keys) {
                        for (int i = 0; i < 2000; ++i) {
                          d.Add(MakeGcmMsg(keys[i % 16], RandomBytes(rng, 12),
                                           RandomBytes(rng, (rng() & 1) ? 12 : 8),
                                           RandomBytes(rng, rng() % 2049), rng() & 1, false));
                        }
                      },
                      12)});
  rows.push_back({"IMIX-like ESP: 40/576/1500 B (7:4:1), new key id every message",
                  Measure(
                      [](auto& d, auto& rng, auto& keys) {
                        const size_t sizes[12] = {40, 40,  40,  40,  40,  40,
                                                  40, 576, 576, 576, 576, 1500};
                        for (int i = 0; i < 6000; ++i) {
                          d.Add(MakeGcmMsg(keys[i % 16], RandomBytes(rng, 12), RandomBytes(rng, 8),
                                           RandomBytes(rng, sizes[rng() % 12]), rng() & 1, false));
                        }
                      },
                      13)});
  rows.push_back({"small: AAD 8 B, payload 0..32 B, new key id every message",
                  Measure(
                      [](auto& d, auto& rng, auto& keys) {
                        for (int i = 0; i < 20000; ++i) {
                          d.Add(MakeGcmMsg(keys[i % 16], RandomBytes(rng, 12), RandomBytes(rng, 8),
                                           RandomBytes(rng, rng() % 33), rng() & 1, false));
                        }
                      },
                      14)});
  rows.push_back({"worst case: AAD 0 B, payload 16 B (one J0 stall each)",
                  Measure(
                      [](auto& d, auto& rng, auto& keys) {
                        for (int i = 0; i < 5000; ++i) {
                          d.Add(MakeGcmMsg(keys[i % 16], RandomBytes(rng, 12), {},
                                           RandomBytes(rng, 16), rng() & 1, false));
                        }
                      },
                      15)});

  std::printf(
      "esp_gcm, MaxKeyBits = 256 (AES-128 and AES-256 mixed), Nr = %d, 16 key ids; "
      "every output checked against OpenSSL.\n\n",
      kNr);
  std::printf(
      "| traffic | messages | beats in | input clocks | stall clocks | beats in per clock "
      "| payload blocks out per clock |\n|---|---|---|---|---|---|---|\n");
  for (const auto& r : rows) {
    const GcmStats& s = r.s;
    const uint64_t in_clocks = s.last_fire - s.first_fire + 1;
    std::printf("| %s | %llu | %llu | %llu | %llu | %.4f | %.4f |\n", r.name,
                (unsigned long long)s.messages, (unsigned long long)s.in_beats,
                (unsigned long long)in_clocks, (unsigned long long)s.stalls,
                double(s.in_beats) / double(in_clocks), double(s.out_blocks) / double(in_clocks));
  }
  uint64_t lo_block = ~0ull, hi_block = 0, lo_tag = ~0ull, hi_tag = 0;
  for (const auto& r : rows) {
    lo_block = std::min(lo_block, r.s.min_block_latency);
    hi_block = std::max(hi_block, r.s.max_block_latency);
    lo_tag = std::min(lo_tag, r.s.min_tag_latency);
    hi_tag = std::max(hi_tag, r.s.max_tag_latency);
  }
  std::printf("\n| latency (clocks, min..max over all messages above) | clocks |\n|---|---|\n");
  std::printf("| first payload block in -> first payload block out | %llu..%llu |\n",
              (unsigned long long)lo_block, (unsigned long long)hi_block);
  std::printf("| last block in -> tag out (tag rides on the last output beat) | %llu..%llu |\n",
              (unsigned long long)lo_tag, (unsigned long long)hi_tag);
  std::printf("| key install (AES-128 / AES-256) | %d / %d |\n", 10 + 2, 14 + 2);

  SpeedTable();
}

}  // namespace
}  // namespace ipsec::rtltest

int main(int argc, char** argv) {
  // --speed: only the simulation speed table (quick check while tuning the RTL).
  if (argc > 1 && std::string(argv[1]) == "--speed") {
    ipsec::rtltest::SpeedTable();
    return 0;
  }
  ipsec::rtltest::Main();
  return 0;
}
