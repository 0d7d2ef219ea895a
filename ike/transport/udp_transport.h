// A small real UDP transport for the IKE engine: sockets on ports 500 and 4500 of one IPv4
// address, the RFC 3948 non-ESP marker on 4500 (added on send, stripped on receive), NAT
// keepalives sent as the single byte 0xFF, and ESP-in-UDP packets handed to a separate
// callback. espd and the interop tests use it; the engine itself never opens sockets.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "ike/errors.h"
#include "ike/exchange/io.h"

namespace ipsec::ike {

class UdpTransport final : public DatagramSender {
 public:
  // `addr` 0 binds INADDR_ANY (the local address of each datagram comes from IP_PKTINFO).
  static Result<std::unique_ptr<UdpTransport>> Open(uint32_t addr, uint16_t ike_port = 500,
                                                    uint16_t natt_port = 4500);
  ~UdpTransport() override;
  UdpTransport(const UdpTransport&) = delete;
  UdpTransport& operator=(const UdpTransport&) = delete;

  void Send(const Datagram& d) override;
  // Waits up to `timeout` (0: do not wait) and delivers every datagram that is ready.
  // IKE messages go to `on_ike`; ESP in UDP (no marker, port 4500) to `on_esp` if set.
  Status Poll(std::chrono::milliseconds timeout, const std::function<void(const Datagram&)>& on_ike,
              const std::function<void(const Datagram&)>& on_esp = nullptr);
  int ike_fd() const { return fd_ike_; }
  int natt_fd() const { return fd_natt_; }
  uint64_t send_errors() const { return send_errors_; }

 private:
  UdpTransport() = default;
  void Drain(int fd, uint16_t port, bool natt, const std::function<void(const Datagram&)>& on_ike,
             const std::function<void(const Datagram&)>& on_esp);
  int fd_ike_ = -1, fd_natt_ = -1;
  uint16_t ike_port_ = 500, natt_port_ = 4500;
  uint64_t send_errors_ = 0;
};

}  // namespace ipsec::ike
