// CHILD_SA negotiation (IKE_AUTH and CREATE_CHILD_SA, RFC 7296 1.3, 2.17), child and IKE SA rekey
// (1.3.2, 1.3.3, 2.18) with the rekey-collision rule of 2.8.1.
#include <algorithm>
#include <cstring>

#include "hw/util/endian.h"
#include "ike/exchange/ike_sa.h"

namespace ipsec::ike {
namespace {

std::vector<uint8_t> Spi32(uint32_t spi) {
  std::vector<uint8_t> v(4);
  util::StoreBe32(v.data(), spi);
  return v;
}

// Lexicographic comparison of nonces (2.8.1: "the lowest of the four nonces").
bool NonceLess(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

std::vector<uint8_t> MinNonce(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  auto m = NonceLess(a, b) ? a : b;
  return {m.begin(), m.end()};
}

std::string Hex32(uint32_t v) {
  char b[9];
  std::snprintf(b, sizeof(b), "%08x", v);
  return b;
}

}  // namespace

void IkeSa::AddChildRequestPayloads(Message& m, const ParsedChild& child, Pending& p, bool in_auth,
                                    const Child* rekeying) {
  p.new_spi_in = ctx_.NewChildSpi();
  m.Add(PayloadType::kSa, ToWire(in_auth ? WithoutDh(child.esp) : child.esp, Spi32(p.new_spi_in)));
  if (!in_auth) {
    p.nonce = ctx_.Nonce();
    m.Add(PayloadType::kNonce, NoncePayload{p.nonce});
    const DhGroup pfs = p.task.pfs_override != DhGroup::kNone ? p.task.pfs_override : child.pfs;
    if (pfs != DhGroup::kNone) {
      auto dh = DhKey::Generate(pfs, ctx_.random());
      if (dh) {
        m.Add(PayloadType::kKe,
              KePayload{uint16_t(pfs), {dh->PublicValue().begin(), dh->PublicValue().end()}});
        p.dh.emplace(std::move(*dh));
      }
    }
  }
  if (rekeying) {
    p.local_ts = rekeying->local_ts;
    p.remote_ts = rekeying->remote_ts;
  } else {
    p.local_ts = *ParseTsList(child.cfg->local_ts, local_.addr);  // validated by Engine::Create
    p.remote_ts = *ParseTsList(child.cfg->remote_ts, remote_.addr);
  }
  m.Add(PayloadType::kTsi, ToWire(p.local_ts));
  m.Add(PayloadType::kTsr, ToWire(p.remote_ts));
  if (child.cfg->mode == Mode::kTransport) m.AddNotify(notify::kUseTransportMode);
}

void IkeSa::ScheduleChildTimers(Child& c) {
  const auto now = ctx_.Now();
  const auto rk = c.cfg->cfg->rekey_time;
  auto life = c.cfg->cfg->life_time;
  if (life.count() == 0) life = rk + rk / 10;
  if (rk.count() > 0) {
    auto jitter = std::chrono::milliseconds(ctx_.random().U32() % (rk.count() / 10 + 1));
    c.rekey_at = now + rk - jitter;
  } else {
    c.rekey_at = TimePoint::max();
  }
  c.expire_at = life.count() > 0 ? now + life : TimePoint::max();
}

Child* IkeSa::InstallChild(const ParsedChild& cfg, const Selected& alg, uint32_t spi_in,
                           uint32_t spi_out, std::vector<TsRange> local_ts,
                           std::vector<TsRange> remote_ts, Mode mode, bool initiator,
                           std::span<const uint8_t> ni, std::span<const uint8_t> nr,
                           std::span<const uint8_t> g_ir, Child* replaces) {
  const size_t key_len = alg.encr_bits / 8;
  auto keys = DeriveChildKeys(*prf_, keys_.sk_d.span(), g_ir, ni, nr, key_len + 4, 0);
  if (!keys) {
    Log(LogLevel::kError, "CHILD_SA key derivation failed: " + keys.error().message);
    return nullptr;
  }
  const util::SecretBytes& in = initiator ? keys->encr_r : keys->encr_i;
  const util::SecretBytes& out = initiator ? keys->encr_i : keys->encr_r;
  Child c;
  c.cfg = &cfg;
  c.unique_id = ctx_.next_unique++;
  c.spi_in = spi_in;
  c.spi_out = spi_out;
  c.alg = alg;
  c.local_ts = std::move(local_ts);
  c.remote_ts = std::move(remote_ts);
  c.mode = mode;
  c.initiator = initiator;
  ScheduleChildTimers(c);

  ChildSa ev;
  ev.connection = conn_.cfg->name;
  ev.child = cfg.cfg->name;
  ev.unique_id = c.unique_id;
  ev.initiator = initiator;
  ev.spi_in = spi_in;
  ev.spi_out = spi_out;
  ev.encr = alg.encr;
  ev.key_bits = alg.encr_bits;
  ev.key_in = util::SecretBytes(in.span().first(key_len));
  ev.salt_in = util::SecretBytes(in.span().subspan(key_len));
  ev.key_out = util::SecretBytes(out.span().first(key_len));
  ev.salt_out = util::SecretBytes(out.span().subspan(key_len));
  ev.local_ts = c.local_ts;
  ev.remote_ts = c.remote_ts;
  ev.mode = mode;
  ev.esn = alg.esn;
  ev.local = local_;
  ev.remote = remote_;
  ev.encap = local_nat_ || remote_nat_ || conn_.cfg->encap;
  ev.rekey_time = cfg.cfg->rekey_time;
  ev.life_time = cfg.cfg->life_time.count() ? cfg.cfg->life_time
                                            : cfg.cfg->rekey_time + cfg.cfg->rekey_time / 10;
  Log(LogLevel::kInfo, "CHILD_SA " + cfg.cfg->name + "{" + std::to_string(c.unique_id) + "} " +
                           (replaces ? "rekeyed" : "established") + " with SPIs " + Hex32(spi_in) +
                           "_i " + Hex32(spi_out) + "_o and TS " + ToString(c.local_ts) +
                           " === " + ToString(c.remote_ts) + " (" + alg.ToString() +
                           (mode == Mode::kTransport ? ", transport" : "") +
                           (ev.encap ? ", UDP-encap" : "") + ")");
  std::optional<ChildSaId> old;
  if (replaces) {
    old = replaces->Id(conn_);
    replaces->state = Child::State::kRekeyed;
  }
  children_.push_back(std::move(c));
  if (old) {
    ctx_.stats->child_rekeyed++;
    ctx_.deps.sink->ChildRekeyed(ev, *old);
  } else {
    ctx_.stats->child_up++;
    ctx_.deps.sink->ChildUp(ev);
  }
  return &children_.back();
}

uint32_t IkeSa::RespondChild(const Message& req, Message& resp, Child* rekeying, bool in_auth,
                             std::span<const uint8_t> ni) {
  const auto* sa = req.Find<SaPayload>(PayloadType::kSa);
  const auto* tsi = req.Find<TsPayload>(PayloadType::kTsi);
  const auto* tsr = req.Find<TsPayload>(PayloadType::kTsr);
  if (!sa || !tsi || !tsr) {
    Log(LogLevel::kError, "CHILD_SA request lacks SA, TSi or TSr: " + req.Summary());
    resp.AddNotify(notify::kInvalidSyntax);
    return 0;
  }
  const auto peer_tsi = FromWire(*tsi), peer_tsr = FromWire(*tsr);
  std::vector<const ParsedChild*> candidates;
  if (rekeying)
    candidates.push_back(rekeying->cfg);
  else
    for (const auto& c : conn_.children) candidates.push_back(&c);
  std::string errors;
  uint16_t error_notify = notify::kNoProposalChosen;
  for (const ParsedChild* pc : candidates) {
    auto sel = SelectProposal(in_auth ? WithoutDh(pc->esp) : pc->esp, *sa, in_auth);
    if (!sel) {
      errors += (errors.empty() ? "" : "; ") + pc->cfg->name + ": " + sel.error().message;
      continue;
    }
    std::vector<TsRange> ours_remote =
        rekeying ? rekeying->remote_ts : *ParseTsList(pc->cfg->remote_ts, remote_.addr);
    std::vector<TsRange> ours_local =
        rekeying ? rekeying->local_ts : *ParseTsList(pc->cfg->local_ts, local_.addr);
    auto remote_ts = Narrow(peer_tsi, ours_remote, "TSi", "remote_ts");
    auto local_ts = Narrow(peer_tsr, ours_local, "TSr", "local_ts");
    if (!remote_ts || !local_ts) {
      errors += (errors.empty() ? "" : "; ") + pc->cfg->name + ": " +
                (!remote_ts ? remote_ts.error().message : local_ts.error().message);
      error_notify = notify::kTsUnacceptable;
      continue;
    }
    if (sel->spi.size() != 4) {
      resp.AddNotify(notify::kInvalidSyntax);
      return 0;
    }
    // PFS (CREATE_CHILD_SA only): the KE must use the selected group.
    std::optional<DhKey> dh;
    util::SecretBytes g_ir;
    if (!in_auth && sel->dh != DhGroup::kNone) {
      const auto* ke = req.Find<KePayload>(PayloadType::kKe);
      if (!ke || ke->group != uint16_t(sel->dh)) {
        Log(LogLevel::kInfo,
            "CHILD_SA " + pc->cfg->name + ": peer's KE is " +
                (ke ? TransformName(TransformType::kDh, ke->group, 0) : "missing") +
                ", selected PFS group " + TransformName(TransformType::kDh, uint16_t(sel->dh), 0));
        std::vector<uint8_t> g(2);
        util::StoreBe16(g.data(), uint16_t(sel->dh));
        resp.AddNotify(notify::kInvalidKePayload, g);
        return 0;
      }
      auto k = DhKey::Generate(sel->dh, ctx_.random());
      if (!k) return 0;
      auto s = k->Derive(ke->data);
      if (!s) {
        Log(LogLevel::kError, "CHILD_SA PFS: " + s.error().message);
        resp.AddNotify(notify::kInvalidSyntax);
        return 0;
      }
      g_ir = std::move(*s);
      dh.emplace(std::move(*k));
    }
    const bool peer_transport = req.FindNotify(notify::kUseTransportMode) != nullptr;
    const bool we_transport = pc->cfg->mode == Mode::kTransport;
    if (peer_transport != we_transport)
      Log(LogLevel::kWarn, "mode mismatch for CHILD_SA " + pc->cfg->name + ": peer wants " +
                               (peer_transport ? "transport" : "tunnel") +
                               ", we are configured for " +
                               (we_transport ? "transport" : "tunnel") + "; using tunnel");
    const Mode mode = peer_transport && we_transport ? Mode::kTransport : Mode::kTunnel;
    const uint32_t spi_in = ctx_.NewChildSpi();
    const uint32_t spi_out = util::LoadBe32(sel->spi.data());
    std::vector<uint8_t> nr;
    resp.Add(PayloadType::kSa, SaPayload{{ToWire(*sel, Spi32(spi_in))}});
    if (!in_auth) {
      nr = ctx_.Nonce();
      resp.Add(PayloadType::kNonce, NoncePayload{nr});
      if (dh)
        resp.Add(PayloadType::kKe, KePayload{uint16_t(sel->dh),
                                             {dh->PublicValue().begin(), dh->PublicValue().end()}});
    }
    resp.Add(PayloadType::kTsi, ToWire(*remote_ts));
    resp.Add(PayloadType::kTsr, ToWire(*local_ts));
    if (mode == Mode::kTransport) resp.AddNotify(notify::kUseTransportMode);
    std::span<const uint8_t> n_r = in_auth ? std::span<const uint8_t>(nr_) : nr;
    if (rekeying && rekeying->state == Child::State::kRekeying) {
      // Collision (2.8.1): both ends rekey this child; remember this exchange's nonces.
      rekeying->peer_rekeyed = true;
      rekeying->peer_rekey_min_nonce = MinNonce(ni, n_r);
      rekeying->peer_rekey_new_spi_in = spi_in;
    }
    Child* c = InstallChild(*pc, *sel, spi_in, spi_out, std::move(*local_ts), std::move(*remote_ts),
                            mode, false, ni, n_r, g_ir.span(), rekeying);
    return c ? spi_in : 0;
  }
  Log(LogLevel::kError, "CHILD_SA negotiation failed: " + errors);
  resp.AddNotify(error_notify);
  return 0;
}

uint32_t IkeSa::ProcessChildResponse(const Message& msg, Pending& p, std::span<const uint8_t> ni,
                                     std::span<const uint8_t> nr, std::span<const uint8_t> g_ir,
                                     bool in_auth, Child* replaces) {
  const ParsedChild& pc = replaces ? *replaces->cfg : *p.task.child;
  auto give_up = [&](const std::string& why) -> uint32_t {
    Log(LogLevel::kError, "CHILD_SA " + pc.cfg->name + " failed: " + why);
    ctx_.ReleaseChildSpi(p.new_spi_in);
    return 0;
  };
  if (const auto* e = msg.FirstError()) {
    std::string detail;
    if (e->type == notify::kTsUnacceptable)
      detail = " to our TSi " + ToString(p.local_ts) + " TSr " + ToString(p.remote_ts);
    if (e->type == notify::kNoProposalChosen) {
      detail = " to our ESP proposals {";
      for (size_t i = 0; i < pc.esp.size(); ++i) detail += (i ? "," : "") + pc.esp[i].text;
      detail += "}";
    }
    return give_up("peer answered N(" + NotifyName(e->type) + ")" + detail);
  }
  const auto* sa = msg.Find<SaPayload>(PayloadType::kSa);
  const auto* tsi = msg.Find<TsPayload>(PayloadType::kTsi);
  const auto* tsr = msg.Find<TsPayload>(PayloadType::kTsr);
  if (!sa || !tsi || !tsr) return give_up("response lacks SA, TSi or TSr: " + msg.Summary());
  if (sa->proposals.size() != 1) return give_up("response with several proposals");
  auto sel = SelectProposal(in_auth ? WithoutDh(pc.esp) : pc.esp, *sa, in_auth);
  if (!sel) return give_up("peer chose a proposal we did not offer: " + sel.error().message);
  if (sel->spi.size() != 4) return give_up("peer's ESP SPI is not 4 bytes");
  auto got_tsi = FromWire(*tsi), got_tsr = FromWire(*tsr);
  for (const auto& t : got_tsi)
    if (std::none_of(p.local_ts.begin(), p.local_ts.end(), [&](auto& o) { return Contains(o, t); }))
      return give_up("TS mismatch: responder's TSi " + t.ToString() +
                     " is not inside our local_ts " + ToString(p.local_ts));
  for (const auto& t : got_tsr)
    if (std::none_of(p.remote_ts.begin(), p.remote_ts.end(),
                     [&](auto& o) { return Contains(o, t); }))
      return give_up("TS mismatch: responder's TSr " + t.ToString() +
                     " is not inside our remote_ts " + ToString(p.remote_ts));
  if (got_tsi.empty() || got_tsr.empty()) return give_up("no IPv4 traffic selectors in response");
  const Mode mode = msg.FindNotify(notify::kUseTransportMode) ? Mode::kTransport : Mode::kTunnel;
  if ((mode == Mode::kTransport) != (pc.cfg->mode == Mode::kTransport))
    Log(LogLevel::kWarn, std::string("mode mismatch: we asked for ") +
                             (pc.cfg->mode == Mode::kTransport ? "transport" : "tunnel") +
                             ", peer answered " +
                             (mode == Mode::kTransport ? "transport" : "tunnel"));
  Child* c =
      InstallChild(pc, *sel, p.new_spi_in, util::LoadBe32(sel->spi.data()), std::move(got_tsi),
                   std::move(got_tsr), mode, true, ni, nr, g_ir, replaces);
  return c ? p.new_spi_in : 0;
}

}  // namespace ipsec::ike
