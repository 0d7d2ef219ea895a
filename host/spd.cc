#include "host/spd.h"

#include <algorithm>

#include "hw/util/endian.h"

namespace ipsec::host {
namespace {

bool InRange(const ike::TsRange& r, uint32_t addr, uint8_t proto, uint16_t port) {
  if (addr < r.start || addr > r.end) return false;
  if (r.proto != 0 && r.proto != proto) return false;
  if (r.start_port == 0 && r.end_port == 65535) return true;
  return port >= r.start_port && port <= r.end_port;
}

bool AnyInRange(const std::vector<ike::TsRange>& rs, uint32_t addr, uint8_t proto, uint16_t port) {
  return std::any_of(rs.begin(), rs.end(),
                     [&](const ike::TsRange& r) { return InRange(r, addr, proto, port); });
}

}  // namespace

const char* PolicyActionName(PolicyAction a) {
  switch (a) {
    case PolicyAction::kProtect:
      return "PROTECT";
    case PolicyAction::kBypass:
      return "BYPASS";
    case PolicyAction::kDiscard:
      return "DISCARD";
    case PolicyAction::kTrap:
      return "TRAP";
  }
  return "?";
}

std::optional<FlowKey> ParseFlow(std::span<const uint8_t> pkt) {
  if (pkt.size() < 20 || (pkt[0] >> 4) != 4) return std::nullopt;
  const size_t ihl = size_t{pkt[0] & 0x0fu} * 4;
  if (ihl < 20 || pkt.size() < ihl) return std::nullopt;
  FlowKey f;
  f.proto = pkt[9];
  f.src = util::LoadBe32(&pkt[12]);
  f.dst = util::LoadBe32(&pkt[16]);
  const uint16_t frag = util::LoadBe16(&pkt[6]);
  const bool first_fragment = (frag & 0x1fffu) == 0;
  if ((f.proto == 6 || f.proto == 17) && first_fragment && pkt.size() >= ihl + 4) {
    f.sport = util::LoadBe16(&pkt[ihl]);
    f.dport = util::LoadBe16(&pkt[ihl + 2]);
  }
  return f;
}

bool Matches(const Policy& p, const FlowKey& f) {
  return AnyInRange(p.local, f.src, f.proto, f.sport) &&
         AnyInRange(p.remote, f.dst, f.proto, f.dport);
}

bool InboundAllowed(const std::vector<ike::TsRange>& local, const std::vector<ike::TsRange>& remote,
                    const FlowKey& f) {
  return AnyInRange(remote, f.src, f.proto, f.sport) && AnyInRange(local, f.dst, f.proto, f.dport);
}

void Spd::SetProtect(Policy p) {
  for (auto& q : protect_) {
    if (q.id == p.id) {
      q = std::move(p);
      return;
    }
  }
  protect_.push_back(std::move(p));
}

void Spd::RemoveProtect(uint32_t id) {
  std::erase_if(protect_, [id](const Policy& p) { return p.id == id; });
}

Decision Spd::Lookup(const FlowKey& f) const {
  for (const auto* list : {&shunts_, &protect_, &traps_}) {
    for (const auto& p : *list) {
      if (Matches(p, f)) return {p.action, &p};
    }
  }
  return {};
}

}  // namespace ipsec::host
