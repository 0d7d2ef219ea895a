#include "ike/config/proposal.h"

#include <algorithm>
#include <optional>
#include <set>

namespace ipsec::ike {
namespace {

constexpr TransformType kTypeOrder[] = {TransformType::kEncr, TransformType::kInteg,
                                        TransformType::kPrf, TransformType::kDh,
                                        TransformType::kEsn};

Transform T(TransformType type, uint16_t id, uint16_t bits = 0) {
  return Transform{static_cast<uint8_t>(type), id, bits, false};
}

std::optional<Transform> Keyword(std::string_view k, bool esp) {
  using TT = TransformType;
  if (k == "aes128gcm16" || k == "aes128gcm128" || k == "aes128gcm")
    return T(TT::kEncr, kEncrAesGcm16, 128);
  if (k == "aes256gcm16" || k == "aes256gcm128" || k == "aes256gcm")
    return T(TT::kEncr, kEncrAesGcm16, 256);
  if (!esp && (k == "aes128" || k == "aes")) return T(TT::kEncr, kEncrAesCbc, 128);
  if (!esp && k == "aes256") return T(TT::kEncr, kEncrAesCbc, 256);
  if (!esp && (k == "sha256" || k == "sha2_256")) return T(TT::kInteg, kIntegHmacSha256_128);
  if (k == "prfsha256") return T(TT::kPrf, kPrfHmacSha256);
  if (k == "prfsha384") return T(TT::kPrf, kPrfHmacSha384);
  if (k == "prfsha512") return T(TT::kPrf, kPrfHmacSha512);
  if (k == "modp2048") return T(TT::kDh, uint16_t(DhGroup::kModp2048));
  if (k == "ecp256") return T(TT::kDh, uint16_t(DhGroup::kEcp256));
  if (k == "ecp384") return T(TT::kDh, uint16_t(DhGroup::kEcp384));
  if (k == "x25519" || k == "curve25519") return T(TT::kDh, uint16_t(DhGroup::kCurve25519));
  if (esp && k == "esn") return T(TT::kEsn, kEsnYes);
  if (esp && k == "noesn") return T(TT::kEsn, kEsnNo);
  return std::nullopt;
}

bool Has(const std::vector<Transform>& ts, TransformType type) {
  return std::any_of(ts.begin(), ts.end(),
                     [&](const Transform& t) { return t.type == uint8_t(type); });
}

std::string Name(const Transform& t) {
  return TransformName(static_cast<TransformType>(t.type), t.id, t.key_bits);
}

// Transforms of `p` that count for negotiation (integrity NONE is the same as absent).
std::vector<Transform> Effective(const std::vector<Transform>& ts, bool ignore_dh) {
  std::vector<Transform> out;
  for (const auto& t : ts) {
    if (t.unknown_attr) continue;
    if (t.type == uint8_t(TransformType::kInteg) && t.id == kIntegNone) continue;
    if (t.type == uint8_t(TransformType::kDh) && (ignore_dh || t.id == 0)) continue;
    out.push_back(t);
  }
  return out;
}

bool Same(const Transform& a, const Transform& b) {
  return a.type == b.type && a.id == b.id && a.key_bits == b.key_bits;
}

std::string SetString(const std::vector<std::string>& names) {
  std::string s = "{";
  for (size_t i = 0; i < names.size(); ++i) s += (i ? "," : "") + names[i];
  return s + "}";
}

}  // namespace

Result<std::vector<ProposalSpec>> ParseProposals(std::string_view list, bool esp) {
  if (list == "default")
    list = esp ? "aes256gcm16,aes128gcm16" : "aes256gcm16-prfsha256-ecp256,aes256-sha256-modp2048";
  std::vector<ProposalSpec> out;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view one = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    ProposalSpec spec{esp ? kProtoEsp : kProtoIke, std::string(one), {}};
    std::string_view rest = one;
    while (!rest.empty()) {
      size_t dash = rest.find('-');
      std::string_view kw = rest.substr(0, dash);
      rest = dash == std::string_view::npos ? std::string_view{} : rest.substr(dash + 1);
      auto t = Keyword(kw, esp);
      if (!t)
        return Fail(Errc::kConfig, "unknown or unsupported " + std::string(esp ? "ESP" : "IKE") +
                                       " algorithm keyword '" + std::string(kw) +
                                       "' in proposal '" + std::string(one) + "'");
      spec.transforms.push_back(*t);
    }
    auto& ts = spec.transforms;
    if (!Has(ts, TransformType::kEncr))
      return Fail(Errc::kConfig, "proposal '" + spec.text + "' has no encryption algorithm");
    bool aead = std::all_of(ts.begin(), ts.end(), [](const Transform& t) {
      return t.type != uint8_t(TransformType::kEncr) || t.id == kEncrAesGcm16;
    });
    if (!esp) {
      if (!aead && !Has(ts, TransformType::kInteg))
        return Fail(Errc::kConfig, "IKE proposal '" + spec.text + "' needs an integrity algorithm");
      if (!Has(ts, TransformType::kPrf)) {
        if (aead) return Fail(Errc::kConfig, "AEAD IKE proposal '" + spec.text + "' needs a PRF");
        ts.push_back(T(TransformType::kPrf, kPrfHmacSha256));  // strongSwan: PRF from integrity
      }
      if (!Has(ts, TransformType::kDh))
        return Fail(Errc::kConfig, "IKE proposal '" + spec.text + "' needs a DH group");
    } else if (!Has(ts, TransformType::kEsn)) {
      ts.push_back(T(TransformType::kEsn, kEsnNo));
    }
    out.push_back(std::move(spec));
  }
  if (out.empty()) return Fail(Errc::kConfig, "empty proposal list");
  return out;
}

