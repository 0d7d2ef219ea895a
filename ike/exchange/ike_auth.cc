// IKE_AUTH (RFC 7296 1.2, 2.15) for both roles: PSK, or certificates with RFC 7427 digital
// signatures (RSA / ECDSA, OpenSSL X.509), and the first CHILD_SA.
#include <algorithm>

#include "hw/util/endian.h"
#include "ike/exchange/ike_sa.h"

namespace ipsec::ike {
namespace {

bool IdMatches(const std::string& configured, const std::string& actual) {
  return configured == "%any" || configured == actual;
}

std::string MethodName(uint8_t m) {
  switch (m) {
    case kAuthPsk:
      return "psk (2)";
    case kAuthRsaSig:
      return "RSA signature (1)";
    case kAuthEcdsa256:
      return "ECDSA-256 (9)";
    case kAuthEcdsa384:
      return "ECDSA-384 (10)";
    case kAuthDigitalSignature:
      return "digital signature (14)";
  }
  return "method " + std::to_string(m);
}

}  // namespace

std::string IkeSa::OurIdString() const { return IdToString(conn_.local_id); }

Result<util::SecretBytes> IkeSa::ComputeAuth(bool for_initiator, const IdPayload& id) {
  const Secret* s = ctx_.FindPsk(OurIdString(), peer_id_);
  if (s == nullptr)
    return util::Fail(Errc::kAuthFailed,
                      "no PSK configured for '" + OurIdString() + "' - '" + peer_id_ + "'");
  std::span<const uint8_t> psk(reinterpret_cast<const uint8_t*>(s->secret.data()),
                               s->secret.size());
  const auto& real = for_initiator ? init_request_ : init_response_;
  const auto& nonce = for_initiator ? nr_ : ni_;
  const auto& sk_p = for_initiator ? keys_.sk_pi : keys_.sk_pr;
  return PskAuth(*prf_, psk, real, nonce, sk_p.span(), id.Body());
}

Result<AuthPayload> IkeSa::BuildAuth(bool for_initiator, const IdPayload& id) {
  if (!conn_.cred) {
    auto mic = ComputeAuth(for_initiator, id);
    if (!mic) return tl::unexpected(mic.error());
    return AuthPayload{kAuthPsk, {mic->data(), mic->data() + mic->size()}};
  }
  const auto& real = for_initiator ? init_request_ : init_response_;
  const auto& nonce = for_initiator ? nr_ : ni_;
  const auto& sk_p = for_initiator ? keys_.sk_pi : keys_.sk_pr;
  auto octets = SignedOctets(*prf_, real, nonce, sk_p.span(), id.Body());
  if (!octets) return tl::unexpected(octets.error());
  auto sig = conn_.cred->Sign(*octets);
  if (!sig) return tl::unexpected(sig.error());
  return AuthPayload{kAuthDigitalSignature, std::move(*sig)};
}

Status IkeSa::VerifyAuth(bool peer_is_initiator, const IdPayload& id, const AuthPayload& auth,
                         const Message& msg) {
  const bool want_psk = conn_.cfg->remote.auth == AuthMethod::kPsk;
  const uint8_t want = want_psk ? kAuthPsk : kAuthDigitalSignature;
  if (auth.method != want)
    return util::Fail(Errc::kAuthFailed, "auth method mismatch: peer uses " +
                                             MethodName(auth.method) + ", connection '" +
                                             conn_.cfg->name + "' expects " +
                                             (want_psk ? "psk" : "pubkey (RFC 7427 signature)"));
  if (want_psk) {
    auto expect = ComputeAuth(peer_is_initiator, id);
    if (!expect) return tl::unexpected(expect.error());
    if (!ConstantTimeEqual(expect->span(), auth.data))
      return util::Fail(Errc::kAuthFailed, "AUTH mismatch: peer '" + peer_id_ +
                                               "' did not prove the PSK we hold for it (wrong "
                                               "secret on either side?)");
    return {};
  }
  const auto* cert = msg.Find<CertPayload>(PayloadType::kCert);
  if (!cert || cert->encoding != kCertX509Signature)
    return util::Fail(Errc::kAuthFailed, "peer '" + peer_id_ + "' sent no X.509 CERT payload");
  auto x = conn_.trust->Verify(cert->data);
  if (!x) return tl::unexpected(x.error());
  if (auto ok = CheckIdentity(x->get(), id.id_type, id.data); !ok)
    return util::Fail(Errc::kAuthFailed,
                      "identity mismatch: peer ID '" + peer_id_ + "': " + ok.error().message);
  const auto& real = peer_is_initiator ? init_request_ : init_response_;
  const auto& nonce = peer_is_initiator ? nr_ : ni_;
  const auto& sk_p = peer_is_initiator ? keys_.sk_pi : keys_.sk_pr;
  auto octets = SignedOctets(*prf_, real, nonce, sk_p.span(), id.Body());
  if (!octets) return tl::unexpected(octets.error());
  return VerifySignature(x->get(), *octets, auth.data);
}

void IkeSa::SendAuthRequest() {
  Message m = NewMessage(ExchangeType::kIkeAuth, false, send_id_);
  m.Add(PayloadType::kIdi, conn_.local_id);
  if (conn_.cred)
    m.Add(PayloadType::kCert, CertPayload{kCertX509Signature, conn_.cred->cert_der()});
  if (conn_.trust)
    m.Add(PayloadType::kCertReq, CertPayload{kCertX509Signature, conn_.trust->CaKeyHash()});
  if (initial_contact_) m.AddNotify(notify::kInitialContact);
  if (conn_.remote_id != "%any") {
    auto idr = IdFromString(conn_.remote_id, remote_.addr);
    if (idr) m.Add(PayloadType::kIdr, *idr);
  }
  // Until the peer's identity is known, the PSK lookup uses the configured remote id.
  peer_id_ = conn_.remote_id;
  auto auth = BuildAuth(true, conn_.local_id);
  if (!auth) return Abort(auth.error().message);
  m.Add(PayloadType::kAuth, std::move(*auth));
  Pending p{Task{Task::Kind::kCreateChild, first_child_}};
  if (first_child_) AddChildRequestPayloads(m, *first_child_, p, true, nullptr);
  SendRequest(std::move(p), std::move(m));
}

void IkeSa::ProcessAuthRequest(const Datagram& d, Message& msg) {
  // The initiator may have floated to port 4500 (2.23): answer where the request came from.
  local_ = d.local;
  remote_ = d.remote;
  Message resp = NewMessage(ExchangeType::kIkeAuth, true, msg.header.message_id);
  const auto* idi = msg.Find<IdPayload>(PayloadType::kIdi);
  const auto* auth = msg.Find<AuthPayload>(PayloadType::kAuth);
  auto reject = [&](const std::string& why) {
    Log(LogLevel::kError, why);
    ctx_.stats->ike_failed++;
    resp.AddNotify(notify::kAuthenticationFailed);
    SendResponse(d, std::move(resp));
    Kill(DownReason::kIkeDown);
  };
  if (!idi || !auth) return reject("IKE_AUTH request without IDi or AUTH: " + msg.Summary());
  peer_id_ = IdToString(*idi);
  if (!IdMatches(conn_.remote_id, peer_id_))
    return reject("identity mismatch: peer IDi '" + peer_id_ + "' but connection '" +
                  conn_.cfg->name + "' expects remote id '" + conn_.remote_id + "'");
  if (const auto* idr = msg.Find<IdPayload>(PayloadType::kIdr)) {
    if (IdToString(*idr) != OurIdString())
      Log(LogLevel::kWarn, "peer asks for IDr '" + IdToString(*idr) + "', we are '" +
                               OurIdString() + "'; answering with ours");
  }
  if (auto ok = VerifyAuth(true, *idi, *auth, msg); !ok) return reject(ok.error().message);
  auto mine = BuildAuth(false, conn_.local_id);
  if (!mine) return reject(mine.error().message);
  resp.Add(PayloadType::kIdr, conn_.local_id);
  if (conn_.cred)
    resp.Add(PayloadType::kCert, CertPayload{kCertX509Signature, conn_.cred->cert_der()});
  resp.Add(PayloadType::kAuth, std::move(*mine));
  state_ = State::kEstablished;
  ctx_.stats->ike_up++;
  ScheduleIkeTimers();
  Log(LogLevel::kInfo, "IKE_SA established with '" + peer_id_ + "' at " + remote_.ToString());
  ctx_.deps.sink->IkeUp(conn_.cfg->name, spi_i_, spi_r_);
  if (msg.Find<SaPayload>(PayloadType::kSa)) RespondChild(msg, resp, nullptr, true, ni_);
  SendResponse(d, std::move(resp));
}

void IkeSa::ProcessAuthResponse(const Message& msg) {
  const auto* idr = msg.Find<IdPayload>(PayloadType::kIdr);
  const auto* auth = msg.Find<AuthPayload>(PayloadType::kAuth);
  if (!idr || !auth) {
    const auto* e = msg.FirstError();
    if (e && e->type == notify::kAuthenticationFailed)
      return Abort("peer rejected our authentication (AUTHENTICATION_FAILED): check the " +
                   std::string(conn_.cred ? "certificate" : "PSK") +
                   " and the identities (we are '" + OurIdString() + "', expecting '" +
                   conn_.remote_id + "')");
    return Abort("IKE_AUTH failed: " + (e ? "peer answered N(" + NotifyName(e->type) + ")"
                                          : "response lacks IDr or AUTH: " + msg.Summary()));
  }
  peer_id_ = IdToString(*idr);
  if (!IdMatches(conn_.remote_id, peer_id_))
    return Abort("identity mismatch: peer IDr '" + peer_id_ + "' but connection '" +
                 conn_.cfg->name + "' expects remote id '" + conn_.remote_id + "'");
  if (auto ok = VerifyAuth(false, *idr, *auth, msg); !ok) return Abort(ok.error().message);
  state_ = State::kEstablished;
  ctx_.stats->ike_up++;
  ScheduleIkeTimers();
  Log(LogLevel::kInfo, "IKE_SA established with '" + peer_id_ + "' at " + remote_.ToString());
  ctx_.deps.sink->IkeUp(conn_.cfg->name, spi_i_, spi_r_);
  if (first_child_ && pending_) ProcessChildResponse(msg, *pending_, ni_, nr_, {}, true, nullptr);
}

void IkeSa::ScheduleIkeTimers() {
  const auto now = ctx_.Now();
  const auto rk = conn_.cfg->rekey_time;
  if (rk.count() > 0) {
    // Up to 10% earlier, so that both ends do not start at the same instant (2.8.1).
    auto jitter = std::chrono::milliseconds(ctx_.random().U32() % (rk.count() / 10 + 1));
    rekey_at_ = now + rk - jitter;
  } else {
    rekey_at_ = TimePoint::max();
  }
  keepalive_at_ = now + ctx_.cfg.nat_keepalive;
}

}  // namespace ipsec::ike
