// espd's SaSink: turns the IKE library's CHILD_SA events into device SA programming through the
// driver, and keeps the SPD's PROTECT policies in step (DESIGN.md "IKE -> driver").
//  - Inbound SPIs: AcceptSpiIn is the engine's SPI filter; it refuses SPIs whose hash bucket in
//    the device SA table is full (driver kSlotCollision) or reserved by an SPI offered but not
//    yet installed, so the engine draws another.
//  - Make-before-break rekey: ChildRekeyed installs the new inbound and outbound SAs at once and
//    keeps the old ones. The rekey initiator moves outbound traffic to the new SA at once; the
//    responder keeps sending on the old SA until it is deleted (the initiator may not have the
//    new inbound SA yet), as strongSwan does.
//  - ChildDown: INVALIDATE both slots (the device zeroizes the keys); the event's keys are
//    SecretBytes and wiped when the event dies; espd keeps no copy. An SA deleted after a rekey
//    keeps its inbound slot for kRetireGrace (packets the peer sent on it before it processed
//    the DELETE are still in flight: kernel-libipsec queues them), then it is removed too.
//  - Device events: SOFT_LIFETIME / HARD_LIFETIME / SEQ_OVERFLOW of either direction ->
//    Engine::OnSoftLifetime(spi_in) via the callback (rekey).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "host/espd_config.h"
#include "host/spd.h"
#include "ike/exchange/sa_sink.h"

namespace ipsec::host {

using LogFn = std::function<void(int level, const std::string&)>;  // 0 debug .. 3 error

struct InstalledSa {
  std::string connection, child;
  uint32_t unique_id = 0;
  uint32_t spi_in = 0, spi_out = 0;
  uint32_t slot_in = 0, slot_out = 0;
  uint16_t key_bits = 0;
  bool esn = false, encap = false, initiator = false;
  ike::Mode mode = ike::Mode::kTunnel;
  ike::Endpoint local, remote;
  std::vector<ike::TsRange> local_ts, remote_ts;
  uint32_t window = 0;
  ChildDeviceConfig limits;
  std::chrono::steady_clock::time_point installed;
  std::chrono::milliseconds rekey_time{0}, life_time{0};
  bool outbound_active = false;  // the SPD sends through this SA
  uint32_t replaces = 0;         // unique id of the SA this one rekeyed (0: none)
  bool rekeyed = false;          // superseded by a newer SA, waiting for its delete
  // Deleted after a rekey: the outbound SA is gone, the inbound one still accepts the packets
  // the peer had in flight on it until this time (then it is removed and zeroized).
  std::optional<std::chrono::steady_clock::time_point> retire_at;
  std::string Algorithm() const;  // "AES_GCM_16-256"
};

class SaManager final : public ike::SaSink {
 public:
  SaManager(driver::Driver& drv, Spd& spd, const EspdConfig& cfg, LogFn log)
      : drv_(drv), spd_(spd), cfg_(cfg), log_(std::move(log)) {}
  ~SaManager() override;

  bool AcceptSpiIn(uint32_t spi);
  void set_on_rekey_needed(std::function<void(uint32_t spi_in)> fn) { on_rekey_ = std::move(fn); }
  void set_on_child_up(std::function<void(const InstalledSa&)> fn) { on_up_ = std::move(fn); }
  void set_on_child_down(std::function<void(const ike::ChildSaId&, ike::DownReason)> fn) {
    on_down_ = std::move(fn);
  }

  void ChildUp(const ike::ChildSa& sa) override;
  void ChildRekeyed(const ike::ChildSa& new_sa, const ike::ChildSaId& old_sa) override;
  void ChildDown(const ike::ChildSaId& sa, ike::DownReason reason) override;
  void IkeUp(const std::string& connection, uint64_t spi_i, uint64_t spi_r) override;
  void IkeDown(const std::string& connection, uint64_t spi_i, uint64_t spi_r) override;

  // Drains the device's event FIFO; returns the number of events handled.
  size_t PollDeviceEvents();
  // Removes retiring inbound SAs whose grace period is over.
  void Tick();
  static constexpr std::chrono::milliseconds kRetireGrace{1000};
  // Removes every SA from the device (SIGTERM, after IKE sent its DELETEs).
  void RemoveAll();

  const std::map<uint32_t, InstalledSa>& sas() const { return sas_; }  // by unique id
  const InstalledSa* BySlotIn(uint32_t slot) const;
  uint64_t install_failures() const { return install_failures_; }
  uint64_t rekeys() const { return rekeys_; }

 private:
  bool Install(const ike::ChildSa& sa, uint32_t replaces);
  void ActivateOutbound(InstalledSa& sa);
  void Remove(InstalledSa& sa);

  driver::Driver& drv_;
  Spd& spd_;
  const EspdConfig& cfg_;
  LogFn log_;
  std::function<void(uint32_t)> on_rekey_;
  std::function<void(const InstalledSa&)> on_up_;
  std::function<void(const ike::ChildSaId&, ike::DownReason)> on_down_;
  std::map<uint32_t, InstalledSa> sas_;
  std::map<uint32_t, std::chrono::steady_clock::time_point> offered_;  // SPI -> when offered
  uint64_t install_failures_ = 0, rekeys_ = 0;
};

}  // namespace ipsec::host
