// ESP packet transforms of the functional model: RFC 4303 ESP with RFC 4106 AES-GCM, IPv4 tunnel
// and transport mode, optional RFC 3948 UDP encapsulation. The wire details are those of
// DESIGN.md "Wire details both the model and the RTL follow"; the RTL matches them bit for bit.
//
// These functions do the per-packet work on one SA: sequence numbers, replay window, cipher,
// headers, padding. Lifetimes, counters and events belong to the device (device_model.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "hw/gen/ipsec_regs.h"
#include "hw/model/sa.h"

namespace ipsec::hw::model {

inline constexpr size_t kIpv4HeaderLen = 20;
inline constexpr size_t kUdpHeaderLen = 8;
inline constexpr size_t kEspHeaderLen = 8;  // SPI + sequence number
inline constexpr size_t kEspIvLen = 8;
inline constexpr uint8_t kProtoEsp = 50;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIpip = 4;
inline constexpr uint16_t kNattPort = 4500;

struct EspOutcome {
  Status status = Status::kOk;
  size_t out_len = 0;
  uint64_t seq = 0;  // encap: the sequence number used; decap: the packet's full sequence number
};

// Most bytes encap adds to a packet: outer IPv4 + UDP + ESP header + IV + pad + trailer + ICV.
inline constexpr size_t kMaxEncapOverhead =
    kIpv4HeaderLen + kUdpHeaderLen + kEspHeaderLen + kEspIvLen + 3 + 2 + 16;

// Outbound. `in` is an IPv4 packet (bytes past its total length are ignored). explicit_iv: empty,
// or 8 bytes to use instead of the sequence number (bring-up only). On success writes the ESP
// packet to `out` and advances the SA's sequence number.
EspOutcome EspEncap(Sa& sa, std::span<const uint8_t> in, std::span<const uint8_t> explicit_iv,
                    std::span<uint8_t> out);

// Where the ESP header sits in an inbound IPv4 packet (proto 50, or UDP to port 4500).
struct EspLocation {
  uint32_t spi = 0;
  size_t ip_hlen = 0;  // outer IPv4 header length, options included
  size_t esp_off = 0;  // offset of the SPI
  size_t esp_len = 0;  // SPI through ICV
  bool udp = false;
};

// nullopt when the packet is not a well-formed ESP packet (MALFORMED): truncated, not IPv4,
// bad lengths, UDP not to port 4500, an IKE (non-ESP marker) or keepalive datagram, SPI 0.
std::optional<EspLocation> LocateEsp(std::span<const uint8_t> in);

// Inbound, on the SA the SPI selected. Replay pre-check, ICV verification, then (only then) the
// window update, then the pad check, then the inner packet to `out`.
EspOutcome EspDecap(Sa& sa, const EspLocation& loc, std::span<const uint8_t> in,
                    std::span<uint8_t> out);

// RFC 1071 checksum of an IPv4 header.
uint16_t Ipv4HeaderChecksum(std::span<const uint8_t> header);

}  // namespace ipsec::hw::model