Proposal ToWire(const ProposalSpec& spec, uint8_t number, std::vector<uint8_t> spi) {
  Proposal p{number, spec.protocol, std::move(spi), {}};
  for (TransformType type : kTypeOrder)
    for (const auto& t : spec.transforms)
      if (t.type == uint8_t(type)) p.transforms.push_back(t);
  return p;
}

SaPayload ToWire(const std::vector<ProposalSpec>& specs, const std::vector<uint8_t>& spi) {
  SaPayload sa;
  for (size_t i = 0; i < specs.size(); ++i)
    sa.proposals.push_back(ToWire(specs[i], static_cast<uint8_t>(i + 1), spi));
  return sa;
}

Proposal ToWire(const Selected& sel, std::vector<uint8_t> spi) {
  Proposal p{sel.number, sel.protocol, std::move(spi), {}};
  p.transforms.push_back(T(TransformType::kEncr, sel.encr, sel.encr_bits));
  if (sel.integ != kIntegNone) p.transforms.push_back(T(TransformType::kInteg, sel.integ));
  if (sel.prf) p.transforms.push_back(T(TransformType::kPrf, sel.prf));
  if (sel.dh != DhGroup::kNone) p.transforms.push_back(T(TransformType::kDh, uint16_t(sel.dh)));
  if (sel.protocol == kProtoEsp)
    p.transforms.push_back(T(TransformType::kEsn, sel.esn ? kEsnYes : kEsnNo));
  return p;
}

std::vector<ProposalSpec> WithoutDh(const std::vector<ProposalSpec>& specs) {
  std::vector<ProposalSpec> out = specs;
  for (auto& s : out)
    std::erase_if(s.transforms,
                  [](const Transform& t) { return t.type == uint8_t(TransformType::kDh); });
  return out;
}

std::string ProposalToString(const Proposal& p) {
  std::string s;
  for (TransformType type : kTypeOrder)
    for (const auto& t : p.transforms)
      if (t.type == uint8_t(type) && !(type == TransformType::kInteg && t.id == kIntegNone))
        s += (s.empty() ? "" : "-") + Name(t);
  return s;
}

