// IkeSa core: message IDs (window of one), retransmission with exponential backoff, encryption,
// dispatch to the exchange tasks, timers (rekey, expiry, DPD, NAT keepalive, half-open).
#include "ike/exchange/ike_sa.h"

#include <cmath>

namespace ipsec::ike {

IkeSa::IkeSa(Engine::Internal& ctx, const ParsedConn& conn, bool initiator, Endpoint local,
             Endpoint remote)
    : ctx_(ctx),
      conn_(conn),
      initiator_(initiator),
      state_(initiator ? State::kInitSent : State::kInitDone),
      local_(local),
      remote_(remote) {
  created_ = last_rx_ = ctx_.Now();
  if (initiator_)
    spi_i_ = ctx_.NewIkeSpi();
  else
    spi_r_ = ctx_.NewIkeSpi();
}

IkeSa::~IkeSa() = default;

std::string IkeSa::Tag() const {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%016llx_i %016llx_r", static_cast<unsigned long long>(spi_i_),
                static_cast<unsigned long long>(spi_r_));
  return conn_.cfg->name + "[" + buf + "] ";
}

void IkeSa::Log(LogLevel level, const std::string& line) const { ctx_.Log(level, Tag() + line); }

IkeSaInfo IkeSa::Info() const {
  IkeSaInfo info{conn_.cfg->name,
                 spi_i_,
                 spi_r_,
                 initiator_,
                 state_ == State::kEstablished,
                 local_,
                 remote_,
                 prf_ ? alg_.ToString() : "",
                 {}};
  for (const auto& c : children_) info.children.push_back(c.Id(conn_));
  return info;
}

const Child* IkeSa::FindChildByIn(uint32_t spi_in) const {
  for (const auto& c : children_)
    if (c.spi_in == spi_in) return &c;
  return nullptr;
}

Child* IkeSa::MutableChildByIn(uint32_t spi_in) {
  for (auto& c : children_)
    if (c.spi_in == spi_in) return &c;
  return nullptr;
}

Child* IkeSa::FindChildByOut(uint32_t spi_out) {
  for (auto& c : children_)
    if (c.spi_out == spi_out) return &c;
  return nullptr;
}

const Child* IkeSa::FindChildByName(std::string_view name) const {
  for (const auto& c : children_)
    if (c.cfg->cfg->name == name && c.state != Child::State::kRekeyed &&
        c.state != Child::State::kDeleting)
      return &c;
  return nullptr;
}

Message IkeSa::NewMessage(ExchangeType ex, bool response, uint32_t msg_id) const {
  Message m;
  m.header.spi_i = spi_i_;
  m.header.spi_r = spi_r_;
  m.header.exchange = ex;
  m.header.flags =
      static_cast<uint8_t>((initiator_ ? kFlagInitiator : 0) | (response ? kFlagResponse : 0));
  m.header.message_id = msg_id;
  return m;
}

Result<std::vector<uint8_t>> IkeSa::Encode(Message& msg) {
  if (msg.header.exchange == ExchangeType::kIkeSaInit) return SerializeMessage(msg);
  return SerializeEncrypted(msg, *out_cipher_, ctx_.random());
}

void IkeSa::Transmit(const std::vector<uint8_t>& bytes) { Transmit(bytes, local_, remote_); }

void IkeSa::Transmit(const std::vector<uint8_t>& bytes, Endpoint local, Endpoint remote) {
  ctx_.stats->tx++;
  ctx_.deps.sender->Send(Datagram{local, remote, bytes, DatagramKind::kIke});
}

void IkeSa::SendRequest(Pending p, Message msg) {
  msg.header.message_id = send_id_;
  Log(LogLevel::kDebug, "sending " + msg.Summary() + " to " + remote_.ToString());
  auto bytes = Encode(msg);
  if (!bytes) return Abort("cannot encode request: " + bytes.error().message);
  if (msg.header.exchange == ExchangeType::kIkeSaInit) init_request_ = *bytes;
  p.exchange = msg.header.exchange;
  p.msg_id = send_id_;
  p.packet = std::move(*bytes);
  p.retransmits = 0;
  p.deadline = ctx_.Now() + ctx_.cfg.retransmit.timeout;
  pending_ = std::move(p);
  Transmit(pending_->packet);
}

