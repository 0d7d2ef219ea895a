// One SA table slot of the functional model: the fields programmed through the CSR window
// (hw/regmap.toml SA_*) plus the per-SA state and counters the device keeps.
#pragma once

#include <cstdint>
#include <optional>

#include "hw/gen/ipsec_regs.h"
#include "hw/model/aes_gcm.h"
#include "hw/model/replay_window.h"
#include "hw/spi_hash.h"

namespace ipsec::hw::model {

struct SaConfig {
  bool dir_in = false;
  bool tunnel = false;
  bool natt = false;
  bool esn = false;
  IcvLen icv = IcvLen::kIcv16;
  uint32_t spi = 0;
  uint8_t salt[4] = {};
  uint32_t tun_src = 0;  // host order
  uint32_t tun_dst = 0;
  uint16_t sport = 4500;
  uint16_t dport = 4500;
  uint32_t window = kDefaultWindow;
  uint64_t seq = 0;  // out: next to send; in: highest already received
  uint64_t soft_bytes = 0, hard_bytes = 0, soft_pkts = 0, hard_pkts = 0;  // 0 = no limit
};

struct SaCounters {
  uint64_t pkts = 0;
  uint64_t bytes = 0;
  uint32_t replay = 0;
  uint32_t auth_fail = 0;
  uint32_t other_drops = 0;
};

struct Sa {
  SaConfig cfg;
  std::optional<AesGcm> gcm;  // keyed cipher; reset (and its key schedule freed) on invalidate
  std::optional<ReplayWindow> replay;  // inbound only
  uint64_t next_seq = 1;               // outbound
  uint16_t ip_id = 0;                  // outbound tunnel: outer header identification
  bool seq_exhausted = false;
  bool soft_hit = false;
  bool hard_hit = false;
  SaCounters counters;

  size_t icv_len() const {
    switch (cfg.icv) {
      case IcvLen::kIcv12:
        return 12;
      case IcvLen::kIcv8:
        return 8;
      default:
        return 16;
    }
  }
};

}  // namespace ipsec::hw::model
