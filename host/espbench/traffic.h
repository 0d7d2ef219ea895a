// espbench traffic: packet-size distributions, the SA population, and the packets themselves.
//
// Sizes are IPv4 packet sizes in bytes: the plaintext packet an encap descriptor carries and a
// decap descriptor's ESP packet decrypts to, so that one size means the same work both ways.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "driver/driver.h"
#include "hw/model/sa.h"
#include "hw/util/result.h"

namespace ipsec::host::bench {

enum class BenchErrc { kBadSpec, kIo, kDevice, kHung };
using BenchError = util::BasicError<BenchErrc>;
template <class T>
using BenchResult = util::BasicResult<T, BenchErrc>;

// Smallest and largest packet the generator makes: an IPv4 + UDP header, and MAX_PACKET.
inline constexpr size_t kMinPacket = 28;

// A packet-size distribution, from its text form:
//   "1500"             one size
//   "64,512,1500"      these sizes in turn
//   "imix"             simple IMIX: 40, 576 and 1500 B in the ratio 7:4:1, drawn at random
//   "uniform:64-1500"  uniform over the range
//   "pcap:FILE"        the IPv4 packet sizes of a pcap, in turn
class SizeDist {
 public:
  static BenchResult<SizeDist> Parse(std::string_view spec);
  size_t Next(std::mt19937_64& rng);
  double MeanBytes() const;
  const std::string& label() const { return label_; }
  // The single size of a fixed distribution, or 0.
  size_t fixed_size() const { return kind_ == Kind::kList && sizes_.size() == 1 ? sizes_[0] : 0; }

 private:
  enum class Kind { kList, kImix, kUniform };
  Kind kind_ = Kind::kList;
  std::vector<size_t> sizes_;  // list and pcap; uniform: {lo, hi}
  size_t next_ = 0;
  std::string label_;
};

// The SA population: `count` SA pairs (an outbound SA for encap traffic and an inbound SA for
// decap traffic, independent keys), each attribute drawn with the given probability.
struct SaMix {
  uint32_t count = 1;
  double tunnel = 1.0;  // fraction in tunnel mode (the rest transport)
  double natt = 0.0;
  double esn = 0.0;
  double aes256 = 0.0;
};

// One SA as espbench uses it: the device's parameters, and a model SA with the same key that
// makes the ESP packets for the device's inbound twin (the "peer").
struct BenchSa {
  driver::SaParams out;    // encap on the device
  driver::SaParams in;     // decap on the device
  hw::model::Sa peer;      // encapsulates what `in` decapsulates
  uint32_t inner_src = 0;  // addresses of this SA's plaintext traffic (host order)
  uint32_t inner_dst = 0;
};

std::vector<BenchSa> MakeSas(const SaMix& mix, uint64_t seed);

// A plaintext IPv4/UDP packet of `size` bytes (kMinPacket..MAX_PACKET) from src to dst.
std::vector<uint8_t> MakePlaintext(size_t size, uint32_t src, uint32_t dst, std::mt19937_64& rng);

// The ESP packet the peer sends for `plain` (advances the peer's sequence number).
std::vector<uint8_t> MakeEsp(BenchSa& sa, const std::vector<uint8_t>& plain);

}  // namespace ipsec::host::bench
