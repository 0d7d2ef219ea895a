#include "host/sa_manager.h"

#include <cstdio>

#include "hw/spi_hash.h"

namespace ipsec::host {
namespace {

using Clock = std::chrono::steady_clock;

std::string Hex32(uint32_t v) {
  char b[12];
  std::snprintf(b, sizeof(b), "%08x", v);
  return b;
}

// Hard limit when only the soft one is configured: swanctl's life = rekey * 1.1.
uint64_t HardFrom(uint64_t soft, uint64_t hard) {
  if (hard != 0 || soft == 0) return hard;
  return soft + soft / 10 + 1;
}

}  // namespace

std::string InstalledSa::Algorithm() const {
  return "AES_GCM_16-" + std::to_string(key_bits) + (esn ? "/ESN" : "");
}

SaManager::~SaManager() = default;

bool SaManager::AcceptSpiIn(uint32_t spi) {
  const auto now = Clock::now();
  std::erase_if(offered_,
                [&](const auto& kv) { return now - kv.second > std::chrono::minutes(1); });
  if (!drv_.InboundSlotFor(spi)) return false;
  const uint32_t slots = drv_.info().sa_slots;
  const uint32_t bucket = hw::SpiBucket(spi, slots);
  for (const auto& [other, when] : offered_) {
    if (hw::SpiBucket(other, slots) == bucket) return false;
  }
  offered_[spi] = now;
  return true;
}

const InstalledSa* SaManager::BySlotIn(uint32_t slot) const {
  for (const auto& [id, sa] : sas_) {
    if (sa.slot_in == slot) return &sa;
  }
  return nullptr;
}

bool SaManager::Install(const ike::ChildSa& sa, uint32_t replaces) {
  offered_.erase(sa.spi_in);
  const ChildDeviceConfig& lim = cfg_.DeviceFor(sa.connection, sa.child);
  InstalledSa rec;
  rec.connection = sa.connection;
  rec.child = sa.child;
  rec.unique_id = sa.unique_id;
  rec.spi_in = sa.spi_in;
  rec.spi_out = sa.spi_out;
  rec.key_bits = sa.key_bits;
  rec.esn = sa.esn;
  rec.encap = sa.encap;
  rec.initiator = sa.initiator;
  rec.mode = sa.mode;
  rec.local = sa.local;
  rec.remote = sa.remote;
  rec.local_ts = sa.local_ts;
  rec.remote_ts = sa.remote_ts;
  rec.window = lim.replay_window;
  rec.limits = lim;
  rec.installed = Clock::now();
  rec.rekey_time = sa.rekey_time;
  rec.life_time = sa.life_time;
  rec.replaces = replaces;
  const std::string name =
      sa.connection + "/" + sa.child + "{" + std::to_string(sa.unique_id) + "}";

  auto params = [&](bool inbound) {
    driver::SaParams p;
    p.inbound = inbound;
    p.spi = inbound ? sa.spi_in : sa.spi_out;
    p.key = (inbound ? sa.key_in : sa.key_out).Clone();
    const auto& salt = inbound ? sa.salt_in : sa.salt_out;
    for (size_t i = 0; i < 4 && i < salt.size(); ++i) p.salt[i] = salt[i];
    p.tunnel = sa.mode == ike::Mode::kTunnel;
    p.tun_src = inbound ? sa.remote.addr : sa.local.addr;
    p.tun_dst = inbound ? sa.local.addr : sa.remote.addr;
    p.natt = sa.encap;
    // Inbound ESP-in-UDP reaches the device with destination port 4500 (RFC 3948).
    p.sport = inbound ? sa.remote.port : sa.local.port;
    p.dport = inbound ? 4500 : sa.remote.port;
    p.esn = sa.esn;
    p.window = inbound ? std::min(lim.replay_window, drv_.info().max_window) : 0;
    p.soft_bytes = lim.rekey_bytes;
    p.hard_bytes = HardFrom(lim.rekey_bytes, lim.life_bytes);
    p.soft_pkts = lim.rekey_packets;
    p.hard_pkts = HardFrom(lim.rekey_packets, lim.life_packets);
    return p;
  };
  auto in = drv_.InstallSa(params(true));
  if (!in) {
    ++install_failures_;
    log_(3, "CHILD_SA " + name + ": inbound SA " + Hex32(sa.spi_in) +
                " not installed: " + in.error().message);
    return false;
  }
  auto out = drv_.InstallSa(params(false));
  if (!out) {
    ++install_failures_;
    (void)drv_.RemoveSa(*in);
    log_(3, "CHILD_SA " + name + ": outbound SA " + Hex32(sa.spi_out) +
                " not installed: " + out.error().message);
    return false;
  }
  rec.slot_in = *in;
  rec.slot_out = *out;
  log_(1, "CHILD_SA " + name + " installed: SPIs " + Hex32(sa.spi_in) + "_i (slot " +
              std::to_string(*in) + ") " + Hex32(sa.spi_out) + "_o (slot " + std::to_string(*out) +
              "), " + rec.Algorithm() + ", " +
              (sa.mode == ike::Mode::kTunnel ? "tunnel" : "transport") +
              (sa.encap ? ", UDP-encapsulated" : "") + ", TS " + ike::ToString(sa.local_ts) +
              " === " + ike::ToString(sa.remote_ts));
  auto& stored = sas_[sa.unique_id] = std::move(rec);
  if (on_up_) on_up_(stored);
  return true;
}

void SaManager::ActivateOutbound(InstalledSa& sa) {
  Policy p;
  p.action = PolicyAction::kProtect;
  p.name = sa.connection + "/" + sa.child;
  p.local = sa.local_ts;
  p.remote = sa.remote_ts;
  p.id = sa.unique_id;
  p.slot = sa.slot_out;
  if (sa.replaces != 0) {
    auto old = sas_.find(sa.replaces);
    if (old != sas_.end()) old->second.outbound_active = false;
    spd_.RemoveProtect(sa.replaces);
  }
  spd_.SetProtect(std::move(p));
  sa.outbound_active = true;
}

void SaManager::ChildUp(const ike::ChildSa& sa) {
  if (!Install(sa, 0)) return;
  ActivateOutbound(sas_.at(sa.unique_id));
}

void SaManager::ChildRekeyed(const ike::ChildSa& new_sa, const ike::ChildSaId& old_sa) {
  ++rekeys_;
  if (!Install(new_sa, old_sa.unique_id)) return;
  auto old = sas_.find(old_sa.unique_id);
  if (old != sas_.end()) old->second.rekeyed = true;
  // Make-before-break: the initiator of the rekey switches now; the responder once the old SA
  // is deleted (ChildDown), when the peer surely has the new inbound SA.
  if (new_sa.initiator || old == sas_.end() || !old->second.outbound_active) {
    ActivateOutbound(sas_.at(new_sa.unique_id));
  }
}

void SaManager::Remove(InstalledSa& sa) {
  for (uint32_t slot : {sa.slot_in, sa.slot_out}) {
    if (auto st = drv_.RemoveSa(slot); !st) {
      log_(3, "removing slot " + std::to_string(slot) + ": " + st.error().message);
    }
  }
  spd_.RemoveProtect(sa.unique_id);
}

void SaManager::ChildDown(const ike::ChildSaId& id, ike::DownReason reason) {
  offered_.erase(id.spi_in);
  if (on_down_) on_down_(id, reason);
  auto it = sas_.find(id.unique_id);
  if (it == sas_.end() || it->second.retire_at) return;  // never installed, or retiring already
  InstalledSa& sa = it->second;
  const bool was_active = sa.outbound_active;
  const std::string name = sa.connection + "/" + sa.child + "{" + std::to_string(sa.unique_id) +
                           "} (" + ike::DownReasonName(reason) + "): SPIs " + Hex32(sa.spi_in) +
                           "_i " + Hex32(sa.spi_out) + "_o";
  if (sa.rekeyed && reason != ike::DownReason::kPeerDead && reason != ike::DownReason::kIkeDown) {
    // Superseded: outbound now, inbound after the grace period (make-before-break, both ends).
    if (auto st = drv_.RemoveSa(sa.slot_out); !st) log_(3, "removing: " + st.error().message);
    spd_.RemoveProtect(sa.unique_id);
    sa.outbound_active = false;
    sa.retire_at = Clock::now() + kRetireGrace;
    log_(1, "CHILD_SA " + name + " deleted: outbound slot zeroized, inbound retiring");
  } else {
    Remove(sa);
    log_(1, "CHILD_SA " + name + " removed, slots zeroized");
    sas_.erase(it);
  }
  const uint32_t gone = id.unique_id;
  for (auto& [uid, other] : sas_) {
    if (other.replaces == gone) other.replaces = 0;
  }
  // The outbound traffic of this child moves to its newest remaining SA (the successor that
  // waited for this delete, or the winner of a rekey collision).
  if (!was_active) return;
  InstalledSa* next = nullptr;
  for (auto& [uid, other] : sas_) {
    if (other.connection == id.connection && other.child == id.child && !other.rekeyed &&
        !other.retire_at) {
      next = &other;  // ascending unique ids: the last one is the newest
    }
  }
  if (next != nullptr && !next->outbound_active) ActivateOutbound(*next);
}

void SaManager::Tick() {
  const auto now = Clock::now();
  for (auto it = sas_.begin(); it != sas_.end();) {
    if (it->second.retire_at && now >= *it->second.retire_at) {
      if (auto st = drv_.RemoveSa(it->second.slot_in); !st) {
        log_(3, "removing: " + st.error().message);
      }
      log_(1, "CHILD_SA " + it->second.connection + "/" + it->second.child + "{" +
                  std::to_string(it->second.unique_id) + "} inbound SPI " +
                  Hex32(it->second.spi_in) + " retired, slot zeroized");
      it = sas_.erase(it);
    } else {
      ++it;
    }
  }
}

void SaManager::IkeUp(const std::string& connection, uint64_t spi_i, uint64_t spi_r) {
  char b[64];
  std::snprintf(b, sizeof(b), "%016llx_i %016llx_r", static_cast<unsigned long long>(spi_i),
                static_cast<unsigned long long>(spi_r));
  log_(1, "IKE_SA " + connection + " established: " + b);
}

void SaManager::IkeDown(const std::string& connection, uint64_t spi_i, uint64_t spi_r) {
  char b[64];
  std::snprintf(b, sizeof(b), "%016llx_i %016llx_r", static_cast<unsigned long long>(spi_i),
                static_cast<unsigned long long>(spi_r));
  log_(1, "IKE_SA " + connection + " down: " + b);
}

size_t SaManager::PollDeviceEvents() {
  size_t n = 0;
  while (auto ev = drv_.PollEvent()) {
    ++n;
    if (ev->lost_before) log_(2, "device event FIFO overflowed: events were lost");
    if (ev->type == hw::Event::kQueueError) {
      log_(3, "device queue " + std::to_string(ev->slot) + " stopped (DMA error)");
      continue;
    }
    const InstalledSa* hit = nullptr;
    for (const auto& [id, sa] : sas_) {
      if (sa.slot_in == ev->slot || (!sa.retire_at && sa.slot_out == ev->slot)) hit = &sa;
    }
    if (hit == nullptr) continue;  // an SA removed since
    log_(1, std::string("device ") + hw::EventName(ev->type) + " on slot " +
                std::to_string(ev->slot) + " (CHILD_SA " + hit->child + "{" +
                std::to_string(hit->unique_id) + "}): rekeying");
    if (!hit->rekeyed && !hit->retire_at && on_rekey_) on_rekey_(hit->spi_in);
  }
  return n;
}

void SaManager::RemoveAll() {
  for (auto& [id, sa] : sas_) {
    if (sa.retire_at) {
      (void)drv_.RemoveSa(sa.slot_in);
    } else {
      Remove(sa);
    }
  }
  if (!sas_.empty()) log_(1, std::to_string(sas_.size()) + " CHILD_SA(s) removed from the device");
  sas_.clear();
}

}  // namespace ipsec::host
