#include "host/datapath.h"

#include <string>

namespace ipsec::host {
namespace {

// Device cycles one completion may take before the device counts as hung.
constexpr uint64_t kCompletionBudget = 5'000'000;

}  // namespace

driver::Status Datapath::Run(hw::Opcode op, std::span<const DatapathPacket> pkts,
                             const std::function<void(size_t, const driver::Completion&)>& done) {
  constexpr uint32_t q = 0;
  const uint64_t start = drv_.device().cycles();
  size_t next = 0;
  auto reap = [&](const driver::Completion& c) { done(c.cookie, c); };
  while (next < pkts.size() || drv_.InFlight(q) > 0) {
    while (next < pkts.size() && drv_.SubmitRoom(q) > 0) {
      const DatapathPacket& p = pkts[next];
      if (p.bytes.empty() || p.bytes.size() > hw::kMaxPacket) {
        driver::Completion c;
        c.cookie = static_cast<uint32_t>(next);
        c.status = hw::Status::kMalformed;
        done(next++, c);
        continue;
      }
      if (auto s = drv_.Post(q, op, p.slot, p.bytes, static_cast<uint32_t>(next)); !s) {
        return s;
      }
      ++packets_;
      bytes_ += p.bytes.size();
      ++next;
    }
    drv_.Flush(q);
    if (drv_.InFlight(q) == 0) continue;
    if (!drv_.WaitCompletion(q, kCompletionBudget)) {
      return util::Fail(driver::Errc::kTimeout,
                        "device: no completion within " + std::to_string(kCompletionBudget) +
                            " cycles (" + std::to_string(drv_.InFlight(q)) + " in flight)");
    }
    drv_.Reap(q, reap);
  }
  cycles_ += drv_.device().cycles() - start;
  return {};
}

}  // namespace ipsec::host
