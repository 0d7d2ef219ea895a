// espd's packet I/O on Linux:
//  - Tun: a TUN device (IFF_TUN | IFF_NO_PI) for plaintext, brought up with its MTU set so that
//    an inner packet plus the worst-case ESP overhead fits the link MTU;
//  - RawEsp: a raw IPv4 socket for protocol 50 (ESP without NAT-T): receives whole IP packets,
//    sends the device's output as is (IP_HDRINCL), so the wire carries the engine's bytes;
//  - helpers for ESP in UDP 4500, which travels through the IKE transport's port-4500 socket
//    (RFC 3948: ESP and IKE share the port; IKE carries the non-ESP marker).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hw/util/result.h"

namespace ipsec::host {

enum class IoErrc { kOpen, kIo };
using IoError = util::BasicError<IoErrc>;
template <class T>
using IoResult = util::BasicResult<T, IoErrc>;

// Worst-case bytes ESP tunnel mode adds with AES-GCM-16 (DESIGN.md wire details): outer IPv4
// 20 + UDP 8 (NAT-T) + SPI/seq 8 + IV 8 + pad <= 3 + pad length/next header 2 + ICV 16.
inline constexpr uint32_t kTunnelOverhead = 20 + 8 + 8 + 8 + 3 + 2 + 16;
inline constexpr uint32_t kLinkMtu = 1500;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

class Tun {
 public:
  // Creates (or attaches to) TUN device `name`, non-blocking, MTU set, link up.
  static IoResult<Tun> Open(const std::string& name, uint32_t mtu);
  int fd() const { return fd_.get(); }
  const std::string& name() const { return name_; }
  uint32_t mtu() const { return mtu_; }
  // One packet, or an empty vector when nothing is ready.
  std::vector<uint8_t> Read();
  bool Write(std::span<const uint8_t> pkt);

 private:
  Fd fd_;
  std::string name_;
  uint32_t mtu_ = 0;
};

class RawEsp {
 public:
  static IoResult<RawEsp> Open();
  int fd() const { return fd_.get(); }
  std::vector<uint8_t> Read();  // a whole IPv4 packet, or empty when nothing is ready
  bool Send(std::span<const uint8_t> ip_packet);

 private:
  Fd fd_;
};

// Sends the ESP part of a device-built ESP-in-UDP IPv4 packet through `udp_fd` (the port-4500
// socket) to the packet's destination address and UDP port.
bool SendEspInUdp(int udp_fd, std::span<const uint8_t> ip_packet);

// Builds the IPv4 + UDP headers in front of an ESP-in-UDP payload that arrived on a socket, so
// that the device sees the packet as it was on the wire (UDP checksum 0, RFC 3948 2.1).
std::vector<uint8_t> WrapEspInUdp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                                  std::span<const uint8_t> esp);

// Adds a route for `cidr` through the TUN device (via `ip route replace`), with `src` as the
// preferred source address when non-zero. Returns the command's error text, empty on success.
std::string AddRoute(const std::string& dev, const std::string& cidr, uint32_t src);
// Raises a socket's receive buffer (4 MiB; SO_RCVBUFFORCE when privileged), best effort.
void SetReceiveBuffer(int fd);
// Local interface addresses (host order), for picking a route's source address.
std::vector<uint32_t> LocalAddresses();

}  // namespace ipsec::host