void IkeSa::SendResponse(const Datagram& d, Message msg) {
  Log(LogLevel::kDebug, "sending " + msg.Summary() + " to " + d.remote.ToString());
  auto bytes = Encode(msg);
  if (!bytes) return Abort("cannot encode response: " + bytes.error().message);
  last_response_ = std::move(*bytes);
  last_response_local_ = d.local;
  last_response_remote_ = d.remote;
  recv_id_++;
  Transmit(last_response_, d.local, d.remote);
}

void IkeSa::OnDatagram(const Datagram& d, std::span<const uint8_t> bytes, Message msg) {
  if (dead()) return;
  const Header& h = msg.header;
  if (h.response()) {
    if (!pending_ || h.message_id != pending_->msg_id || h.exchange != pending_->exchange) {
      ctx_.stats->dropped_unexpected++;
      Log(LogLevel::kDebug, "ignoring unexpected " + msg.Summary());
      return;
    }
    if (h.exchange != ExchangeType::kIkeSaInit) {
      if (auto ok = DecryptMessage(bytes, *in_cipher_, msg); !ok)
        return DropUndecryptable(ok.error());
    }
    last_rx_ = ctx_.Now();
    Log(LogLevel::kDebug, "received " + msg.Summary() + " from " + d.remote.ToString());
    HandleResponse(d, msg, bytes);
  } else {
    if (h.message_id + 1 == recv_id_ && !last_response_.empty()) {
      ctx_.stats->retransmits++;
      Log(LogLevel::kDebug, "retransmitting response " + std::to_string(h.message_id));
      Transmit(last_response_, last_response_local_, last_response_remote_);
      return;
    }
    if (h.message_id != recv_id_ || h.exchange == ExchangeType::kIkeSaInit) {
      ctx_.stats->dropped_unexpected++;
      Log(LogLevel::kDebug, "ignoring request " + std::to_string(h.message_id) + ", expected " +
                                std::to_string(recv_id_));
      return;
    }
    if (!in_cipher_) return;
    if (auto ok = DecryptMessage(bytes, *in_cipher_, msg); !ok)
      return DropUndecryptable(ok.error());
    last_rx_ = ctx_.Now();
    Log(LogLevel::kDebug, "received " + msg.Summary() + " from " + d.remote.ToString());
    HandleRequest(d, msg);
  }
  NextTask();
}

void IkeSa::DropUndecryptable(const Error& e) {
  // Untrusted input: count every one, log the first ten and then one in a thousand.
  const uint64_t n = ++ctx_.stats->dropped_crypto;
  if (n <= 10 || n % 1000 == 0)
    Log(LogLevel::kWarn, "dropping message: " + e.message + " (" + std::to_string(n) + " so far)");
}

void IkeSa::HandleResponse(const Datagram& d, const Message& msg, std::span<const uint8_t> bytes) {
  if (msg.header.exchange == ExchangeType::kIkeSaInit) {
    pending_.reset();
    ProcessInitResponse(d, msg, bytes);
    return;
  }
  send_id_++;
  // The handlers read *pending_ (the request's state) and never send a new request.
  switch (msg.header.exchange) {
    case ExchangeType::kIkeAuth:
      ProcessAuthResponse(msg);
      break;
    case ExchangeType::kCreateChildSa:
      ProcessCreateChildResponse(msg);
      break;
    case ExchangeType::kInformational:
      ProcessInformationalResponse(msg);
      break;
    default:
      break;
  }
  pending_.reset();
}

void IkeSa::HandleRequest(const Datagram& d, Message& msg) {
  switch (msg.header.exchange) {
    case ExchangeType::kIkeAuth:
      if (!initiator_ && state_ == State::kInitDone) return ProcessAuthRequest(d, msg);
      break;
    case ExchangeType::kCreateChildSa:
      if (state_ == State::kEstablished || state_ == State::kDeleting)
        return ProcessCreateChildRequest(d, msg);
      break;
    case ExchangeType::kInformational:
      if (state_ != State::kInitDone && state_ != State::kInitSent)
        return ProcessInformationalRequest(d, msg);
      break;
    default:
      break;
  }
  ctx_.stats->dropped_unexpected++;
  Log(LogLevel::kWarn, "unexpected request " + msg.Summary());
}

void IkeSa::NextTask() {
  if (pending_ || state_ != State::kEstablished || tasks_.empty()) return;
  Task t = tasks_.front();
  tasks_.pop_front();
  StartTask(t);
}

void IkeSa::Abort(const std::string& why) {
  Log(LogLevel::kError, why);
  if (state_ != State::kEstablished) ctx_.stats->ike_failed++;
  Kill(DownReason::kIkeDown);
}

