// Two IKE engines in one process over an in-memory network with a shared FakeClock and
// deterministic randomness (the strongSwan exchange-test pattern, STYLE.md section 6).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hw/util/hex.h"
#include "ike/exchange/engine.h"

namespace ipsec::ike::test {

struct Event {
  enum Kind { kUp, kRekeyed, kDown } kind = kUp;
  std::string child;
  uint32_t unique_id = 0, old_unique_id = 0;
  uint32_t spi_in = 0, spi_out = 0;
  std::string key_in, key_out, salt_in, salt_out;  // hex (test only)
  std::vector<TsRange> local_ts, remote_ts;
  Mode mode = Mode::kTunnel;
  bool esn = false, encap = false;
  Endpoint local, remote;
  DownReason reason = DownReason::kDeleted;
};

class RecordingSink : public SaSink {
 public:
  void ChildUp(const ChildSa& sa) override { events.push_back(Make(Event::kUp, sa)); }
  void ChildRekeyed(const ChildSa& sa, const ChildSaId& old) override {
    Event e = Make(Event::kRekeyed, sa);
    e.old_unique_id = old.unique_id;
    events.push_back(e);
  }
  void ChildDown(const ChildSaId& id, DownReason r) override {
    Event e;
    e.kind = Event::kDown;
    e.child = id.child;
    e.unique_id = id.unique_id;
    e.spi_in = id.spi_in;
    e.spi_out = id.spi_out;
    e.reason = r;
    events.push_back(e);
  }
  void IkeUp(const std::string&, uint64_t, uint64_t) override { ike_up++; }
  void IkeDown(const std::string&, uint64_t, uint64_t) override { ike_down++; }
  // Children up now (unique ids).
  std::vector<const Event*> Installed() const {
    std::vector<const Event*> out;
    for (const auto& e : events) {
      if (e.kind == Event::kDown) {
        std::erase_if(out, [&](const Event* x) { return x->unique_id == e.unique_id; });
      } else {
        out.push_back(&e);
      }
    }
    return out;
  }
  int Count(Event::Kind k) const {
    int n = 0;
    for (const auto& e : events) n += e.kind == k;
    return n;
  }
  std::vector<Event> events;
  int ike_up = 0, ike_down = 0;

 private:
  static Event Make(Event::Kind k, const ChildSa& sa) {
    Event e{k,
            sa.child,
            sa.unique_id,
            0,
            sa.spi_in,
            sa.spi_out,
            util::ToHex(sa.key_in.span()),
            util::ToHex(sa.key_out.span()),
            util::ToHex(sa.salt_in.span()),
            util::ToHex(sa.salt_out.span()),
            sa.local_ts,
            sa.remote_ts,
            sa.mode,
            sa.esn,
            sa.encap,
            sa.local,
            sa.remote};
    return e;
  }
};

class Outbox : public DatagramSender {
 public:
  void Send(const Datagram& d) override { queue.push_back(d); }
  std::deque<Datagram> queue;
};

struct Peer {
  std::string name;
  uint32_t addr;
  DeterministicRandom random;
  RecordingSink sink;
  Outbox out;
  std::vector<std::string> log;
  std::unique_ptr<Engine> engine;
  Peer(std::string n, uint32_t a, uint64_t seed) : name(std::move(n)), addr(a), random(seed) {}
  bool Logged(std::string_view needle) const {
    for (const auto& l : log)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
};

// Two peers: "a" at 192.0.2.1 (protected 10.1.0.0/24), "b" at 192.0.2.2 (10.2.0.0/24).
class TwoPeers {
 public:
  static constexpr uint32_t kA = 0xc0000201, kB = 0xc0000202;
  static constexpr uint32_t kNat = 0xcb007105;  // 203.0.113.5, a's public address behind NAT

  TwoPeers() : a("a", kA, 1), b("b", kB, 2) {}

