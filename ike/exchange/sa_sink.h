// Child-SA events out of the IKE library (DESIGN.md "IKE -> driver"). espd implements SaSink
// and programs the device; tests use a recording fake.
//
// Order of events for one child: ChildUp(A); at rekey ChildRekeyed(B, A) (install B inbound
// and outbound: make-before-break, keep A's inbound SA); then ChildDown(A) once the old SA is
// deleted. A rekey collision (RFC 7296 2.8.1) can briefly yield two ChildRekeyed for the same
// old SA followed by ChildDown of the redundant one. Keys are SecretBytes: wiped when the
// ChildSa is destroyed, never logged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw/util/secret_bytes.h"
#include "ike/config/config.h"
#include "ike/config/traffic_selector.h"

namespace ipsec::ike {

struct ChildSa {
  std::string connection, child;  // config names
  uint32_t unique_id = 0;         // this SA instance (changes at each rekey)
  bool initiator = false;         // we initiated the exchange that created it
  uint32_t spi_in = 0, spi_out = 0;
  uint16_t encr = 0;      // kEncrAesGcm16
  uint16_t key_bits = 0;  // 128 or 256
  uint8_t icv_len = 16;
  util::SecretBytes key_in, key_out;         // AES keys, inbound / outbound
  util::SecretBytes salt_in, salt_out;       // 4-byte GCM salts (RFC 4106 8.1)
  std::vector<TsRange> local_ts, remote_ts;  // negotiated (narrowed) selectors
  Mode mode = Mode::kTunnel;
  bool esn = false;
  Endpoint local, remote;                                 // tunnel endpoints; ports 4500 when encap
  bool encap = false;                                     // UDP-encapsulated ESP (RFC 3948)
  std::chrono::milliseconds rekey_time{0}, life_time{0};  // soft / hard, from now
};

struct ChildSaId {
  std::string connection, child;
  uint32_t unique_id = 0;
  uint32_t spi_in = 0, spi_out = 0;
};

enum class DownReason { kDeleted, kPeerDeleted, kRekeyed, kExpired, kPeerDead, kIkeDown };
const char* DownReasonName(DownReason r);

class SaSink {
 public:
  virtual ~SaSink() = default;
  virtual void ChildUp(const ChildSa& sa) = 0;
  virtual void ChildRekeyed(const ChildSa& new_sa, const ChildSaId& old_sa) = 0;
  virtual void ChildDown(const ChildSaId& sa, DownReason reason) = 0;
  // IKE SA state, for espctl and logs.
  virtual void IkeUp(const std::string& connection, uint64_t spi_i, uint64_t spi_r) {}
  virtual void IkeDown(const std::string& connection, uint64_t spi_i, uint64_t spi_r) {}
};

}  // namespace ipsec::ike