std::string Selected::ToString() const {
  std::string s = TransformName(TransformType::kEncr, encr, encr_bits);
  if (integ != kIntegNone) s += "-" + TransformName(TransformType::kInteg, integ, 0);
  if (prf) s += "-" + TransformName(TransformType::kPrf, prf, 0);
  if (dh != DhGroup::kNone) s += "-" + TransformName(TransformType::kDh, uint16_t(dh), 0);
  if (protocol == kProtoEsp) s += esn ? "-esn" : "-noesn";
  return s;
}

Result<Selected> SelectProposal(const std::vector<ProposalSpec>& ours, const SaPayload& peer,
                                bool ignore_dh) {
  for (const auto& spec : ours) {
    auto mine = Effective(spec.transforms, ignore_dh);
    for (const auto& pp : peer.proposals) {
      if (pp.protocol != spec.protocol) continue;
      auto theirs = Effective(pp.transforms, ignore_dh);
      Selected sel{pp.number, pp.protocol, pp.spi};
      bool ok = true;
      for (TransformType type : kTypeOrder) {
        bool we = Has(mine, type), they = Has(theirs, type);
        if (!we && !they) continue;
        // ESN: a peer that sends no ESN transform means "no ESN" for ESP.
        if (we != they) {
          ok = false;
          break;
        }
        std::optional<Transform> pick;
        for (const auto& t : theirs) {  // peer order within a proposal
          if (t.type != uint8_t(type)) continue;
          for (const auto& m : mine)
            if (Same(m, t)) {
              pick = t;
              break;
            }
          if (pick) break;
        }
        if (!pick) {
          ok = false;
          break;
        }
        switch (type) {
          case TransformType::kEncr:
            sel.encr = pick->id;
            sel.encr_bits = pick->key_bits;
            break;
          case TransformType::kInteg:
            sel.integ = pick->id;
            break;
          case TransformType::kPrf:
            sel.prf = pick->id;
            break;
          case TransformType::kDh:
            sel.dh = static_cast<DhGroup>(pick->id);
            break;
          case TransformType::kEsn:
            sel.esn = pick->id == kEsnYes;
            break;
        }
      }
      if (ok) return sel;
    }
  }
  // Diagnose: the first dimension where the union of the peer's offers and ours do not meet.
  uint8_t protocol = ours.empty() ? kProtoIke : ours.front().protocol;
  std::vector<std::string> peer_all, our_all;
  for (const auto& pp : peer.proposals)
    if (pp.protocol == protocol) peer_all.push_back(ProposalToString(pp));
  for (const auto& s : ours) our_all.push_back(s.text);
  if (peer_all.empty())
    return Fail(
        Errc::kNoProposalChosen,
        std::string("no ") + (protocol == kProtoEsp ? "ESP" : "IKE") + " proposal from the peer");
  for (TransformType type : kTypeOrder) {
    std::vector<std::string> theirs, mine;
    std::set<std::string> seen_t, seen_m;
    for (const auto& pp : peer.proposals) {
      if (pp.protocol != protocol) continue;
      for (const auto& t : Effective(pp.transforms, ignore_dh))
        if (t.type == uint8_t(type) && seen_t.insert(Name(t)).second) theirs.push_back(Name(t));
    }
    for (const auto& s : ours)
      for (const auto& t : Effective(s.transforms, ignore_dh))
        if (t.type == uint8_t(type) && seen_m.insert(Name(t)).second) mine.push_back(Name(t));
    if (theirs.empty() && mine.empty()) continue;
    bool meet = std::any_of(theirs.begin(), theirs.end(), [&](auto& n) { return seen_m.count(n); });
    if (!meet)
      return Fail(Errc::kNoProposalChosen, std::string("no common ") + TransformTypeName(type) +
                                               ": peer offered " + SetString(theirs) +
                                               ", we accept " + SetString(mine));
  }
  return Fail(Errc::kNoProposalChosen, "no proposal matches as a whole: peer offered " +
                                           SetString(peer_all) + ", we accept " +
                                           SetString(our_all));
}

}  // namespace ipsec::ike
