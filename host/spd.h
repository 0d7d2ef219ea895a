// The security policy database of espd: for a plaintext IPv4 packet read from TUN (or a pcap),
// which action applies. Looked up in this order, first match wins:
//   1. shunts (children with mode = pass | drop): BYPASS or DISCARD;
//   2. PROTECT policies, one per installed CHILD_SA, from its negotiated selectors -> the
//      device slot of its outbound SA;
//   3. TRAP policies of children with start_action = trap: the packet is dropped and the child
//      initiated (once until it is up);
//   4. nothing matched: DISCARD (the packet was routed into the tunnel with no policy for it).
// Inbound, CheckInbound verifies that a decrypted inner packet lies inside the selectors of the
// SA it came through (RFC 4301 5.2).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ike/config/traffic_selector.h"

namespace ipsec::host {

enum class PolicyAction { kProtect, kBypass, kDiscard, kTrap };
const char* PolicyActionName(PolicyAction a);

// Addresses, protocol and ports of an IPv4 packet (ports 0 when not TCP/UDP or a fragment).
struct FlowKey {
  uint32_t src = 0, dst = 0;
  uint8_t proto = 0;
  uint16_t sport = 0, dport = 0;
};
std::optional<FlowKey> ParseFlow(std::span<const uint8_t> pkt);

struct Policy {
  PolicyAction action = PolicyAction::kDiscard;
  std::string name;  // "connection/child"
  std::vector<ike::TsRange> local, remote;
  uint32_t id = 0;    // PROTECT: the CHILD_SA's unique id; TRAP/shunt: 0
  uint32_t slot = 0;  // PROTECT: device slot of the outbound SA
};

struct Decision {
  PolicyAction action = PolicyAction::kDiscard;
  const Policy* policy = nullptr;  // null for the default DISCARD
};

class Spd {
 public:
  void AddShunt(Policy p) { shunts_.push_back(std::move(p)); }
  void AddTrap(Policy p) { traps_.push_back(std::move(p)); }
  // Adds or replaces (same id) the PROTECT policy of a CHILD_SA.
  void SetProtect(Policy p);
  void RemoveProtect(uint32_t id);

  Decision Lookup(const FlowKey& f) const;

  const std::vector<Policy>& protect() const { return protect_; }
  const std::vector<Policy>& shunts() const { return shunts_; }
  const std::vector<Policy>& traps() const { return traps_; }

 private:
  std::vector<Policy> shunts_, protect_, traps_;
};

// True when `f` (outbound orientation: src local, dst remote) matches the selectors.
bool Matches(const Policy& p, const FlowKey& f);
// Inbound check: a packet from the peer (src remote, dst local) inside `local`/`remote`.
bool InboundAllowed(const std::vector<ike::TsRange>& local, const std::vector<ike::TsRange>& remote,
                    const FlowKey& f);

}  // namespace ipsec::host
