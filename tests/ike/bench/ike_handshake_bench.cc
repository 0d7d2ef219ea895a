// IKEv2 responder benchmark: full handshakes (IKE_SA_INIT + IKE_AUTH with PSK + first CHILD_SA)
// per second and handshake latency, our responder versus charon, driven in one run by the same
// initiator (our engine). Initiator in netns ikebn-a (192.0.2.1), responder in ikebn-b
// (192.0.2.2), over the veth pair of ../shared/peers/netns-pair. Markdown on stdout.
// Needs root, strongSwan and ../shared/peers (run from the project root, as tools/bench.sh does
// via make bench); otherwise prints why it skipped and exits 0.
//   ike_handshake_bench [HANDSHAKES=1000] [WINDOW=8]
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ike/exchange/engine.h"
#include "ike/transport/udp_transport.h"

namespace {

using namespace ipsec::ike;
using Clock = std::chrono::steady_clock;

constexpr char kPeers[] = "../shared/peers";
constexpr char kPrefix[] = "ikebn";
constexpr char kProposal[] = "aes256gcm16-prfsha256-ecp256";

int Sh(const std::string& cmd) { return std::system(cmd.c_str()); }

bool EnterNetns(const std::string& name) {
  int fd = open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0 && setns(fd, CLONE_NEWNET) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

class CountingSink : public SaSink {
 public:
  void ChildUp(const ChildSa&) override { up++; }
  void ChildRekeyed(const ChildSa&, const ChildSaId&) override {}
  void ChildDown(const ChildSaId&, DownReason) override {}
  int up = 0;
};

Config MakeConfig(bool initiator) {
  Config c;
  ConnectionConfig conn;
  conn.name = "bench";
  conn.local_addrs = {initiator ? "192.0.2.1" : "192.0.2.2"};
  conn.remote_addrs = {initiator ? "192.0.2.2" : "%any"};
  conn.proposals = kProposal;
  conn.remote.id = "%any";
  ChildConfig ch;
  ch.name = "net";
  ch.local_ts = {initiator ? "10.1.0.0/24" : "10.2.0.0/24"};
  ch.remote_ts = {initiator ? "10.2.0.0/24" : "10.1.0.0/24"};
  ch.esp_proposals = "aes256gcm16";
  conn.children.push_back(ch);
  c.connections.push_back(conn);
  c.secrets.push_back({{}, "correct horse battery staple"});
  c.retransmit.timeout = std::chrono::milliseconds(1000);
  c.cookie_threshold = 1000;
  return c;
}

// Our responder, on its own thread inside ikebn-b.
class OurResponder {
 public:
  void Start() {
    thread_ = std::thread([this] {
      if (!EnterNetns(std::string(kPrefix) + "-b")) return;
      auto t = UdpTransport::Open(0xc0000202);
      if (!t) return;
      SteadyClock clock;
      OpenSslRandom random;
      CountingSink sink;
      auto e = Engine::Create(MakeConfig(false), {t->get(), &clock, &sink, &random, nullptr, {}});
      if (!e) return;
      ready_ = true;
      while (!stop_) {
        (void)(*t)->Poll(std::chrono::milliseconds(5),
                         [&](const Datagram& d) { (*e)->OnDatagram(d); });
        if (auto n = (*e)->NextTimer(); n && *n <= clock.Now()) (*e)->RunTimers();
      }
    });
    for (int i = 0; i < 200 && !ready_; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool ready() const { return ready_; }

 private:
  std::thread thread_;
  std::atomic<bool> stop_{false}, ready_{false};
};

struct RunStats {
  int done = 0;
  double seconds = 0;
  std::vector<double> latency_ms;
};

// Drives `n` handshakes with at most `window` in flight; each one is a new IKE SA.
RunStats Drive(int n, int window, std::chrono::seconds limit) {
  RunStats r;
  auto t = UdpTransport::Open(0xc0000201);
  if (!t) return r;
  SteadyClock clock;
  OpenSslRandom random;
  CountingSink sink;
  auto e = Engine::Create(MakeConfig(true), {t->get(), &clock, &sink, &random, nullptr, {}});
  if (!e) return r;
  std::vector<Clock::time_point> starts;
  const auto t0 = Clock::now();
  int started = 0;
  while (sink.up < n && Clock::now() - t0 < limit) {
    while (started - sink.up < window && started < n) {
      starts.push_back(Clock::now());
      (void)(*e)->Initiate("net", true);
      started++;
    }
    int before = sink.up;
    (void)(*t)->Poll(std::chrono::milliseconds(1), [&](const Datagram& d) { (*e)->OnDatagram(d); });
    if (auto nt = (*e)->NextTimer(); nt && *nt <= clock.Now()) (*e)->RunTimers();
    // With window 1 the latency of each handshake is exact; otherwise it is completion order.
    for (int i = before; i < sink.up && i < static_cast<int>(starts.size()); ++i)
      r.latency_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - starts[i]).count());
  }
  r.done = sink.up;
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

void Row(const char* who, const RunStats& tput, const RunStats& lat, int window) {
  std::printf("| %s | %d | %d | %.0f | %.2f | %.2f | %.2f |\n", who, tput.done, window,
              tput.seconds > 0 ? tput.done / tput.seconds : 0.0, Pct(lat.latency_ms, 0.5),
              Pct(lat.latency_ms, 0.9), Pct(lat.latency_ms, 0.99));
}

// charon as charon-up starts it, but with logging off (charon-up logs keys at level 4, which
// would slow it down unfairly).
std::string StartQuietCharon(const std::string& wd) {
  std::string uri;
  {
    FILE* p = popen(
        (std::string(kPeers) + "/charon-up " + kPrefix + "-b " + wd + " IKE=" + kProposal).c_str(),
        "r");
    if (!p) return "";
    char buf[512] = {0};
    if (fgets(buf, sizeof(buf), p)) uri = buf;
    pclose(p);
  }
  Sh(std::string(kPeers) + "/charon-down " + wd);
  std::filesystem::remove(wd + "/run/charon.vici");  // stale socket of the stopped charon
  Sh("sed -i 's/ike = 4/ike = 0/; s/chd = 4/chd = 0/; s/default = 1/default = 0/' " + wd +
     "/strongswan.conf");
  Sh("ip netns exec " + std::string(kPrefix) +
     "-b unshare -m sh -c \"mount -t tmpfs tmpfs /run && "
     "STRONGSWAN_CONF='" +
     wd + "/strongswan.conf' exec /usr/lib/ipsec/charon\" >" + wd + "/stdout.log 2>&1 & echo $! >" +
     wd + "/pid");
  for (int i = 0; i < 50 && !std::filesystem::exists(wd + "/run/charon.vici"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  while (!uri.empty() && (uri.back() == '\n')) uri.pop_back();
  if (Sh("ip netns exec " + std::string(kPrefix) + "-b swanctl --load-all --noprompt --uri " + uri +
         " --file " + wd + "/swanctl.conf >/dev/null 2>&1") != 0)
    return "";
  return uri;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int window = argc > 2 ? std::atoi(argv[2]) : 8;
  const int lat_n = 50;
  std::printf(
      "IKEv2 responder: full handshakes (IKE_SA_INIT + IKE_AUTH/PSK + CHILD_SA), proposal "
      "`%s`, ESP `aes256gcm16`, initiator = our engine, over a veth pair between two "
      "network namespaces, %u CPU(s).\n\n",
      kProposal, std::thread::hardware_concurrency());
  if (geteuid() != 0 || !std::filesystem::exists(std::string(kPeers) + "/charon-up")) {
    std::printf("_skipped: needs root and %s (run from the project root)_\n", kPeers);
    return 0;
  }
  char tmpl[] = "/tmp/ikebn.XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::string wd = tmpl;
  Sh(std::string(kPeers) + "/netns-pair up " + kPrefix + " >/dev/null");
  int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (!EnterNetns(std::string(kPrefix) + "-a")) {
    std::printf("_skipped: cannot enter netns_\n");
    return 0;
  }
  std::printf(
      "| responder | handshakes | in flight | handshakes/s | latency p50 ms | p90 ms | p99 ms |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  {
    OurResponder ours;
    ours.Start();
    if (ours.ready()) {
      RunStats lat = Drive(lat_n, 1, std::chrono::seconds(30));
      RunStats tput = Drive(n, window, std::chrono::seconds(60));
      Row("ours (ipsec_ike)", tput, lat, window);
    }
    ours.Stop();
  }
  std::string uri = StartQuietCharon(wd + "/c");
  if (!uri.empty()) {
    RunStats lat = Drive(lat_n, 1, std::chrono::seconds(30));
    RunStats tput = Drive(n, window, std::chrono::seconds(60));
    Row("charon 5.9.8 (logging off, kernel-libipsec)", tput, lat, window);
  } else {
    std::printf("| charon | _failed to start_ | | | | | |\n");
  }
  Sh(std::string(kPeers) + "/charon-down " + wd + "/c");
  if (orig >= 0) (void)setns(orig, CLONE_NEWNET);
  Sh(std::string(kPeers) + "/netns-pair down " + kPrefix);
  std::filesystem::remove_all(wd);
  std::printf(
      "\nLatency: %d sequential handshakes (one in flight), from Initiate() to the CHILD_SA "
      "being up at the initiator.\n",
      lat_n);
  return 0;
}
