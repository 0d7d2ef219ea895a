// Engine: the IKEv2 daemon core espd embeds. It owns every IKE SA, takes received datagrams and
// timer ticks, emits datagrams through a DatagramSender and child-SA events through an SaSink.
// Single-threaded: call everything from one thread (espd's event loop).
//
//   Engine::Deps deps{&sender, &clock, &sink, &random, StderrLog()};
//   auto engine = Engine::Create(config, deps);       // validates proposals, addresses, ids
//   (*engine)->Start();                               // start_action = start children
//   loop: on datagram -> OnDatagram(d); when clock >= NextTimer() -> RunTimers();
//         on soft lifetime from the device -> OnSoftLifetime(spi_in)
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ike/config/config.h"
#include "ike/crypto/random.h"
#include "ike/errors.h"
#include "ike/exchange/io.h"
#include "ike/exchange/sa_sink.h"

namespace ipsec::ike {

class IkeSa;

struct EngineStats {
  uint64_t rx = 0, tx = 0, retransmits = 0;
  uint64_t dropped_malformed = 0, dropped_unknown_spi = 0, dropped_crypto = 0;
  uint64_t dropped_unexpected = 0;
  uint64_t ike_up = 0, ike_failed = 0, child_up = 0, child_rekeyed = 0, child_down = 0;
};

struct IkeSaInfo {
  std::string connection;
  uint64_t spi_i = 0, spi_r = 0;
  bool initiator = false;
  bool established = false;
  Endpoint local, remote;
  std::string proposal;  // "aes256gcm16-prfsha256-ecp256"
  std::vector<ChildSaId> children;
};

class Engine {
 public:
  struct Deps {
    DatagramSender* sender = nullptr;
    Clock* clock = nullptr;
    SaSink* sink = nullptr;
    Random* random = nullptr;  // nonces, SPIs, DH keys, IVs
    LogFn log;
    // Optional: accepts or refuses a candidate inbound ESP SPI before it is offered to the peer
    // (espd refuses SPIs whose device hash bucket is full); refused candidates are redrawn.
    std::function<bool(uint32_t)> accept_spi_in;
  };

  static Result<std::unique_ptr<Engine>> Create(Config config, Deps deps);
  ~Engine();

  // Initiates every child whose start_action is "start".
  void Start();
  // Feed one received IKE datagram (non-ESP marker already stripped).
  void OnDatagram(const Datagram& d);
  // Runs what is due at clock->Now(): retransmits, rekeys, DPD, keepalives, expiries.
  void RunTimers();
  std::optional<TimePoint> NextTimer() const;

  // espctl initiate/terminate CHILD (the first connection that has a child of that name).
  // The child is created in the connection's IKE SA, or in a new one if there is none.
  // `new_ike_sa`: always set up an additional IKE SA, without INITIAL_CONTACT (load tests).
  Status Initiate(std::string_view child, bool new_ike_sa = false);
  Status Terminate(std::string_view child);
  // Events in: the device reached the soft lifetime of the inbound SA `spi_in` -> rekey it.
  Status OnSoftLifetime(uint32_t spi_in);
  // Events in: the peer of `connection` is dead (detected outside IKE): drop its SAs now.
  Status OnPeerDead(std::string_view connection);
  Status RekeyIke(std::string_view connection);
  // Deletes every SA (espd on SIGTERM); returns once the DELETEs are sent (not acknowledged).
  void Shutdown();

  std::vector<IkeSaInfo> List() const;
  const EngineStats& stats() const { return stats_; }

  // Internals shared with IkeSa.
  struct Internal;

 private:
  Engine(Config config, Deps deps);
  void Sweep();
  IkeSa* FindBySpi(uint64_t our_spi);
  void HandleInitRequest(const Datagram& d, const struct Message& msg);

  std::unique_ptr<Internal> in_;
  EngineStats stats_;
  std::map<uint64_t, std::unique_ptr<IkeSa>> sas_;  // by our IKE SPI
  friend class IkeSa;
};

}  // namespace ipsec::ike
