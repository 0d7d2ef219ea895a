// One IKE SA and its CHILD_SAs: the per-role build/process tasks of every exchange (RFC 7296),
// message IDs with a window of one, retransmission with exponential backoff, NAT-T floating.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ike/config/proposal.h"
#include "ike/crypto/dh.h"
#include "ike/crypto/prf.h"
#include "ike/crypto/sk_cipher.h"
#include "ike/exchange/internal.h"
#include "ike/keymat/keymat.h"

namespace ipsec::ike {

struct Child {
  enum class State { kInstalled, kRekeying, kRekeyed, kDeleting };
  const ParsedChild* cfg = nullptr;
  uint32_t unique_id = 0;
  uint32_t spi_in = 0, spi_out = 0;
  Selected alg;
  std::vector<TsRange> local_ts, remote_ts;
  Mode mode = Mode::kTunnel;
  bool initiator = false;
  State state = State::kInstalled;
  TimePoint rekey_at{}, expire_at{};
  // Set when we answered the peer's rekey of this child while ours was in flight (2.8.1).
  bool peer_rekeyed = false;
  std::vector<uint8_t> peer_rekey_min_nonce;
  uint32_t peer_rekey_new_spi_in = 0;
  ChildSaId Id(const ParsedConn& conn) const {
    return {conn.cfg->name, cfg->cfg->name, unique_id, spi_in, spi_out};
  }
};

class IkeSa {
 public:
  enum class State { kInitSent, kAuthSent, kInitDone, kEstablished, kDeleting, kDead };

  IkeSa(Engine::Internal& ctx, const ParsedConn& conn, bool initiator, Endpoint local,
        Endpoint remote);
  ~IkeSa();

  uint64_t our_spi() const { return initiator_ ? spi_i_ : spi_r_; }
  uint64_t spi_i() const { return spi_i_; }
  bool initiator() const { return initiator_; }
  Endpoint remote() const { return remote_; }
  State state() const { return state_; }
  bool dead() const { return state_ == State::kDead; }
  const ParsedConn& conn() const { return conn_; }
  IkeSaInfo Info() const;
  const Child* FindChildByIn(uint32_t spi_in) const;
  const Child* FindChildByName(std::string_view name) const;

  // Initiator: sends IKE_SA_INIT; `child` is created in IKE_AUTH.
  void StartInitiator(const ParsedChild* child);
  // Responder: handles the first IKE_SA_INIT request (already checked for cookie and KE).
  void RespondInit(const Datagram& d, const Message& req, std::span<const uint8_t> bytes,
                   const Selected& sel, const KePayload& ke);
  void OnDatagram(const Datagram& d, std::span<const uint8_t> bytes, Message msg);
  void RunTimers(TimePoint now);
  std::optional<TimePoint> NextTimer() const;

  void set_initial_contact(bool on) { initial_contact_ = on; }
  void QueueCreateChild(const ParsedChild* child);
  void QueueRekeyChild(uint32_t spi_in);
  void QueueDeleteChild(uint32_t spi_in);
  void QueueRekeyIke();
  void QueueDeleteIke();
  // Local teardown without messages (peer dead, replaced): every child goes down.
  void Kill(DownReason reason);

 private:
  struct Task {
    enum class Kind { kCreateChild, kRekeyChild, kDeleteChild, kRekeyIke, kDeleteIke, kDpd };
    Kind kind;
    const ParsedChild* child = nullptr;
    uint32_t spi_in = 0;
    DhGroup pfs_override = DhGroup::kNone;  // after INVALID_KE_PAYLOAD
  };
  struct Pending {
    explicit Pending(Task t) : task(t) {}
    Task task;
    ExchangeType exchange{};
    uint32_t msg_id = 0;
    std::vector<uint8_t> packet;
    int retransmits = 0;
    TimePoint deadline{};
    // CREATE_CHILD_SA state.
    std::vector<uint8_t> nonce;
    std::optional<DhKey> dh;
    uint32_t new_spi_in = 0;
    uint64_t new_ike_spi = 0;
    std::vector<TsRange> local_ts, remote_ts;
  };

  // ike_sa.cc: transport, message IDs, retransmission, dispatch.
  void SendRequest(Pending p, Message msg);
  void SendResponse(const Datagram& d, Message msg);
  void Transmit(const std::vector<uint8_t>& bytes);
  void Transmit(const std::vector<uint8_t>& bytes, Endpoint local, Endpoint remote);
  Result<std::vector<uint8_t>> Encode(Message& msg);
  Message NewMessage(ExchangeType ex, bool response, uint32_t msg_id) const;
  void NextTask();
  void DropUndecryptable(const Error& e);
  void HandleResponse(const Datagram& d, const Message& msg, std::span<const uint8_t> bytes);
  void HandleRequest(const Datagram& d, Message& msg);
  void Abort(const std::string& why);
  std::string Tag() const;
  void Log(LogLevel level, const std::string& line) const;

