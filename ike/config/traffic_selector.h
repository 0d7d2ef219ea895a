// IPv4 traffic selectors: parsing from swanctl notation, narrowing (RFC 7296 2.9) and the
// diagnostics printed when they do not meet.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ike/errors.h"
#include "ike/message/message.h"

namespace ipsec::ike {

struct TsRange {
  uint8_t proto = 0;  // 0 = any
  uint16_t start_port = 0;
  uint16_t end_port = 65535;
  uint32_t start = 0;  // host byte order
  uint32_t end = 0xffffffff;
  bool operator==(const TsRange&) const = default;
  // "10.1.0.0/24", "10.1.0.1-10.1.0.9", with "[tcp/80]" when protocol or ports are set.
  std::string ToString() const;
};

// "10.1.0.0/24", "192.0.2.1", "0.0.0.0/0", optionally "[proto/port]" ("[tcp/80]", "[17]");
// "dynamic" becomes `dynamic_addr`/32.
Result<TsRange> ParseTs(std::string_view text, uint32_t dynamic_addr);
Result<std::vector<TsRange>> ParseTsList(const std::vector<std::string>& texts,
                                         uint32_t dynamic_addr);

std::optional<TsRange> Intersect(const TsRange& a, const TsRange& b);
bool Contains(const TsRange& outer, const TsRange& inner);
std::string ToString(const std::vector<TsRange>& ts);

TrafficSelector ToWire(const TsRange& ts);
TsPayload ToWire(const std::vector<TsRange>& ts);
// IPv6 selectors are skipped (the engine is IPv4-only).
std::vector<TsRange> FromWire(const TsPayload& p);

// Responder narrowing: every intersection of a peer selector with one of ours, in peer order.
// `what` ("TSi" / "TSr") and `ours_name` ("remote_ts" / "local_ts") name them in the error:
// "TS mismatch: peer TSi {10.0.1.0/24} is not inside our remote_ts {10.0.2.0/24}".
Result<std::vector<TsRange>> Narrow(const std::vector<TsRange>& peer,
                                    const std::vector<TsRange>& ours, std::string_view what,
                                    std::string_view ours_name);

}  // namespace ipsec::ike
