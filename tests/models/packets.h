// Test packet builders: IPv4 packets with a valid header checksum and a deterministic payload.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "hw/model/esp.h"
#include "hw/util/endian.h"

namespace ipsec::testing {

// IPv4 packet of `total` bytes (>= 20): given addresses/protocol, payload from `rng`.
inline std::vector<uint8_t> MakeIpv4(uint32_t src, uint32_t dst, uint8_t proto, size_t total,
                                     std::mt19937& rng, uint8_t tos = 0, bool df = false) {
  std::vector<uint8_t> p(total);
  p[0] = 0x45;
  p[1] = tos;
  util::StoreBe16(&p[2], static_cast<uint16_t>(total));
  util::StoreBe16(&p[4], static_cast<uint16_t>(rng()));
  util::StoreBe16(&p[6], df ? 0x4000 : 0);
  p[8] = 63;
  p[9] = proto;
  util::StoreBe32(&p[12], src);
  util::StoreBe32(&p[16], dst);
  util::StoreBe16(&p[10], hw::model::Ipv4HeaderChecksum({p.data(), 20}));
  for (size_t i = 20; i < total; ++i) p[i] = static_cast<uint8_t>(rng());
  return p;
}

// A UDP datagram in IPv4 (total >= 28) with a consistent UDP length and checksum 0.
inline std::vector<uint8_t> MakeUdp(uint32_t src, uint32_t dst, size_t total, std::mt19937& rng,
                                    uint16_t sport = 5000, uint16_t dport = 6000) {
  std::vector<uint8_t> p = MakeIpv4(src, dst, 17, total, rng);
  util::StoreBe16(&p[20], sport);
  util::StoreBe16(&p[22], dport);
  util::StoreBe16(&p[24], static_cast<uint16_t>(total - 20));
  util::StoreBe16(&p[26], 0);
  return p;
}

inline constexpr uint32_t Ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}

}  // namespace ipsec::testing
