// The seams between the IKE library and the world: datagrams in/out (the library never opens
// sockets), a clock (tests drive a FakeClock), and logging (an injected callback).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "ike/config/config.h"

namespace ipsec::ike {

enum class DatagramKind {
  kIke,           // an IKE message; on port 4500 the transport adds/strips the non-ESP marker
  kNatKeepalive,  // RFC 3948 2.3: the single byte 0xFF, sent as is
};

struct Datagram {
  Endpoint local;             // our address and port (500 or 4500)
  Endpoint remote;            // the peer's
  std::vector<uint8_t> data;  // the IKE message, without the non-ESP marker
  DatagramKind kind = DatagramKind::kIke;
};

class DatagramSender {
 public:
  virtual ~DatagramSender() = default;
  virtual void Send(const Datagram& d) = 0;
};

using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
};

// For tests: time moves only when told.
class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return now_; }
  void Advance(std::chrono::milliseconds d) { now_ += d; }
  void Set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_{std::chrono::hours(1)};
};

enum class LogLevel { kDebug, kInfo, kWarn, kError };
// One line per call, without a trailing newline. Keys never reach it.
using LogFn = std::function<void(LogLevel, std::string_view)>;
// Writes "ike: <level>: <line>" to stderr for levels >= `min`.
LogFn StderrLog(LogLevel min = LogLevel::kInfo);

}  // namespace ipsec::ike
