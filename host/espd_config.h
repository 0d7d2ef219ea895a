// espd's configuration: the swanctl.conf subset of DESIGN.md "espd and espctl", checked against
// a schema (unknown keys and bad values are file:line errors) and converted to ike::Config plus
// what only espd uses (byte/packet lifetimes programmed into the device, replay window, shunt
// policies). The subset, with strongSwan's meanings:
//
//   connections { NAME {
//     version = 2                       local_addrs, remote_addrs = IPv4 | %any (lists)
//     local_port, remote_port           proposals = aes256gcm16-prfsha256-ecp256,...
//     encap = yes|no                    dpd_delay, rekey_time = 30s | 5m | 1h | 1d | 500ms
//     mobike = no                       (accepted; espd has no MOBIKE)
//     local { auth = psk|pubkey  id = ID  certs = PEM }   remote { auth, id, cacerts = PEM }
//     children { CHILD {
//       local_ts, remote_ts = CIDR[,CIDR] | dynamic      esp_proposals = aes128gcm16[-esn][-ecp256]
//       mode = tunnel|transport|pass|drop  (pass/drop: BYPASS/DISCARD shunt policies, no IKE)
//       rekey_time, life_time, rekey_bytes, life_bytes, rekey_packets, life_packets
//       replay_window = 0..4096          start_action = none|trap|start
//       dpd_action = clear|trap|restart
//     } }
//   } }
//   secrets { ike-NAME { id = ID (id-SUFFIX = ID ...)  secret = PSK }
//             private-NAME { file = PEM } }
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "host/swanctl_conf.h"
#include "ike/config/config.h"

namespace ipsec::host {

enum class ShuntAction { kBypass, kDiscard };

struct ShuntConfig {
  std::string connection, name;
  std::vector<std::string> local_ts, remote_ts;
  ShuntAction action = ShuntAction::kDiscard;
};

// Per child: what the device enforces (0 = unlimited / device default).
struct ChildDeviceConfig {
  uint64_t rekey_bytes = 0, life_bytes = 0, rekey_packets = 0, life_packets = 0;
  uint32_t replay_window = 32;  // swanctl's default
  // What to do when DPD declares the peer dead: "clear" (swanctl's default), "trap" (install a
  // trap policy: the next packet re-initiates) or "restart" (initiate again at once).
  std::string dpd_action = "clear";
};

struct EspdConfig {
  ike::Config ike;
  std::map<std::string, ChildDeviceConfig> device;  // by "connection/child"
  std::vector<ShuntConfig> shunts;
  const ChildDeviceConfig& DeviceFor(const std::string& conn, const std::string& child) const;
};

// Errors are one line: "FILE:LINE: message".
ConfResult<EspdConfig> BuildEspdConfig(const ConfSection& root, const std::string& file);
ConfResult<EspdConfig> LoadEspdConfig(const std::string& path);

// "30s", "5m", "1h", "1d", "250ms", "10" (seconds).
bool ParseDuration(const std::string& text, std::chrono::milliseconds* out);

}  // namespace ipsec::host
