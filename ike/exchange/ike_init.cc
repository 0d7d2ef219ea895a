// IKE_SA_INIT (RFC 7296 1.2) for both roles: proposals, KE with the INVALID_KE_PAYLOAD retry,
// COOKIE retry (2.6), NAT detection (2.23) and the move to port 4500, IKE SA keys (2.14).
#include <algorithm>

#include "hw/util/endian.h"
#include "ike/exchange/ike_sa.h"

namespace ipsec::ike {

std::vector<uint8_t> IkeSa::NatHash(uint64_t spi_i, uint64_t spi_r, Endpoint ep) const {
  uint8_t buf[22];
  util::StoreBe64(buf, spi_i);
  util::StoreBe64(buf + 8, spi_r);
  util::StoreBe32(buf + 16, ep.addr);
  util::StoreBe16(buf + 20, ep.port);
  std::span<const uint8_t> parts[] = {buf};
  return Sha1(parts);
}

void IkeSa::AddNatNotifies(Message& m, uint64_t spi_i, uint64_t spi_r) {
  std::vector<uint8_t> src = NatHash(spi_i, spi_r, local_);
  // encap = yes: a source hash that cannot match makes both ends use UDP encapsulation.
  if (conn_.cfg->encap) ctx_.random().Fill(src);
  m.AddNotify(notify::kNatDetectionSourceIp, std::move(src));
  m.AddNotify(notify::kNatDetectionDestinationIp, NatHash(spi_i, spi_r, remote_));
}

void IkeSa::CheckNat(const Message& m, uint64_t spi_i, uint64_t spi_r, Endpoint local,
                     Endpoint remote) {
  bool have_src = false, src_match = false, have_dst = false, dst_match = false;
  const auto want_src = NatHash(spi_i, spi_r, remote);
  const auto want_dst = NatHash(spi_i, spi_r, local);
  for (const auto* n : m.Notifies()) {
    if (n->type == notify::kNatDetectionSourceIp) {
      have_src = true;
      src_match |= n->data == want_src;
    } else if (n->type == notify::kNatDetectionDestinationIp) {
      have_dst = true;
      dst_match |= n->data == want_dst;
    }
  }
  if (!have_src || !have_dst) return;  // peer does not do NAT-T
  remote_nat_ = !src_match;
  local_nat_ = !dst_match;
  if (remote_nat_ || local_nat_)
    Log(LogLevel::kInfo, std::string("NAT detected: ") + (local_nat_ ? "we are" : "") +
                             (local_nat_ && remote_nat_ ? " and " : "") +
                             (remote_nat_ ? "peer is" : "") + " behind NAT (or faking it)");
}

void IkeSa::FloatTo4500() {
  if (local_.port == 4500) return;
  local_.port = 4500;
  remote_.port = 4500;
}

Status IkeSa::SetupIkeKeys(std::span<const uint8_t> g_ir, const Prf* old_prf,
                           std::span<const uint8_t> old_sk_d) {
  auto prf = Prf::Create(alg_.prf);
  if (!prf) return tl::unexpected(prf.error());
  prf_.emplace(std::move(*prf));
  auto seed =
      old_prf ? RekeySkeyseed(*old_prf, old_sk_d, g_ir, ni_, nr_) : Skeyseed(*prf_, ni_, nr_, g_ir);
  if (!seed) return tl::unexpected(seed.error());
  const size_t el = SkCipher::EncrKeySize(alg_.encr, alg_.encr_bits);
  const size_t il = SkCipher::IntegKeySize(alg_.integ);
  auto keys = ike::DeriveIkeKeys(*prf_, seed->span(), ni_, nr_, spi_i_, spi_r_, el, il);
  if (!keys) return tl::unexpected(keys.error());
  keys_ = std::move(*keys);
  auto ci = SkCipher::Create(alg_.encr, alg_.encr_bits, alg_.integ, keys_.sk_ei.Clone(),
                             keys_.sk_ai.Clone());
  auto cr = SkCipher::Create(alg_.encr, alg_.encr_bits, alg_.integ, keys_.sk_er.Clone(),
                             keys_.sk_ar.Clone());
  if (!ci) return tl::unexpected(ci.error());
  if (!cr) return tl::unexpected(cr.error());
  out_cipher_.emplace(std::move(initiator_ ? *ci : *cr));
  in_cipher_.emplace(std::move(initiator_ ? *cr : *ci));
  return {};
}

Message IkeSa::BuildInitRequest() {
  Message m = NewMessage(ExchangeType::kIkeSaInit, false, 0);
  if (!cookie_.empty()) m.AddNotify(notify::kCookie, cookie_);
  m.Add(PayloadType::kSa, ToWire(conn_.ike, {}));
  m.Add(PayloadType::kKe,
        KePayload{uint16_t(dh_->group()), {dh_->PublicValue().begin(), dh_->PublicValue().end()}});
  m.Add(PayloadType::kNonce, NoncePayload{ni_});
  AddNatNotifies(m, spi_i_, 0);
  if (conn_.certs()) m.AddNotify(notify::kSignatureHashAlgorithms, {0, 2, 0, 3, 0, 4});
  return m;
}

void IkeSa::StartInitiator(const ParsedChild* child) {
  first_child_ = child;
  ni_ = ctx_.Nonce();
  DhGroup group = DhGroup::kNone;
  for (const auto& t : conn_.ike.front().transforms)
    if (t.type == uint8_t(TransformType::kDh)) {
      group = static_cast<DhGroup>(t.id);
      break;
    }
  auto dh = DhKey::Generate(group, ctx_.random());
  if (!dh) return Abort("DH key generation failed: " + dh.error().message);
  dh_.emplace(std::move(*dh));
  Log(LogLevel::kInfo, "initiating IKE_SA to " + remote_.ToString());
  SendRequest(Pending{Task{Task::Kind::kCreateChild, child}}, BuildInitRequest());
}

void IkeSa::ProcessInitResponse(const Datagram& d, const Message& msg,
                                std::span<const uint8_t> bytes) {
  if (const auto* c = msg.FindNotify(notify::kCookie)) {
    if (c->data.empty() || c->data.size() > 64 || c->data == cookie_)
      return Abort("responder keeps demanding a COOKIE; giving up");
    cookie_ = c->data;
    Log(LogLevel::kInfo, "responder demands a COOKIE (RFC 7296 2.6), retrying IKE_SA_INIT");
    return SendRequest(Pending{Task{Task::Kind::kCreateChild, first_child_}}, BuildInitRequest());
  }
  if (const auto* n = msg.FindNotify(notify::kInvalidKePayload)) {
    if (n->data.size() != 2) return Abort("malformed INVALID_KE_PAYLOAD");
    const uint16_t want = util::LoadBe16(n->data.data());
    std::vector<std::string> ours;
    bool offered = false;
    for (const auto& spec : conn_.ike)
      for (const auto& t : spec.transforms)
        if (t.type == uint8_t(TransformType::kDh)) {
          offered |= t.id == want;
          ours.push_back(TransformName(TransformType::kDh, t.id, 0));
        }
    const std::string wname = TransformName(TransformType::kDh, want, 0);
    if (!offered || want == uint16_t(dh_->group()))
      return Abort("peer asks for DH group " + wname +
                   " (INVALID_KE_PAYLOAD), which we do not offer");
    Log(LogLevel::kInfo, "peer prefers DH group " + wname + " over " +
                             TransformName(TransformType::kDh, uint16_t(dh_->group()), 0) +
                             " (INVALID_KE_PAYLOAD), retrying");
    auto dh = DhKey::Generate(static_cast<DhGroup>(want), ctx_.random());
    if (!dh) return Abort("DH key generation failed: " + dh.error().message);
    dh_.emplace(std::move(*dh));
    return SendRequest(Pending{Task{Task::Kind::kCreateChild, first_child_}}, BuildInitRequest());
  }
  if (const auto* e = msg.FirstError()) {
    std::string ours;
    for (const auto& s : conn_.ike) ours += (ours.empty() ? "" : ",") + s.text;
    return Abort("IKE_SA_INIT failed: peer answered N(" + NotifyName(e->type) + ")" +
                 (e->type == notify::kNoProposalChosen ? " to our proposals {" + ours + "}" : ""));
  }
  const auto* sa = msg.Find<SaPayload>(PayloadType::kSa);
  const auto* ke = msg.Find<KePayload>(PayloadType::kKe);
  const auto* nr = msg.Find<NoncePayload>(PayloadType::kNonce);
  if (!sa || !ke || !nr || msg.header.spi_r == 0)
    return Abort("IKE_SA_INIT response lacks SA, KE, Nr or SPIr: " + msg.Summary());
  if (sa->proposals.size() != 1) return Abort("IKE_SA_INIT response with several proposals");
  auto sel = SelectProposal(conn_.ike, *sa, false);
  if (!sel) return Abort("responder chose a proposal we did not offer: " + sel.error().message);
  if (ke->group != uint16_t(sel->dh) || sel->dh != dh_->group())
    return Abort("responder's KE group " + TransformName(TransformType::kDh, ke->group, 0) +
                 " does not match the selected " +
                 TransformName(TransformType::kDh, uint16_t(sel->dh), 0));
  alg_ = *sel;
  spi_r_ = msg.header.spi_r;
  nr_ = nr->data;
  init_response_.assign(bytes.begin(), bytes.end());
  CheckNat(msg, spi_i_, spi_r_, d.local, d.remote);
  auto g_ir = dh_->Derive(ke->data);
  if (!g_ir) return Abort("DH with the responder's KE failed: " + g_ir.error().message);
  if (auto ok = SetupIkeKeys(g_ir->span(), nullptr, {}); !ok)
    return Abort("IKE key derivation failed: " + ok.error().message);
  Log(LogLevel::kInfo, "IKE_SA_INIT done, selected " + alg_.ToString());
  if (local_nat_ || remote_nat_ || conn_.cfg->encap) FloatTo4500();
  send_id_ = 1;
  state_ = State::kAuthSent;
  SendAuthRequest();
}

void IkeSa::RespondInit(const Datagram& d, const Message& req, std::span<const uint8_t> bytes,
                        const Selected& sel, const KePayload& ke) {
  local_ = d.local;
  remote_ = d.remote;
  spi_i_ = req.header.spi_i;
  alg_ = sel;
  ni_ = req.Find<NoncePayload>(PayloadType::kNonce)->data;
  nr_ = ctx_.Nonce();
  init_request_.assign(bytes.begin(), bytes.end());
  auto dh = DhKey::Generate(sel.dh, ctx_.random());
  if (!dh) return Abort("DH key generation failed: " + dh.error().message);
  dh_.emplace(std::move(*dh));
  auto g_ir = dh_->Derive(ke.data);
  if (!g_ir) return Abort("DH with the initiator's KE failed: " + g_ir.error().message);
  CheckNat(req, spi_i_, 0, d.local, d.remote);
  if (auto ok = SetupIkeKeys(g_ir->span(), nullptr, {}); !ok)
    return Abort("IKE key derivation failed: " + ok.error().message);
  Message resp = NewMessage(ExchangeType::kIkeSaInit, true, 0);
  resp.Add(PayloadType::kSa, SaPayload{{ToWire(sel, {})}});
  resp.Add(PayloadType::kKe,
           KePayload{uint16_t(sel.dh), {dh_->PublicValue().begin(), dh_->PublicValue().end()}});
  resp.Add(PayloadType::kNonce, NoncePayload{nr_});
  AddNatNotifies(resp, spi_i_, spi_r_);
  if (conn_.trust)
    resp.Add(PayloadType::kCertReq, CertPayload{kCertX509Signature, conn_.trust->CaKeyHash()});
  if (conn_.certs()) resp.AddNotify(notify::kSignatureHashAlgorithms, {0, 2, 0, 3, 0, 4});
  Log(LogLevel::kInfo,
      "responding to IKE_SA_INIT from " + d.remote.ToString() + ", selected " + sel.ToString());
  SendResponse(d, std::move(resp));
  init_response_ = last_response_;
}

}  // namespace ipsec::ike
