// espbench runner: drives one configuration's traffic through a device via the driver and
// measures it in device cycles.
//
// The rings are kept full (or at `inflight` descriptors outstanding): after every wait the
// runner reaps what completed and posts new descriptors into the freed entries (one doorbell
// per queue per round). Throughput is measured between the completion of packet `warmup` and
// that of the last packet, so the pipeline fill is not counted; latency is per packet, from the
// cycle of the doorbell that published its descriptor to the cycle its completion was seen (the
// runner polls the completion rings every cycle, so the figure is exact to the cycle with one queue
// and an upper bound with several).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "host/espbench/traffic.h"

namespace ipsec::host::bench {

struct RunConfig {
  std::string sizes = "1500";  // SizeDist::Parse
  SaMix sas;
  double decap = 0.0;   // fraction of DECAP descriptors (the rest ENCAP)
  uint32_t queues = 1;  // SA i is posted on queue i mod queues (queues beyond the SAs idle)
  uint32_t ring_log2 = 8;
  // Descriptors outstanding at most, over all queues (0: as many as the rings hold). 1 gives
  // the lone-packet latency; small values show latency against offered load.
  uint32_t inflight = 0;
  uint64_t packets = 2000;
  uint64_t warmup = 200;
  uint64_t seed = 1;
  uint8_t coalesce_count = 16;
  uint32_t coalesce_timer = 0;
  bool interrupts = false;
  uint64_t hang_cycles = 1'000'000;  // no completion for this long: the run fails as hung
  std::function<void(uint64_t done, uint64_t total)> progress;  // called about 100 times
};

// Beats of 16 bytes (the 128-bit datapath) one packet needs from each resource; the device
// cannot do better than the largest of them per lane.
struct BeatCount {
  uint64_t aes = 0;        // counter blocks + AES_K(J0)
  uint64_t ghash = 0;      // AAD block + ciphertext blocks + length block
  uint64_t dma_read = 0;   // descriptor (2) + input packet
  uint64_t dma_write = 0;  // output packet + completion (1)
  uint64_t limit() const;
};
BeatCount Beats(bool decap, size_t plain_len, const driver::SaParams& sa);

struct Percentiles {
  uint64_t p50 = 0, p99 = 0, p999 = 0, max = 0;
};
Percentiles ComputePercentiles(std::vector<uint64_t> v);

struct RunResult {
  std::string backend;
  uint32_t lanes = 1;
  uint64_t packets = 0;                      // measured (after warmup) completions
  uint64_t bytes = 0;                        // their plaintext bytes
  uint64_t cycles = 0;                       // measured window; 0 on an untimed backend (the model)
  uint64_t limit_beats = 0;                  // sum of the measured packets' beat limits
  BeatCount beats;                           // sums per resource over the measured packets
  Percentiles latency;                       // cycles, over every packet
  std::map<std::string, uint64_t> statuses;  // completions by status name (all packets)
  std::vector<uint64_t> queue_packets;       // completions per queue pair (all packets)
  uint64_t total_cycles = 0;                 // device cycles of the whole run
  double wall_seconds = 0;
};

BenchResult<RunResult> RunTraffic(driver::Driver& drv, const RunConfig& cfg);

}  // namespace ipsec::host::bench