  static Config DefaultConfig(bool initiator, std::string ike = "aes256gcm16-prfsha256-ecp256",
                              std::string esp = "aes256gcm16") {
    Config c;
    ConnectionConfig conn;
    conn.name = "peer";
    conn.local_addrs = {initiator ? "192.0.2.1" : "192.0.2.2"};
    conn.remote_addrs = {initiator ? "192.0.2.2" : "%any"};
    conn.proposals = ike;
    conn.remote.id = "%any";
    ChildConfig ch;
    ch.name = "net";
    ch.local_ts = {initiator ? "10.1.0.0/24" : "10.2.0.0/24"};
    ch.remote_ts = {initiator ? "10.2.0.0/24" : "10.1.0.0/24"};
    ch.esp_proposals = esp;
    conn.children.push_back(ch);
    c.connections.push_back(conn);
    c.secrets.push_back({{}, "correct horse battery staple"});
    c.retransmit.timeout = std::chrono::milliseconds(1000);
    c.retransmit.base = 2.0;
    c.retransmit.tries = 3;
    return c;
  }

  bool Create(Config ca, Config cb) { return Make(a, std::move(ca)) && Make(b, std::move(cb)); }

  // Delivers queued datagrams until both outboxes are empty (or `max` deliveries).
  // `drop(from, n, d)` returning true loses the n-th datagram sent by `from`.
  int Pump(int max = 1000) {
    int n = 0;
    while ((!a.out.queue.empty() || !b.out.queue.empty()) && n < max) {
      for (Peer* from : {&a, &b}) {
        if (from->out.queue.empty()) continue;
        Datagram d = from->out.queue.front();
        from->out.queue.pop_front();
        ++n;
        int idx = sent[from == &b]++;
        if (drop && drop(*from, idx, d)) continue;
        Peer& to = from == &a ? b : a;
        if (const char* dir = std::getenv("IKE_DUMP_DIR")) {  // seeds for the fuzzer corpus
          static int dumped = 0;
          std::string path = std::string(dir) + "/msg" + std::to_string(dumped++);
          if (FILE* f = std::fopen(path.c_str(), "wb")) {
            std::fwrite(d.data.data(), 1, d.data.size(), f);
            std::fclose(f);
          }
        }
        if (d.kind == DatagramKind::kNatKeepalive) {
          keepalives[from == &b]++;
          continue;
        }
        // Receiver's view: swap local/remote; with NAT, a's source is rewritten.
        Datagram r{d.remote, d.local, d.data, d.kind};
        if (nat && from == &a) r.remote = {kNat, static_cast<uint16_t>(d.local.port + 30000)};
        if (nat && from == &b) r.local = {kA, static_cast<uint16_t>(d.remote.port - 30000)};
        to.engine->OnDatagram(r);
      }
    }
    return n;
  }

  // Advances time in steps, running timers and delivering, until `until` or `limit`.
  void Run(std::chrono::milliseconds limit, const std::function<bool()>& until = nullptr) {
    auto end = clock.Now() + limit;
    Pump();
    while (clock.Now() < end && !(until && until())) {
      auto next = end;
      for (Peer* p : {&a, &b})
        if (auto t = p->engine->NextTimer(); t && *t < next) next = std::max(*t, clock.Now());
      clock.Set(next);
      a.engine->RunTimers();
      b.engine->RunTimers();
      Pump();
    }
  }

  FakeClock clock;
  Peer a, b;
  bool nat = false;
  int sent[2] = {0, 0};
  int keepalives[2] = {0, 0};
  std::function<bool(const Peer&, int, const Datagram&)> drop;

 private:
  bool Make(Peer& p, Config c) {
    Engine::Deps deps{&p.out,
                      &clock,
                      &p.sink,
                      &p.random,
                      [&p](LogLevel l, std::string_view s) {
                        p.log.emplace_back(s);
                        if (std::getenv("IKE_TEST_LOG"))
                          std::fprintf(stderr, "[%s] %.*s\n", p.name.c_str(), int(s.size()),
                                       s.data());
                      },
                      {}};
    auto e = Engine::Create(std::move(c), deps);
    if (!e) {
      std::fprintf(stderr, "Engine::Create: %s\n", e.error().message.c_str());
      return false;
    }
    p.engine = std::move(*e);
    return true;
  }
};

}  // namespace ipsec::ike::test
