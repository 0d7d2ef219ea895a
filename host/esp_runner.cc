#include "host/esp_runner.h"

#include "hw/util/endian.h"

namespace ipsec::host {
namespace {

// Cycles the device may take for one completion before the run counts as hung.
constexpr uint64_t kCompletionBudget = 2'000'000;

}  // namespace

driver::Result<std::unique_ptr<EspRunner>> EspRunner::Create(driver::Driver& drv,
                                                             std::vector<SaSpec> sas) {
  std::unique_ptr<EspRunner> r(new EspRunner(drv, std::move(sas)));
  for (const SaSpec& s : r->sas_) {
    auto slot = drv.InstallSa(s.params);
    if (!slot) {
      return util::Fail(slot.error().code, "SA \"" + s.name + "\": " + slot.error().message);
    }
    r->slots_.push_back(*slot);
  }
  return r;
}

const SaSpec* EspRunner::OutboundFor(const std::vector<uint8_t>& pkt, uint32_t* slot) const {
  const bool has_addrs = pkt.size() >= 20;
  const uint32_t src = has_addrs ? util::LoadBe32(&pkt[12]) : 0;
  const uint32_t dst = has_addrs ? util::LoadBe32(&pkt[16]) : 0;
  for (size_t i = 0; i < sas_.size(); ++i) {
    const SaSpec& s = sas_[i];
    if (s.params.inbound) continue;
    const bool has_ts = s.ts_src || s.ts_dst;
    if (has_ts && (!has_addrs || (s.ts_src && !s.ts_src->Contains(src)) ||
                   (s.ts_dst && !s.ts_dst->Contains(dst)))) {
      continue;
    }
    *slot = slots_[i];
    return &s;
  }
  return nullptr;
}

driver::Result<RunStats> EspRunner::Run(hw::Opcode op, const std::vector<PcapRecord>& in,
                                        std::vector<PcapRecord>& out) {
  RunStats st;
  st.in = in.size();
  const uint64_t start = drv_.device().cycles();
  const uint32_t q = 0;
  std::vector<uint8_t> staged;
  size_t next = 0;
  auto on_done = [&](const driver::Completion& c) {
    if (c.status == hw::Status::kOk) {
      out.push_back({in[c.cookie].ts, {c.data.begin(), c.data.end()}});
      ++st.out;
    } else {
      ++st.drops[hw::StatusName(c.status)];
    }
  };
  while (next < in.size() || drv_.InFlight(q) > 0) {
    while (next < in.size() && drv_.SubmitRoom(q) > 0) {
      const std::vector<uint8_t>& pkt = in[next].packet;
      uint32_t slot = 0;
      uint8_t flags = 0;
      std::span<const uint8_t> data = pkt;
      if (op == hw::Opcode::kEncap) {
        const SaSpec* sa = OutboundFor(pkt, &slot);
        if (sa == nullptr) {
          ++st.drops["NO_SA"];
          ++next;
          continue;
        }
        if (sa->explicit_iv) {
          staged.assign(sa->explicit_iv->begin(), sa->explicit_iv->end());
          staged.insert(staged.end(), pkt.begin(), pkt.end());
          data = staged;
          flags |= hw::kSqDescFlagsExplicitIv;
        }
      }
      if (data.empty() || data.size() > driver::kBufferBytes) {
        ++st.drops["MALFORMED"];  // cannot even be posted: counted as the device would
        ++next;
        continue;
      }
      if (auto s = drv_.Post(q, op, slot, data, static_cast<uint32_t>(next), flags); !s) {
        return tl::unexpected(s.error());
      }
      ++next;
    }
    drv_.Flush(q);
    if (drv_.InFlight(q) == 0) continue;
    if (!drv_.WaitCompletion(q, kCompletionBudget)) {
      return util::Fail(driver::Errc::kTimeout,
                        "no completion within " + std::to_string(kCompletionBudget) + " cycles (" +
                            std::to_string(drv_.InFlight(q)) + " in flight)");
    }
    drv_.Reap(q, on_done);
  }
  st.cycles = drv_.device().cycles() - start;
  return st;
}

driver::Result<std::vector<SaReport>> EspRunner::Report() {
  std::vector<SaReport> out;
  for (size_t i = 0; i < sas_.size(); ++i) {
    auto s = drv_.ReadSaStats(slots_[i]);
    if (!s) return tl::unexpected(s.error());
    out.push_back({sas_[i].name, slots_[i], sas_[i].params.inbound, sas_[i].params.spi, *s});
  }
  return out;
}

}  // namespace ipsec::host