  // ike_init.cc: IKE_SA_INIT, NAT detection, IKE keys.
  Message BuildInitRequest();
  void ProcessInitResponse(const Datagram& d, const Message& msg, std::span<const uint8_t> bytes);
  std::vector<uint8_t> NatHash(uint64_t spi_i, uint64_t spi_r, Endpoint ep) const;
  void AddNatNotifies(Message& m, uint64_t spi_i, uint64_t spi_r);
  void CheckNat(const Message& m, uint64_t spi_i, uint64_t spi_r, Endpoint local, Endpoint remote);
  Status SetupIkeKeys(std::span<const uint8_t> g_ir, const Prf* old_prf,
                      std::span<const uint8_t> old_sk_d);
  void FloatTo4500();

  // ike_auth.cc: IKE_AUTH (PSK), first CHILD_SA.
  void SendAuthRequest();
  void ProcessAuthRequest(const Datagram& d, Message& msg);
  void ProcessAuthResponse(const Message& msg);
  Result<util::SecretBytes> ComputeAuth(bool for_initiator, const IdPayload& id);
  // Our AUTH (PSK MIC or RFC 7427 signature) and the check of the peer's, with CERT handling.
  Result<AuthPayload> BuildAuth(bool for_initiator, const IdPayload& id);
  Status VerifyAuth(bool peer_is_initiator, const IdPayload& id, const AuthPayload& auth,
                    const Message& msg);
  std::string OurIdString() const;
  void ScheduleIkeTimers();

  // child.cc: CHILD_SA negotiation, CREATE_CHILD_SA, INFORMATIONAL.
  void AddChildRequestPayloads(Message& m, const ParsedChild& child, Pending& p, bool in_auth,
                               const Child* rekeying);
  // Responder side of a child negotiation (SA, [Nr, KEr,] TSi, TSr into `resp`); on failure
  // adds the error notify instead. Returns the installed child's inbound SPI, or 0.
  uint32_t RespondChild(const Message& req, Message& resp, Child* rekeying, bool in_auth,
                        std::span<const uint8_t> ni);
  // Initiator side; returns the new child's inbound SPI, or 0.
  uint32_t ProcessChildResponse(const Message& msg, Pending& p, std::span<const uint8_t> ni,
                                std::span<const uint8_t> nr, std::span<const uint8_t> g_ir,
                                bool in_auth, Child* replaces);
  Child* InstallChild(const ParsedChild& cfg, const Selected& alg, uint32_t spi_in,
                      uint32_t spi_out, std::vector<TsRange> local_ts,
                      std::vector<TsRange> remote_ts, Mode mode, bool initiator,
                      std::span<const uint8_t> ni, std::span<const uint8_t> nr,
                      std::span<const uint8_t> g_ir, Child* replaces);
  void StartTask(const Task& t);
  void ResolveRekeyCollision(uint32_t old_spi_in, uint32_t new_spi_in, std::span<const uint8_t> ni,
                             std::span<const uint8_t> nr);
  void ProcessCreateChildRequest(const Datagram& d, Message& msg);
  void ProcessCreateChildResponse(const Message& msg);
  void ProcessInformationalRequest(const Datagram& d, Message& msg);
  void ProcessInformationalResponse(const Message& msg);
  void RemoveChild(uint32_t spi_in, DownReason reason);
  Child* FindChildByOut(uint32_t spi_out);
  Child* MutableChildByIn(uint32_t spi_in);
  void ScheduleChildTimers(Child& c);
  std::unique_ptr<IkeSa> MakeRekeyedIkeSa(uint64_t spi_i, uint64_t spi_r, const Selected& alg,
                                          std::span<const uint8_t> ni, std::span<const uint8_t> nr,
                                          std::span<const uint8_t> g_ir, bool initiator);

  Engine::Internal& ctx_;
  const ParsedConn& conn_;
  bool initiator_;
  State state_;
  Endpoint local_, remote_;
  uint64_t spi_i_ = 0, spi_r_ = 0;
  std::vector<uint8_t> ni_, nr_;
  std::optional<DhKey> dh_;
  Selected alg_;
  std::optional<Prf> prf_;
  IkeKeys keys_;
  std::optional<SkCipher> out_cipher_, in_cipher_;
  std::vector<uint8_t> init_request_, init_response_;
  std::vector<uint8_t> cookie_;
  bool local_nat_ = false, remote_nat_ = false;
  std::string peer_id_;
  const ParsedChild* first_child_ = nullptr;
  uint32_t first_child_spi_ = 0;

  uint32_t send_id_ = 0;  // next request we send
  uint32_t recv_id_ = 0;  // next request we accept
  std::vector<uint8_t> last_response_;
  Endpoint last_response_local_, last_response_remote_;
  std::optional<Pending> pending_;
  std::deque<Task> tasks_;
  std::vector<Child> children_;
  TimePoint last_rx_{}, created_{}, rekey_at_{}, keepalive_at_{};
  bool replaced_ = false;  // rekeyed: the new IKE SA owns the children
  bool initial_contact_ = true;
  // IKE SA rekey collision (2.8.2): the SA the peer's rekey created (our SPI) and the lowest
  // nonce of that exchange, while our own rekey was in flight.
  std::optional<std::pair<uint64_t, std::vector<uint8_t>>> ike_collision_;
};

}  // namespace ipsec::ike
