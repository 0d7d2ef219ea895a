// Engine internals shared by the exchange tasks (not part of the public API).
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ike/config/proposal.h"
#include "ike/crypto/x509.h"
#include "ike/exchange/engine.h"
#include "ike/message/message.h"

namespace ipsec::ike {

struct ParsedChild {
  const ChildConfig* cfg = nullptr;
  std::vector<ProposalSpec> esp;
  DhGroup pfs = DhGroup::kNone;  // first DH group of esp_proposals (CREATE_CHILD_SA only)
};

struct ParsedConn {
  const ConnectionConfig* cfg = nullptr;
  std::vector<ProposalSpec> ike;
  uint32_t local_addr = 0;   // 0 = %any
  uint32_t remote_addr = 0;  // 0 = %any
  IdPayload local_id;
  std::string remote_id;  // "%any" or a configured id, compared as text
  std::vector<ParsedChild> children;
  std::optional<Credential> cred;   // local auth = pubkey
  std::optional<TrustStore> trust;  // remote auth = pubkey
  bool certs() const { return cred || trust; }
  const ParsedChild* FindChild(std::string_view name) const {
    for (const auto& c : children)
      if (c.cfg->name == name) return &c;
    return nullptr;
  }
};

// "192.0.2.1" -> ID_IPV4_ADDR, "@x"/"x.y" -> ID_FQDN, "u@x" -> ID_RFC822_ADDR.
Result<IdPayload> IdFromString(std::string_view text, uint32_t own_addr);
std::string IdToString(const IdPayload& id);

struct Engine::Internal {
  Config cfg;
  Deps deps;
  std::vector<ParsedConn> conns;
  std::vector<uint8_t> cookie_secret;
  uint32_t next_unique = 1;
  std::set<uint32_t> spis_in;                   // inbound ESP SPIs in use
  std::vector<std::unique_ptr<IkeSa>> adopted;  // IKE SAs created by a rekey, added after dispatch
  EngineStats* stats = nullptr;
  bool sweep_needed = false;                // an IKE SA died: Engine::Sweep erases it
  std::function<IkeSa*(uint64_t)> find_sa;  // by our SPI, adopted ones included

  void Log(LogLevel level, const std::string& line) const {
    if (deps.log) deps.log(level, line);
  }
  TimePoint Now() const { return deps.clock->Now(); }
  Random& random() const { return *deps.random; }
  uint32_t NewChildSpi();
  void ReleaseChildSpi(uint32_t spi) { spis_in.erase(spi); }
  uint64_t NewIkeSpi() {
    uint64_t s = 0;
    while (s == 0) s = deps.random->U64();
    return s;
  }
  std::vector<uint8_t> Nonce(size_t n = 32) {
    std::vector<uint8_t> v(n);
    deps.random->Fill(v);
    return v;
  }
  // PSK for the pair of identities (strongSwan's best-match rule, simplified).
  const Secret* FindPsk(const std::string& local_id, const std::string& remote_id) const;
};

}  // namespace ipsec::ike
