// espbench software baseline: what a user would run instead of the offload engine, namely ESP
// encapsulation with OpenSSL's AES-GCM on one core of this machine (hw/model/esp.cc: the same
// framing, padding and EVP calls as a software ESP stack), for the same packet sizes.
// Wall-clock figures: noisy on shared machines; compare them as ratios within one run.
#pragma once

#include <cstdint>
#include <string>

#include "host/espbench/traffic.h"

namespace ipsec::host::bench {

struct BaselineResult {
  std::string sizes;
  uint64_t packets = 0;
  uint64_t bytes = 0;  // plaintext bytes
  double seconds = 0;
  double mpps() const { return seconds > 0 ? static_cast<double>(packets) / seconds / 1e6 : 0; }
  double gbps() const { return seconds > 0 ? static_cast<double>(bytes) * 8 / seconds / 1e9 : 0; }
};

// Encapsulates packets drawn from `sizes` on the first SA of `mix` for about `seconds`.
BenchResult<BaselineResult> RunBaseline(const std::string& sizes, const SaMix& mix, uint64_t seed,
                                        double seconds);

}  // namespace ipsec::host::bench