void IkeSa::Kill(DownReason reason) {
  if (dead()) return;
  for (auto& c : children_) {
    if (!replaced_) {
      ctx_.deps.sink->ChildDown(c.Id(conn_), reason);
      ctx_.stats->child_down++;
    }
    ctx_.ReleaseChildSpi(c.spi_in);
  }
  children_.clear();
  if (state_ == State::kEstablished || state_ == State::kDeleting)
    ctx_.deps.sink->IkeDown(conn_.cfg->name, spi_i_, spi_r_);
  state_ = State::kDead;
  ctx_.sweep_needed = true;
  pending_.reset();
  tasks_.clear();
}

void IkeSa::RunTimers(TimePoint now) {
  if (dead()) return;
  const auto& rt = ctx_.cfg.retransmit;
  if (pending_ && now >= pending_->deadline) {
    if (pending_->retransmits >= rt.tries) {
      const bool was_dpd = pending_->task.kind == Task::Kind::kDpd;
      Log(LogLevel::kError, "peer " + remote_.ToString() + " did not answer " +
                                ExchangeName(pending_->exchange) + " after " +
                                std::to_string(rt.tries) + " retransmits" +
                                (was_dpd ? " (DPD): peer dead" : ""));
      if (state_ != State::kEstablished && state_ != State::kDeleting) ctx_.stats->ike_failed++;
      Kill(DownReason::kPeerDead);
      return;
    }
    pending_->retransmits++;
    auto wait = std::chrono::duration<double, std::milli>(rt.timeout) *
                std::pow(rt.base, pending_->retransmits);
    pending_->deadline = now + std::chrono::duration_cast<std::chrono::milliseconds>(wait);
    ctx_.stats->retransmits++;
    Log(LogLevel::kInfo, "retransmit " + std::to_string(pending_->retransmits) + " of " +
                             ExchangeName(pending_->exchange) + " request " +
                             std::to_string(pending_->msg_id));
    Transmit(pending_->packet);
  }
  if (state_ == State::kInitDone || state_ == State::kInitSent || state_ == State::kAuthSent) {
    if (now - created_ >= ctx_.cfg.half_open_timeout) Abort("half-open IKE SA timed out");
    return;
  }
  if (state_ != State::kEstablished) return;
  for (auto& c : children_) {
    if (c.state == Child::State::kInstalled && now >= c.rekey_at) {
      c.rekey_at = TimePoint::max();
      QueueRekeyChild(c.spi_in);
    }
    if (now >= c.expire_at && c.state != Child::State::kDeleting) {
      c.expire_at = TimePoint::max();
      Log(LogLevel::kWarn, "CHILD_SA " + c.cfg->cfg->name + " reached its hard lifetime");
      QueueDeleteChild(c.spi_in);
    }
  }
  if (now >= rekey_at_) {
    rekey_at_ = TimePoint::max();
    QueueRekeyIke();
  }
  const auto dpd = conn_.cfg->dpd_delay;
  if (dpd.count() > 0 && !pending_ && now - last_rx_ >= dpd) {
    bool queued = false;
    for (const auto& t : tasks_) queued |= t.kind == Task::Kind::kDpd;
    if (!queued) tasks_.push_back({Task::Kind::kDpd});
  }
  if (local_nat_ && now >= keepalive_at_) {
    keepalive_at_ = now + ctx_.cfg.nat_keepalive;
    ctx_.deps.sender->Send(Datagram{local_, remote_, {0xff}, DatagramKind::kNatKeepalive});
  }
  NextTask();
}

std::optional<TimePoint> IkeSa::NextTimer() const {
  if (dead()) return std::nullopt;
  TimePoint t = TimePoint::max();
  if (pending_) t = std::min(t, pending_->deadline);
  if (state_ != State::kEstablished) {
    if (state_ != State::kDeleting) t = std::min(t, created_ + ctx_.cfg.half_open_timeout);
    return t;
  }
  for (const auto& c : children_) t = std::min({t, c.rekey_at, c.expire_at});
  t = std::min(t, rekey_at_);
  if (conn_.cfg->dpd_delay.count() > 0 && !pending_)
    t = std::min(t, last_rx_ + conn_.cfg->dpd_delay);
  if (local_nat_) t = std::min(t, keepalive_at_);
  if (!tasks_.empty() && !pending_) t = ctx_.Now();
  return t;
}

}  // namespace ipsec::ike
