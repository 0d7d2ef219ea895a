// Exchanges we initiate once the IKE SA is up (CREATE_CHILD_SA, INFORMATIONAL) and their
// responder sides: new child, child rekey (+PFS), IKE SA rekey, delete, liveness (DPD).
#include <algorithm>

#include "hw/util/endian.h"
#include "ike/exchange/ike_sa.h"

namespace ipsec::ike {
namespace {

std::vector<uint8_t> Spi32(uint32_t spi) {
  std::vector<uint8_t> v(4);
  util::StoreBe32(v.data(), spi);
  return v;
}

std::vector<uint8_t> Spi64(uint64_t spi) {
  std::vector<uint8_t> v(8);
  util::StoreBe64(v.data(), spi);
  return v;
}

bool NonceLess(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

void IkeSa::QueueCreateChild(const ParsedChild* child) {
  tasks_.push_back({Task::Kind::kCreateChild, child});
  NextTask();
}
void IkeSa::QueueRekeyChild(uint32_t spi_in) {
  tasks_.push_back({Task::Kind::kRekeyChild, nullptr, spi_in});
  NextTask();
}
void IkeSa::QueueDeleteChild(uint32_t spi_in) {
  tasks_.push_back({Task::Kind::kDeleteChild, nullptr, spi_in});
  NextTask();
}
void IkeSa::QueueRekeyIke() {
  tasks_.push_back({Task::Kind::kRekeyIke});
  NextTask();
}
void IkeSa::QueueDeleteIke() {
  tasks_.push_back({Task::Kind::kDeleteIke});
  NextTask();
}

void IkeSa::StartTask(const Task& t) {
  Pending p{t};
  switch (t.kind) {
    case Task::Kind::kCreateChild: {
      Message m = NewMessage(ExchangeType::kCreateChildSa, false, send_id_);
      AddChildRequestPayloads(m, *t.child, p, false, nullptr);
      return SendRequest(std::move(p), std::move(m));
    }
    case Task::Kind::kRekeyChild: {
      Child* c = MutableChildByIn(t.spi_in);
      if (!c || c->state != Child::State::kInstalled) return NextTask();
      c->state = Child::State::kRekeying;
      c->peer_rekeyed = false;
      Message m = NewMessage(ExchangeType::kCreateChildSa, false, send_id_);
      m.AddNotify(notify::kRekeySa, {}, kProtoEsp, Spi32(c->spi_in));
      AddChildRequestPayloads(m, *c->cfg, p, false, c);
      Log(LogLevel::kInfo,
          "rekeying CHILD_SA " + c->cfg->cfg->name + "{" + std::to_string(c->unique_id) + "}");
      return SendRequest(std::move(p), std::move(m));
    }
    case Task::Kind::kDeleteChild: {
      Child* c = MutableChildByIn(t.spi_in);
      if (!c || c->state == Child::State::kDeleting) return NextTask();
      c->state = Child::State::kDeleting;
      Message m = NewMessage(ExchangeType::kInformational, false, send_id_);
      m.Add(PayloadType::kDelete, DeletePayload{kProtoEsp, 4, {Spi32(c->spi_in)}});
      return SendRequest(std::move(p), std::move(m));
    }
    case Task::Kind::kRekeyIke: {
      if (replaced_) return NextTask();
      p.new_ike_spi = ctx_.NewIkeSpi();
      p.nonce = ctx_.Nonce();
      auto dh = DhKey::Generate(alg_.dh, ctx_.random());
      if (!dh) return Abort("DH key generation failed");
      Message m = NewMessage(ExchangeType::kCreateChildSa, false, send_id_);
      m.Add(PayloadType::kSa, ToWire(conn_.ike, Spi64(p.new_ike_spi)));
      m.Add(PayloadType::kNonce, NoncePayload{p.nonce});
      m.Add(PayloadType::kKe,
            KePayload{uint16_t(alg_.dh), {dh->PublicValue().begin(), dh->PublicValue().end()}});
      p.dh.emplace(std::move(*dh));
      Log(LogLevel::kInfo, "rekeying IKE_SA");
      return SendRequest(std::move(p), std::move(m));
    }
    case Task::Kind::kDeleteIke: {
      state_ = State::kDeleting;
      Message m = NewMessage(ExchangeType::kInformational, false, send_id_);
      m.Add(PayloadType::kDelete, DeletePayload{kProtoIke, 0, {}});
      Log(LogLevel::kInfo, "deleting IKE_SA");
      return SendRequest(std::move(p), std::move(m));
    }
    case Task::Kind::kDpd: {
      Message m = NewMessage(ExchangeType::kInformational, false, send_id_);
      return SendRequest(std::move(p), std::move(m));
    }
  }
}

void IkeSa::ResolveRekeyCollision(uint32_t old_spi_in, uint32_t new_spi_in,
                                  std::span<const uint8_t> ni, std::span<const uint8_t> nr) {
  Child* old = MutableChildByIn(old_spi_in);
  if (!old) return;
  if (!old->peer_rekeyed) {
    QueueDeleteChild(old_spi_in);  // normal rekey: the initiator deletes the old SA
    return;
  }
  // 2.8.1: the SA created with the lowest nonce is redundant; its creator deletes it.
  auto ours = NonceLess(ni, nr) ? ni : nr;
  const bool we_lost = NonceLess(ours, old->peer_rekey_min_nonce);
  Log(LogLevel::kInfo, std::string("CHILD_SA rekey collision: ") +
                           (we_lost ? "our new SA is redundant, deleting it"
                                    : "the peer's new SA is redundant; deleting the old SA"));
  QueueDeleteChild(we_lost ? new_spi_in : old_spi_in);
}

void IkeSa::ProcessCreateChildResponse(const Message& msg) {
  Pending& p = *pending_;
  const auto* nr = msg.Find<NoncePayload>(PayloadType::kNonce);
  if (p.task.kind == Task::Kind::kRekeyIke) {
    const auto* sa = msg.Find<SaPayload>(PayloadType::kSa);
    const auto* ke = msg.Find<KePayload>(PayloadType::kKe);
    auto retry_later = [&](const std::string& why) {
      Log(LogLevel::kWarn, "IKE_SA rekey failed: " + why + "; retrying later");
      rekey_at_ = ctx_.Now() + std::chrono::seconds(10 + ctx_.random().U32() % 20);
    };
    if (const auto* e = msg.FirstError())
      return retry_later("peer answered N(" + NotifyName(e->type) + ")");
    if (!sa || !ke || !nr || sa->proposals.size() != 1)
      return retry_later("response lacks SA, KE or Nr");
    auto sel = SelectProposal(conn_.ike, *sa, false);
    if (!sel || sel->spi.size() != 8 || ke->group != uint16_t(sel->dh) || sel->dh != p.dh->group())
      return retry_later("unacceptable SA/KE in response");
    auto g_ir = p.dh->Derive(ke->data);
    if (!g_ir) return retry_later(g_ir.error().message);
    auto n = MakeRekeyedIkeSa(p.new_ike_spi, util::LoadBe64(sel->spi.data()), *sel, p.nonce,
                              nr->data, g_ir->span(), true);
    if (!n) return retry_later("key derivation failed");
    if (ike_collision_) {
      // 2.8.2: the new IKE SA created with the lowest nonce is redundant; its initiator deletes
      // it. The winner moves the children into its new SA and deletes the old one.
      auto ours = NonceLess(p.nonce, nr->data) ? std::span<const uint8_t>(p.nonce)
                                               : std::span<const uint8_t>(nr->data);
      const bool we_lost = NonceLess(ours, ike_collision_->second);
      IkeSa* theirs = ctx_.find_sa(ike_collision_->first);
      ike_collision_.reset();
      Log(LogLevel::kInfo, std::string("IKE_SA rekey collision: ") +
                               (we_lost ? "our new IKE_SA is redundant, deleting it"
                                        : "the peer's new IKE_SA is redundant"));
      IkeSa* raw = n.get();
      if (!we_lost && theirs) {
        raw->children_ = std::move(theirs->children_);
        theirs->children_.clear();
        theirs->replaced_ = true;
      }
      ctx_.adopted.push_back(std::move(n));
      if (we_lost) {
        raw->replaced_ = true;
        raw->QueueDeleteIke();
      } else {
        tasks_.push_front({Task::Kind::kDeleteIke});
      }
      return;
    }
    ctx_.adopted.push_back(std::move(n));
    tasks_.push_front({Task::Kind::kDeleteIke});
    return;
  }
  // PFS group refused (1.3, 3.10.1): retry once with the group the responder wants.
  if (const auto* ike = msg.FindNotify(notify::kInvalidKePayload);
      ike && ike->data.size() == 2 && p.task.pfs_override == DhGroup::kNone) {
    const uint16_t want = util::LoadBe16(ike->data.data());
    const ParsedChild* pc = p.task.child;
    if (Child* c = MutableChildByIn(p.task.spi_in)) {
      pc = c->cfg;
      if (c->state == Child::State::kRekeying) c->state = Child::State::kInstalled;
    }
    bool offered = false;
    for (const auto& spec : pc->esp)
      for (const auto& t : spec.transforms)
        offered |= t.type == uint8_t(TransformType::kDh) && t.id == want;
    ctx_.ReleaseChildSpi(p.new_spi_in);
    const std::string wname = TransformName(TransformType::kDh, want, 0);
    if (!offered) {
      Log(LogLevel::kError, "CHILD_SA " + pc->cfg->name + ": peer wants PFS group " + wname +
                                ", which our esp_proposals do not offer");
      return;
    }
    Log(LogLevel::kInfo, "CHILD_SA " + pc->cfg->name + ": peer prefers PFS group " + wname +
                             " (INVALID_KE_PAYLOAD), retrying");
    Task retry = p.task;
    retry.pfs_override = static_cast<DhGroup>(want);
    tasks_.push_front(retry);
    return;
  }
  std::optional<util::SecretBytes> g_ir;
  if (!msg.FirstError()) {
    if (!nr) {
      Log(LogLevel::kError, "CREATE_CHILD_SA response without Nr");
      return;
    }
    if (p.dh) {
      const auto* ke = msg.Find<KePayload>(PayloadType::kKe);
      auto s = ke && ke->group == uint16_t(p.dh->group())
                   ? p.dh->Derive(ke->data)
                   : Result<util::SecretBytes>(util::Fail(Errc::kInvalidKe, "missing KEr"));
      if (!s) {
        Log(LogLevel::kError, "CHILD_SA PFS failed: " + s.error().message);
        ctx_.ReleaseChildSpi(p.new_spi_in);
        if (Child* c = MutableChildByIn(p.task.spi_in)) c->state = Child::State::kInstalled;
        return;
      }
      g_ir = std::move(*s);
    }
  }
  std::span<const uint8_t> nr_data =
      nr ? std::span<const uint8_t>(nr->data) : std::span<const uint8_t>();
  std::span<const uint8_t> gir = g_ir ? g_ir->span() : std::span<const uint8_t>();
  if (p.task.kind == Task::Kind::kCreateChild) {
    ProcessChildResponse(msg, p, p.nonce, nr_data, gir, false, nullptr);
    return;
  }
  // Child rekey.
  Child* old = MutableChildByIn(p.task.spi_in);
  if (!old) {
    ctx_.ReleaseChildSpi(p.new_spi_in);
    return;
  }
  if (const auto* e = msg.FirstError()) {
    Log(LogLevel::kWarn, "CHILD_SA rekey refused: N(" + NotifyName(e->type) + ")");
    ctx_.ReleaseChildSpi(p.new_spi_in);
    if (old->state == Child::State::kRekeying) {
      old->state = Child::State::kInstalled;
      old->rekey_at = ctx_.Now() + std::chrono::seconds(5 + ctx_.random().U32() % 10);
    }
    return;
  }
  const uint32_t old_spi = old->spi_in;
  uint32_t new_spi = ProcessChildResponse(msg, p, p.nonce, nr_data, gir, false, old);
  if (new_spi == 0) {
    if (Child* o = MutableChildByIn(old_spi); o && o->state == Child::State::kRekeying)
      o->state = Child::State::kInstalled;
    return;
  }
  ResolveRekeyCollision(old_spi, new_spi, p.nonce, nr_data);
}

void IkeSa::ProcessCreateChildRequest(const Datagram& d, Message& msg) {
  Message resp = NewMessage(ExchangeType::kCreateChildSa, true, msg.header.message_id);
  const auto* sa = msg.Find<SaPayload>(PayloadType::kSa);
  const auto* ni = msg.Find<NoncePayload>(PayloadType::kNonce);
  if (!sa || !ni || sa->proposals.empty()) {
    resp.AddNotify(notify::kInvalidSyntax);
    return SendResponse(d, std::move(resp));
  }
  if (state_ == State::kDeleting || replaced_) {
    resp.AddNotify(notify::kTemporaryFailure);
    return SendResponse(d, std::move(resp));
  }
  if (sa->proposals.front().protocol == kProtoIke) {
    // IKE SA rekey (1.3.2). If ours is in flight too, both complete and the nonces decide which
    // new SA survives (2.8.2, resolved in ProcessCreateChildResponse).
    const bool collision = pending_ && pending_->task.kind == Task::Kind::kRekeyIke;
    auto sel = SelectProposal(conn_.ike, *sa, false);
    const auto* ke = msg.Find<KePayload>(PayloadType::kKe);
    if (!sel || sel->spi.size() != 8) {
      Log(LogLevel::kError, "IKE_SA rekey: " + (sel ? "bad SPI size" : sel.error().message));
      resp.AddNotify(notify::kNoProposalChosen);
      return SendResponse(d, std::move(resp));
    }
    if (!ke || ke->group != uint16_t(sel->dh)) {
      std::vector<uint8_t> g(2);
      util::StoreBe16(g.data(), uint16_t(sel->dh));
      resp.AddNotify(notify::kInvalidKePayload, g);
      return SendResponse(d, std::move(resp));
    }
    auto dh = DhKey::Generate(sel->dh, ctx_.random());
    auto g_ir = dh ? dh->Derive(ke->data) : Result<util::SecretBytes>(tl::unexpected(dh.error()));
    if (!g_ir) {
      resp.AddNotify(notify::kInvalidSyntax);
      return SendResponse(d, std::move(resp));
    }
    const uint64_t new_spi_r = ctx_.NewIkeSpi();
    auto nr = ctx_.Nonce();
    auto n = MakeRekeyedIkeSa(util::LoadBe64(sel->spi.data()), new_spi_r, *sel, ni->data, nr,
                              g_ir->span(), false);
    if (!n) {
      resp.AddNotify(notify::kNoProposalChosen);
      return SendResponse(d, std::move(resp));
    }
    if (collision) {
      auto m = NonceLess(ni->data, nr) ? std::span<const uint8_t>(ni->data)
                                       : std::span<const uint8_t>(nr);
      ike_collision_.emplace(new_spi_r, std::vector<uint8_t>(m.begin(), m.end()));
    }
    resp.Add(PayloadType::kSa, SaPayload{{ToWire(*sel, Spi64(new_spi_r))}});
    resp.Add(PayloadType::kNonce, NoncePayload{nr});
    resp.Add(PayloadType::kKe,
             KePayload{uint16_t(sel->dh), {dh->PublicValue().begin(), dh->PublicValue().end()}});
    SendResponse(d, std::move(resp));
    ctx_.adopted.push_back(std::move(n));
    return;
  }
  Child* rekeying = nullptr;
  if (const auto* rk = msg.FindNotify(notify::kRekeySa)) {
    if (rk->spi.size() == 4) rekeying = FindChildByOut(util::LoadBe32(rk->spi.data()));
    if (!rekeying) {
      resp.AddNotify(notify::kChildSaNotFound, {}, kProtoEsp, rk->spi);
      return SendResponse(d, std::move(resp));
    }
    if (rekeying->state == Child::State::kRekeyed || rekeying->state == Child::State::kDeleting) {
      resp.AddNotify(notify::kTemporaryFailure);
      return SendResponse(d, std::move(resp));
    }
  }
  RespondChild(msg, resp, rekeying, false, ni->data);
  SendResponse(d, std::move(resp));
}

void IkeSa::RemoveChild(uint32_t spi_in, DownReason reason) {
  auto it = std::find_if(children_.begin(), children_.end(),
                         [&](const Child& c) { return c.spi_in == spi_in; });
  if (it == children_.end()) return;
  if (it->state == Child::State::kRekeyed) reason = DownReason::kRekeyed;
  Log(LogLevel::kInfo, "CHILD_SA " + it->cfg->cfg->name + "{" + std::to_string(it->unique_id) +
                           "} down (" + DownReasonName(reason) + ")");
  ctx_.deps.sink->ChildDown(it->Id(conn_), reason);
  ctx_.stats->child_down++;
  ctx_.ReleaseChildSpi(spi_in);
  children_.erase(it);
}

void IkeSa::ProcessInformationalRequest(const Datagram& d, Message& msg) {
  Message resp = NewMessage(ExchangeType::kInformational, true, msg.header.message_id);
  DeletePayload answer{kProtoEsp, 4, {}};
  for (const auto& p : msg.payloads) {
    const auto* del = std::get_if<DeletePayload>(&p.body);
    if (!del) continue;
    if (del->protocol == kProtoIke) {
      Log(LogLevel::kInfo, "peer deleted the IKE_SA");
      SendResponse(d, std::move(resp));
      Kill(DownReason::kPeerDeleted);
      return;
    }
    if (del->protocol != kProtoEsp || del->spi_size != 4) continue;
    for (const auto& spi : del->spis) {
      Child* c = FindChildByOut(util::LoadBe32(spi.data()));
      if (!c) continue;
      if (c->state != Child::State::kDeleting) answer.spis.push_back(Spi32(c->spi_in));
      RemoveChild(c->spi_in, DownReason::kPeerDeleted);
    }
  }
  if (!answer.spis.empty()) resp.Add(PayloadType::kDelete, std::move(answer));
  SendResponse(d, std::move(resp));
}

void IkeSa::ProcessInformationalResponse(const Message& msg) {
  const Pending& p = *pending_;
  switch (p.task.kind) {
    case Task::Kind::kDeleteChild:
      RemoveChild(p.task.spi_in, DownReason::kDeleted);
      break;
    case Task::Kind::kDeleteIke:
      Kill(DownReason::kDeleted);
      break;
    default:
      break;  // DPD: the answer itself is the proof of life
  }
}

std::unique_ptr<IkeSa> IkeSa::MakeRekeyedIkeSa(uint64_t spi_i, uint64_t spi_r, const Selected& alg,
                                               std::span<const uint8_t> ni,
                                               std::span<const uint8_t> nr,
                                               std::span<const uint8_t> g_ir, bool initiator) {
  auto n = std::make_unique<IkeSa>(ctx_, conn_, initiator, local_, remote_);
  n->spi_i_ = spi_i;
  n->spi_r_ = spi_r;
  n->alg_ = alg;
  n->ni_.assign(ni.begin(), ni.end());
  n->nr_.assign(nr.begin(), nr.end());
  if (auto ok = n->SetupIkeKeys(g_ir, &*prf_, keys_.sk_d.span()); !ok) {
    Log(LogLevel::kError, "IKE_SA rekey key derivation failed: " + ok.error().message);
    return nullptr;
  }
  n->state_ = State::kEstablished;
  n->peer_id_ = peer_id_;
  n->local_nat_ = local_nat_;
  n->remote_nat_ = remote_nat_;
  n->ScheduleIkeTimers();
  // The children move to the new IKE SA (2.18); later CHILD_SAs take keys from its SK_d.
  n->children_ = std::move(children_);
  children_.clear();
  replaced_ = true;
  Log(LogLevel::kInfo, "IKE_SA rekeyed, new SPIs " + n->Tag());
  ctx_.deps.sink->IkeUp(conn_.cfg->name, spi_i, spi_r);
  return n;
}

}  // namespace ipsec::ike
