// strongSwan proposal keywords -> IKEv2 proposals, and proposal selection with diagnostics
// that name the dimension that differed ("no common DH group: peer offered {modp2048}, we
// accept {ecp256,x25519}").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ike/crypto/algorithms.h"
#include "ike/errors.h"
#include "ike/message/message.h"

namespace ipsec::ike {

struct ProposalSpec {
  uint8_t protocol = kProtoIke;
  std::string text;                   // as configured, for logs
  std::vector<Transform> transforms;  // in keyword order, grouped by type when selecting
};

// Parses "aes256gcm16-prfsha256-ecp256,aes256-sha256-modp2048" ("default" is a built-in list).
// `esp` selects ESP rules: AES-GCM-16 only (what the offload device does), ESN keywords, an
// optional DH group for PFS.
Result<std::vector<ProposalSpec>> ParseProposals(std::string_view list, bool esp);

// The chosen transform set.
struct Selected {
  uint8_t number = 0;
  uint8_t protocol = 0;
  std::vector<uint8_t> spi;  // the peer's SPI from its proposal
  uint16_t encr = 0, encr_bits = 0, integ = kIntegNone, prf = 0;
  DhGroup dh = DhGroup::kNone;
  bool esn = false;
  std::string ToString() const;  // "aes256gcm16-prfsha256-ecp256"
};

// Wire proposal for `spec` (number, our SPI).
Proposal ToWire(const ProposalSpec& spec, uint8_t number, std::vector<uint8_t> spi);
SaPayload ToWire(const std::vector<ProposalSpec>& specs, const std::vector<uint8_t>& spi);
// The responder's answer: exactly the selected transforms.
Proposal ToWire(const Selected& sel, std::vector<uint8_t> spi);
// Copies of `specs` without DH transforms (CHILD_SA in IKE_AUTH).
std::vector<ProposalSpec> WithoutDh(const std::vector<ProposalSpec>& specs);

// Picks the first of our proposals (our preference) that one of the peer's proposals matches.
// `ignore_dh`: DH transforms are not negotiated (CHILD_SA inside IKE_AUTH, RFC 7296 1.2).
// Fails with kNoProposalChosen and a message naming the first dimension without overlap.
Result<Selected> SelectProposal(const std::vector<ProposalSpec>& ours, const SaPayload& peer,
                                bool ignore_dh);

// "aes256gcm16-prfsha256-ecp256" for a wire proposal.
std::string ProposalToString(const Proposal& p);

}  // namespace ipsec::ike
