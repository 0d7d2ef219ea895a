// Engine: configuration checks, IKE SA table, IKE_SA_INIT responder front end (connection
// choice, COOKIE, INVALID_KE_PAYLOAD: all stateless), timers and the espd-facing calls.
#include "ike/exchange/engine.h"

#include <algorithm>
#include <cstdio>

#include "hw/util/endian.h"
#include "ike/exchange/ike_sa.h"

namespace ipsec::ike {

LogFn StderrLog(LogLevel min) {
  return [min](LogLevel level, std::string_view line) {
    if (level < min) return;
    static constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
    std::fprintf(stderr, "ike: %s: %.*s\n", kNames[static_cast<int>(level)],
                 static_cast<int>(line.size()), line.data());
  };
}

const char* DownReasonName(DownReason r) {
  switch (r) {
    case DownReason::kDeleted:
      return "deleted";
    case DownReason::kPeerDeleted:
      return "deleted by peer";
    case DownReason::kRekeyed:
      return "rekeyed";
    case DownReason::kExpired:
      return "expired";
    case DownReason::kPeerDead:
      return "peer dead";
    case DownReason::kIkeDown:
      return "IKE SA down";
  }
  return "?";
}

Result<IdPayload> IdFromString(std::string_view text, uint32_t own_addr) {
  IdPayload id;
  if (text.empty()) {
    id.id_type = kIdIpv4Addr;
    id.data.resize(4);
    util::StoreBe32(id.data.data(), own_addr);
    return id;
  }
  if (auto a = ParseIpv4(text)) {
    id.id_type = kIdIpv4Addr;
    id.data.resize(4);
    util::StoreBe32(id.data.data(), *a);
    return id;
  }
  if (text.find('=') != std::string_view::npos)
    return Fail(Errc::kConfig,
                "distinguished-name identities need certificates: '" + std::string(text) + "'");
  if (text.front() == '@') {
    text.remove_prefix(1);
    id.id_type = kIdFqdn;
  } else {
    id.id_type = text.find('@') != std::string_view::npos ? kIdRfc822Addr : kIdFqdn;
  }
  id.data.assign(text.begin(), text.end());
  return id;
}

std::string IdToString(const IdPayload& id) {
  switch (id.id_type) {
    case kIdIpv4Addr:
      if (id.data.size() == 4) return Ipv4ToString(util::LoadBe32(id.data.data()));
      break;
    case kIdFqdn:
    case kIdRfc822Addr: {
      std::string s(id.data.begin(), id.data.end());
      bool printable = std::all_of(s.begin(), s.end(), [](char c) { return c >= 32 && c < 127; });
      if (printable) return s;
      break;
    }
    case kIdDerAsn1Dn:
      return DnString(id.data);
    default:
      break;
  }
  return "id" + std::to_string(id.id_type) + ":" + std::to_string(id.data.size()) + "bytes";
}

uint32_t Engine::Internal::NewChildSpi() {
  for (int tries = 0;; ++tries) {
    // The top byte is kept 0xc_ like strongSwan's, to stay clear of reserved SPIs 1..255.
    uint32_t spi = 0xc0000000u | (deps.random->U32() & 0x3fffffffu);
    if (spis_in.count(spi) != 0) continue;
    // After many refusals (a full table) take the candidate: the install then reports it.
    if (deps.accept_spi_in && tries < 4096 && !deps.accept_spi_in(spi)) continue;
    spis_in.insert(spi);
    return spi;
  }
}

const Secret* Engine::Internal::FindPsk(const std::string& local_id,
                                        const std::string& remote_id) const {
  const Secret* best = nullptr;
  int best_score = -1;
  for (const auto& s : cfg.secrets) {
    int score = 0;
    if (!s.ids.empty()) {
      for (const auto& id : s.ids) {
        auto norm = IdFromString(id, 0);
        std::string n = norm ? IdToString(*norm) : id;
        if (n == local_id) score += 1;
        if (n == remote_id) score += 2;
      }
      if (score == 0) continue;
    }
    if (score > best_score) {
      best = &s;
      best_score = score;
    }
  }
  return best;
}

Engine::Engine(Config config, Deps deps) : in_(std::make_unique<Internal>()) {
  in_->cfg = std::move(config);
  in_->deps = std::move(deps);
  in_->stats = &stats_;
}

Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Create(Config config, Deps deps) {
  if (!deps.sender || !deps.clock || !deps.sink || !deps.random)
    return Fail(Errc::kConfig, "Engine::Deps needs a sender, a clock, a sink and a random source");
  std::unique_ptr<Engine> e(new Engine(std::move(config), std::move(deps)));
  Internal& in = *e->in_;
  in.cookie_secret = in.Nonce(32);
  Engine* raw = e.get();
  in.find_sa = [raw](uint64_t spi) -> IkeSa* {
    for (auto& n : raw->in_->adopted)
      if (n->our_spi() == spi) return n.get();
    return raw->FindBySpi(spi);
  };
  for (const auto& c : in.cfg.connections) {
    ParsedConn pc;
    pc.cfg = &c;
    const std::string where = "connection '" + c.name + "': ";
    auto ike = ParseProposals(c.proposals, false);
    if (!ike) return Fail(Errc::kConfig, where + ike.error().message);
    pc.ike = std::move(*ike);
    auto addr = [&](const std::vector<std::string>& v, uint32_t& out) -> Status {
      if (v.empty() || v.front() == "%any") return {};
      auto a = ParseIpv4(v.front());
      if (!a) return Fail(Errc::kConfig, where + a.error().message);
      out = *a;
      return {};
    };
    if (auto ok = addr(c.local_addrs, pc.local_addr); !ok) return tl::unexpected(ok.error());
    if (auto ok = addr(c.remote_addrs, pc.remote_addr); !ok) return tl::unexpected(ok.error());
    if (c.local.auth == AuthMethod::kPubkey) {
      auto cred = Credential::Load(c.local.cert_file, c.local.key_file);
      if (!cred) return Fail(Errc::kConfig, where + "local: " + cred.error().message);
      pc.cred.emplace(std::move(*cred));
    }
    if (c.remote.auth == AuthMethod::kPubkey) {
      auto trust = TrustStore::Load(c.remote.ca_file);
      if (!trust) return Fail(Errc::kConfig, where + "remote: " + trust.error().message);
      pc.trust.emplace(std::move(*trust));
    }
    if (pc.cred && c.local.id.empty()) {
      pc.local_id = IdPayload{kIdDerAsn1Dn, {0, 0, 0}, pc.cred->SubjectDer()};
    } else {
      auto lid = IdFromString(c.local.id, pc.local_addr);
      if (!lid) return Fail(Errc::kConfig, where + lid.error().message);
      pc.local_id = *lid;
    }
    if (c.remote.id.empty() || c.remote.id == "%any") {
      pc.remote_id = c.remote.id.empty() && pc.remote_addr ? Ipv4ToString(pc.remote_addr) : "%any";
    } else {
      auto rid = IdFromString(c.remote.id, 0);
      if (!rid) return Fail(Errc::kConfig, where + rid.error().message);
      pc.remote_id = IdToString(*rid);
    }
    for (const auto& ch : c.children) {
      ParsedChild pch;
      pch.cfg = &ch;
      auto esp = ParseProposals(ch.esp_proposals, true);
      if (!esp)
        return Fail(Errc::kConfig, where + "child '" + ch.name + "': " + esp.error().message);
      pch.esp = std::move(*esp);
      for (const auto& t : pch.esp.front().transforms)
        if (t.type == uint8_t(TransformType::kDh)) {
          pch.pfs = static_cast<DhGroup>(t.id);
          break;
        }
      for (const auto* list : {&ch.local_ts, &ch.remote_ts})
        if (auto ts = ParseTsList(*list, 0); !ts)
          return Fail(Errc::kConfig, where + "child '" + ch.name + "': " + ts.error().message);
      pc.children.push_back(std::move(pch));
    }
    in.conns.push_back(std::move(pc));
  }
  return e;
}

IkeSa* Engine::FindBySpi(uint64_t our_spi) {
  auto it = sas_.find(our_spi);
  return it == sas_.end() ? nullptr : it->second.get();
}

void Engine::Sweep() {
  for (auto& n : in_->adopted) {
    uint64_t spi = n->our_spi();
    sas_[spi] = std::move(n);
  }
  in_->adopted.clear();
  if (!in_->sweep_needed) return;
  in_->sweep_needed = false;
  std::erase_if(sas_, [](const auto& kv) { return kv.second->dead(); });
}

void Engine::Start() {
  for (const auto& c : in_->conns)
    for (const auto& ch : c.children)
      if (ch.cfg->start_action == StartAction::kStart) (void)Initiate(ch.cfg->name);
}

Status Engine::Initiate(std::string_view child, bool new_ike_sa) {
  for (const auto& c : in_->conns) {
    const ParsedChild* pc = c.FindChild(child);
    if (!pc) continue;
    for (auto& [spi, sa] : sas_) {
      if (new_ike_sa) break;
      if (&sa->conn() == &c && !sa->dead() && sa->state() != IkeSa::State::kDeleting) {
        sa->QueueCreateChild(pc);
        Sweep();
        return {};
      }
    }
    if (c.remote_addr == 0)
      return Fail(Errc::kConfig,
                  "connection '" + c.cfg->name + "' has no remote address to initiate to");
    Endpoint local{c.local_addr, c.cfg->local_port}, remote{c.remote_addr, c.cfg->remote_port};
    auto sa = std::make_unique<IkeSa>(*in_, c, true, local, remote);
    sa->set_initial_contact(!new_ike_sa);
    IkeSa* raw = sa.get();
    sas_[sa->our_spi()] = std::move(sa);
    raw->StartInitiator(pc);
    Sweep();
    return {};
  }
  return Fail(Errc::kNotFound, "no child named '" + std::string(child) + "'");
}

Status Engine::Terminate(std::string_view child) {
  bool found = false;
  for (auto& [spi, sa] : sas_)
    if (const Child* c = sa->FindChildByName(child)) {
      sa->QueueDeleteChild(c->spi_in);
      found = true;
    }
  Sweep();
  if (!found) return Fail(Errc::kNotFound, "no CHILD_SA named '" + std::string(child) + "' is up");
  return {};
}

Status Engine::OnSoftLifetime(uint32_t spi_in) {
  for (auto& [spi, sa] : sas_)
    if (sa->FindChildByIn(spi_in)) {
      sa->QueueRekeyChild(spi_in);
      Sweep();
      return {};
    }
  return Fail(Errc::kNotFound, "no CHILD_SA with inbound SPI " + std::to_string(spi_in));
}

Status Engine::OnPeerDead(std::string_view connection) {
  bool found = false;
  for (auto& [spi, sa] : sas_)
    if (sa->conn().cfg->name == connection) {
      sa->Kill(DownReason::kPeerDead);
      found = true;
    }
  Sweep();
  if (!found)
    return Fail(Errc::kNotFound, "no IKE SA for connection '" + std::string(connection) + "'");
  return {};
}

Status Engine::RekeyIke(std::string_view connection) {
  for (auto& [spi, sa] : sas_)
    if (sa->conn().cfg->name == connection && sa->state() == IkeSa::State::kEstablished) {
      sa->QueueRekeyIke();
      Sweep();
      return {};
    }
  return Fail(Errc::kNotFound, "no established IKE SA for '" + std::string(connection) + "'");
}

void Engine::Shutdown() {
  for (auto& [spi, sa] : sas_) {
    if (sa->state() == IkeSa::State::kEstablished)
      sa->QueueDeleteIke();
    else
      sa->Kill(DownReason::kDeleted);
  }
  Sweep();
}

std::vector<IkeSaInfo> Engine::List() const {
  std::vector<IkeSaInfo> out;
  for (const auto& [spi, sa] : sas_) out.push_back(sa->Info());
  return out;
}

void Engine::RunTimers() {
  const TimePoint now = in_->Now();
  for (auto& [spi, sa] : sas_) sa->RunTimers(now);
  Sweep();
}

std::optional<TimePoint> Engine::NextTimer() const {
  std::optional<TimePoint> t;
  for (const auto& [spi, sa] : sas_)
    if (auto s = sa->NextTimer(); s && (!t || *s < *t)) t = s;
  return t;
}

void Engine::OnDatagram(const Datagram& d) {
  stats_.rx++;
  auto msg = ParseMessage(d.data);
  if (!msg) {
    stats_.dropped_malformed++;
    if (stats_.dropped_malformed <= 10 || stats_.dropped_malformed % 1000 == 0)
      in_->Log(LogLevel::kWarn, "dropping malformed datagram from " + d.remote.ToString() + ": " +
                                    msg.error().message + " (" +
                                    std::to_string(stats_.dropped_malformed) + " so far)");
    return;
  }
  const Header& h = msg->header;
  if (h.exchange == ExchangeType::kIkeSaInit && !h.response() && h.spi_r == 0) {
    HandleInitRequest(d, *msg);
  } else if (IkeSa* sa = FindBySpi(h.from_initiator() ? h.spi_r : h.spi_i)) {
    sa->OnDatagram(d, d.data, std::move(*msg));
  } else {
    stats_.dropped_unknown_spi++;
    in_->Log(LogLevel::kDebug, "no IKE SA for " + msg->Summary() + " from " + d.remote.ToString());
  }
  Sweep();
}

void Engine::HandleInitRequest(const Datagram& d, const Message& msg) {
  const Header& h = msg.header;
  // A retransmitted IKE_SA_INIT: the half-open SA answers it again.
  for (auto& [spi, sa] : sas_) {
    if (!sa->initiator() && sa->spi_i() == h.spi_i && sa->remote() == d.remote) {
      sa->OnDatagram(d, d.data, msg);
      return;
    }
  }
  auto reply = [&](uint16_t type, std::vector<uint8_t> data) {
    Message r;
    r.header = {
        h.spi_i, 0, PayloadType::kNone, kIkeVersion2, ExchangeType::kIkeSaInit, kFlagResponse,
        0,       0};
    r.AddNotify(type, std::move(data));
    stats_.tx++;
    in_->deps.sender->Send(Datagram{d.local, d.remote, SerializeMessage(r), DatagramKind::kIke});
  };
  const auto* sa = msg.Find<SaPayload>(PayloadType::kSa);
  const auto* ke = msg.Find<KePayload>(PayloadType::kKe);
  const auto* ni = msg.Find<NoncePayload>(PayloadType::kNonce);
  if (!sa || !ke || !ni) {
    in_->Log(LogLevel::kWarn, "IKE_SA_INIT from " + d.remote.ToString() + " lacks SA, KE or Ni");
    return reply(notify::kInvalidSyntax, {});
  }
  // Connection choice: addresses first, then the first whose proposals match.
  const ParsedConn* conn = nullptr;
  Selected sel;
  std::string diag;
  for (const auto& c : in_->conns) {
    if ((c.local_addr && c.local_addr != d.local.addr) ||
        (c.remote_addr && c.remote_addr != d.remote.addr))
      continue;
    auto s = SelectProposal(c.ike, *sa, false);
    if (s) {
      conn = &c;
      sel = *s;
      break;
    }
    diag += (diag.empty() ? "" : "; ") + ("connection '" + c.cfg->name + "': " + s.error().message);
  }
  if (!conn) {
    stats_.ike_failed++;
    in_->Log(LogLevel::kError, "IKE_SA_INIT from " + d.remote.ToString() + " rejected: " +
                                   (diag.empty() ? "no connection for this address pair" : diag));
    return reply(notify::kNoProposalChosen, {});
  }
  // COOKIE (2.6) once too many SAs are half-open: Cookie = 0x0000 | SHA-1(Ni | IPi | SPIi |
  // secret).
  int half_open = 0;
  for (const auto& [spi, s] : sas_) half_open += s->state() == IkeSa::State::kInitDone;
  if (half_open >= in_->cfg.cookie_threshold) {
    uint8_t ip[4], spi[8];
    util::StoreBe32(ip, d.remote.addr);
    util::StoreBe64(spi, h.spi_i);
    std::span<const uint8_t> parts[] = {ni->data, ip, spi, in_->cookie_secret};
    auto hash = Sha1(parts);
    std::vector<uint8_t> cookie{0, 0};
    cookie.insert(cookie.end(), hash.begin(), hash.end());
    const auto* got = msg.FindNotify(notify::kCookie);
    if (!got || !ConstantTimeEqual(got->data, cookie)) {
      in_->Log(LogLevel::kInfo, std::to_string(half_open) + " half-open IKE SAs: asking " +
                                    d.remote.ToString() + " for a COOKIE");
      return reply(notify::kCookie, cookie);
    }
  }
  if (ke->group != uint16_t(sel.dh)) {
    in_->Log(LogLevel::kInfo, "peer " + d.remote.ToString() + " sent KE for " +
                                  TransformName(TransformType::kDh, ke->group, 0) +
                                  " but we selected " +
                                  TransformName(TransformType::kDh, uint16_t(sel.dh), 0) +
                                  ": answering INVALID_KE_PAYLOAD");
    std::vector<uint8_t> g(2);
    util::StoreBe16(g.data(), uint16_t(sel.dh));
    return reply(notify::kInvalidKePayload, g);
  }
  auto ike = std::make_unique<IkeSa>(*in_, *conn, false, d.local, d.remote);
  IkeSa* raw = ike.get();
  sas_[ike->our_spi()] = std::move(ike);
  raw->RespondInit(d, msg, d.data, sel, *ke);
}

}  // namespace ipsec::ike
