#include "host/espd_daemon.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "host/backend.h"
#include "hw/util/endian.h"
#include "ike/config/traffic_selector.h"

namespace ipsec::host {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kBatch = 64;  // packets read per readiness before they go to the device

int LevelFromName(const std::string& s) {
  if (s == "debug") return 0;
  if (s == "warn" || s == "warning") return 2;
  if (s == "error") return 3;
  return 1;
}

PcapTimestamp Now() {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return {static_cast<uint32_t>(us / 1'000'000), static_cast<uint32_t>(us % 1'000'000)};
}

}  // namespace

Espd::Espd(EspdOptions opts, EspdConfig cfg) : opts_(std::move(opts)), cfg_(std::move(cfg)) {
  log_min_ = LevelFromName(opts_.log_level);
}

Espd::~Espd() = default;

void Espd::Log(int level, const std::string& line) {
  if (level < log_min_) return;
  switch (level) {
    case 0:
      spdlog::debug("{}", line);
      break;
    case 1:
      spdlog::info("{}", line);
      break;
    case 2:
      spdlog::warn("{}", line);
      break;
    default:
      spdlog::error("{}", line);
      break;
  }
}

tl::expected<std::unique_ptr<Espd>, std::string> Espd::Create(EspdOptions opts, EspdConfig cfg) {
  auto logger = spdlog::stderr_logger_mt("espd");
  logger->set_pattern("%H:%M:%S.%e espd[%l] %v");
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);
  // SIGTERM/SIGINT are read from a signalfd: block them before any thread exists (a backend may
  // start threads, which inherit the mask), so no thread takes the default action.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::unique_ptr<Espd> d(new Espd(std::move(opts), std::move(cfg)));
  if (std::string err = d->Setup(); !err.empty()) return tl::unexpected(err);
  return d;
}

std::string Espd::Setup() {
  started_ = Clock::now();
  // Device and driver.
  auto dev = MakeDevice(opts_.backend);
  if (!dev) return dev.error();
  dev_ = std::move(*dev);
  auto drv = driver::Driver::Open(*dev_, {.queues = 1, .ring_log2 = 8});
  if (!drv) return "device (" + opts_.backend + "): " + drv.error().message;
  drv_ = std::move(*drv);
  dp_ = std::make_unique<Datapath>(*drv_);
  sam_ = std::make_unique<SaManager>(*drv_, spd_, cfg_,
                                     [this](int l, const std::string& s) { Log(l, s); });

  // IKE sockets: the first connection's concrete local address, else any.
  uint32_t bind = opts_.bind_addr;
  if (bind == 0 && !cfg_.ike.connections.empty()) {
    const auto& a = cfg_.ike.connections.front().local_addrs.front();
    if (a != "%any") bind = ike::ParseIpv4(a).value_or(0);
  }
  auto udp = ike::UdpTransport::Open(bind, opts_.ike_port, opts_.natt_port);
  if (!udp) {
    return "IKE sockets (UDP " + std::to_string(opts_.ike_port) + "/" +
           std::to_string(opts_.natt_port) + "): " + udp.error().message;
  }
  udp_ = std::move(*udp);
  SetReceiveBuffer(udp_->natt_fd());  // ESP in UDP arrives in bursts while the device works
  if (auto raw = RawEsp::Open()) {
    raw_ = std::move(*raw);
    SetReceiveBuffer(raw_->fd());
  } else {
    Log(2, raw.error().message +
               ": ESP without UDP encapsulation is unavailable (encap = yes "
               "still works)");
  }

  // Plaintext side.
  if (!opts_.tun.empty()) {
    auto tun = Tun::Open(opts_.tun, kLinkMtu - kTunnelOverhead);
    if (!tun) return tun.error().message;
    tun_ = std::move(*tun);
  }
  if (!opts_.pcap_in.empty()) {
    auto in = ReadPcap(opts_.pcap_in);
    if (!in) return opts_.pcap_in + ": " + in.error().message;
    pcap_in_ = std::move(in->records);
  }
  for (auto [path, slot] : {std::pair{&opts_.pcap_out, &pcap_out_}, {&opts_.wire_pcap, &wire_}}) {
    if (path->empty()) continue;
    auto w = PcapWriter::Open(*path);
    if (!w) return *path + ": " + w.error().message;
    slot->emplace(std::move(*w));
  }

  // Control socket.
  auto ctl = ControlServer::Open(opts_.control);
  if (!ctl) return ctl.error().message;
  ctl_ = std::move(*ctl);

  // SIGTERM / SIGINT through a signalfd.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  signal_fd_ = Fd(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));

  // IKE engine.
  ike::Engine::Deps deps;
  deps.sender = udp_.get();
  deps.clock = &clock_;
  deps.sink = sam_.get();
  deps.random = &random_;
  deps.log = [this](ike::LogLevel l, std::string_view s) {
    Log(static_cast<int>(l), "ike: " + std::string(s));
  };
  deps.accept_spi_in = [this](uint32_t spi) { return sam_->AcceptSpiIn(spi); };
  auto engine = ike::Engine::Create(cfg_.ike, deps);
  if (!engine) return "config " + opts_.config_path + ": " + engine.error().message;
  engine_ = std::move(*engine);
  sam_->set_on_rekey_needed([this](uint32_t spi_in) {
    if (auto st = engine_->OnSoftLifetime(spi_in); !st) Log(2, st.error().message);
  });
  sam_->set_on_child_down([this](const ike::ChildSaId& id, ike::DownReason why) {
    if (why != ike::DownReason::kPeerDead) return;
    const auto& action = cfg_.DeviceFor(id.connection, id.child).dpd_action;
    if (action == "restart") {
      Log(1,
          "peer of " + id.connection + " dead: restarting CHILD_SA " + id.child + " (dpd_action)");
      restarts_[id.child] = Clock::now() + std::chrono::seconds(1);
    } else if (action == "trap") {
      for (const auto& c : cfg_.ike.connections) {
        for (const auto& ch : c.children) {
          if (c.name != id.connection || ch.name != id.child) continue;
          auto local = ike::ParseTsList(ch.local_ts, 0);
          auto remote = ike::ParseTsList(ch.remote_ts, 0);
          if (local && remote) {
            spd_.AddTrap({PolicyAction::kTrap, c.name + "/" + ch.name, *local, *remote, 0, 0});
          }
        }
      }
    }
  });
  sam_->set_on_child_up([this](const InstalledSa&) {
    if (!handshake_ms_ && handshake_t0_) {
      handshake_ms_ =
          std::chrono::duration<double, std::milli>(Clock::now() - *handshake_t0_).count();
    }
  });

  // SPD: shunts and traps; routes into the TUN for every remote selector.
  const auto local_addrs = LocalAddresses();
  for (const auto& sh : cfg_.shunts) {
    Policy p;
    p.action = sh.action == ShuntAction::kBypass ? PolicyAction::kBypass : PolicyAction::kDiscard;
    p.name = sh.connection + "/" + sh.name;
    p.local = ike::ParseTsList(sh.local_ts, 0).value_or(std::vector<ike::TsRange>{});
    p.remote = ike::ParseTsList(sh.remote_ts, 0).value_or(std::vector<ike::TsRange>{});
    spd_.AddShunt(std::move(p));
  }
  for (const auto& c : cfg_.ike.connections) {
    for (const auto& ch : c.children) {
      auto local = ike::ParseTsList(ch.local_ts, bind);
      auto remote = ike::ParseTsList(ch.remote_ts, 0);
      if (ch.start_action == ike::StartAction::kTrap && local && remote) {
        spd_.AddTrap({PolicyAction::kTrap, c.name + "/" + ch.name, *local, *remote, 0, 0});
      }
      if (!tun_) continue;
      uint32_t src = 0;
      for (uint32_t a : local_addrs) {
        for (const auto& r : local.value_or(std::vector<ike::TsRange>{})) {
          if (src == 0 && a >= r.start && a <= r.end && (a >> 24) != 127) src = a;
        }
      }
      for (const auto& r : ch.remote_ts) {
        if (r == "dynamic") continue;
        const std::string cidr = r.substr(0, r.find('['));
        if (std::string err = AddRoute(tun_->name(), cidr, src); !err.empty()) Log(2, err);
      }
    }
  }
  Log(1, "espd up: backend " + opts_.backend + ", " + std::to_string(drv_->info().sa_slots) +
             " SA slots, IKE on UDP " + std::to_string(opts_.ike_port) + "/" +
             std::to_string(opts_.natt_port) +
             (tun_ ? ", TUN " + tun_->name() + " mtu " + std::to_string(tun_->mtu()) : "") +
             (raw_ ? ", raw ESP" : "") + ", control " + opts_.control);
  return "";
}

void Espd::SendEsp(std::span<const uint8_t> ip) {
  if (wire_) (void)wire_->Write(ip, Now());
  bool ok = false;
  if (ip.size() >= 20 && ip[9] == 17) {
    ok = SendEspInUdp(udp_->natt_fd(), ip);
  } else if (raw_) {
    ok = raw_->Send(ip);
  }
  if (ok) {
    ++esp_out_;
  } else {
    Drop("SEND_ERROR", false);
  }
}

void Espd::Deliver(std::span<const uint8_t> inner) {
  ++plain_out_;
  plain_bytes_out_ += inner.size();
  if (pcap_out_) (void)pcap_out_->Write(inner, Now());
  if (tun_ && !tun_->Write(inner)) Drop("TUN_WRITE", true);
}

void Espd::HandlePlain(std::vector<std::vector<uint8_t>>& pkts) {
  std::vector<DatapathPacket> jobs;
  for (const auto& pkt : pkts) {
    ++plain_in_;
    plain_bytes_in_ += pkt.size();
    auto flow = ParseFlow(pkt);
    if (!flow) {
      Drop("NOT_IPV4", false);
      continue;
    }
    const Decision d = spd_.Lookup(*flow);
    switch (d.action) {
      case PolicyAction::kProtect:
        jobs.push_back({d.policy->slot, pkt});
        break;
      case PolicyAction::kBypass:
        // In the clear: back to the kernel's routing through the raw socket.
        ++bypass_;
        if (!raw_ || !raw_->Send(pkt)) Drop("SEND_ERROR", false);
        break;
      case PolicyAction::kTrap: {
        Drop("TRAP", false);
        const std::string child = d.policy->name.substr(d.policy->name.find('/') + 1);
        auto& last = trap_fired_[d.policy->name];
        if (Clock::now() - last > std::chrono::seconds(5)) {
          last = Clock::now();
          Log(1, "trap " + d.policy->name + ": initiating");
          if (auto st = engine_->Initiate(child); !st) Log(2, st.error().message);
        }
        break;
      }
      case PolicyAction::kDiscard:
        Drop(d.policy ? "POLICY_DISCARD" : "NO_POLICY", false);
        break;
    }
  }
  if (jobs.empty()) return;
  auto st = dp_->Run(hw::Opcode::kEncap, jobs, [&](size_t, const driver::Completion& c) {
    if (c.status != hw::Status::kOk) {
      Drop(hw::StatusName(c.status), false);
      return;
    }
    ++encap_ok_;
    SendEsp(c.data);
  });
  if (!st) Log(3, st.error().message);
}

void Espd::HandleEsp(std::vector<std::vector<uint8_t>>& pkts) {
  if (pkts.empty()) return;
  std::vector<DatapathPacket> jobs;
  for (const auto& p : pkts) {
    ++esp_in_;
    if (wire_) (void)wire_->Write(p, Now());
    jobs.push_back({0, p});
  }
  auto st = dp_->Run(hw::Opcode::kDecap, jobs, [&](size_t i, const driver::Completion& c) {
    if (c.status != hw::Status::kOk) {
      Drop(hw::StatusName(c.status), true);
      return;
    }
    ++decap_ok_;
    // RFC 4301 5.2: the inner packet must lie inside the selectors of the SA it came through.
    const auto& in = pkts[i];
    const size_t ihl = size_t{in[0] & 0x0fu} * 4;
    const size_t spi_off = ihl + (in[9] == 17 ? 8 : 0);
    const uint32_t spi = in.size() >= spi_off + 4 ? util::LoadBe32(&in[spi_off]) : 0;
    auto flow = ParseFlow(c.data);
    const InstalledSa* sa = nullptr;
    for (const auto& [id, s] : sam_->sas()) {
      if (s.spi_in == spi) sa = &s;
    }
    if (sa != nullptr && sa->mode == ike::Mode::kTunnel &&
        (!flow || !InboundAllowed(sa->local_ts, sa->remote_ts, *flow))) {
      Drop("POLICY_MISMATCH", true);
      return;
    }
    Deliver(c.data);
  });
  if (!st) Log(3, st.error().message);
}

// pcap-in: starts 300 ms after the first CHILD_SA is installed (so the peer has installed its
// side too) and sends kPcapBurst packets every 2 ms (the loop polls at that pace meanwhile), so
// that neither the peer's socket buffer nor its device ring overflows.
void Espd::FeedPcapIn() {
  constexpr size_t kPcapBurst = 16;
  if (pcap_in_next_ >= pcap_in_.size() || sam_->sas().empty()) return;
  const auto now = Clock::now();
  if (!pcap_in_at_) {
    pcap_in_at_ = now + std::chrono::milliseconds(300);
    Log(1,
        "pcap-in: sending " + std::to_string(pcap_in_.size()) + " packets from " + opts_.pcap_in);
  }
  if (now < *pcap_in_at_) return;
  std::vector<std::vector<uint8_t>> batch;
  while (pcap_in_next_ < pcap_in_.size() && batch.size() < kPcapBurst) {
    batch.push_back(std::move(pcap_in_[pcap_in_next_++].packet));
  }
  HandlePlain(batch);
  pcap_in_at_ = now + std::chrono::milliseconds(2);
}

int Espd::Run() {
  for (const auto& c : cfg_.ike.connections) {
    for (const auto& ch : c.children) {
      if (ch.start_action == ike::StartAction::kStart) handshake_t0_ = Clock::now();
    }
  }
  engine_->Start();
  bool stop = false;
  std::vector<pollfd> fds;
  std::vector<std::vector<uint8_t>> esp, plain;
  while (!stop) {
    int timeout = pcap_in_next_ < pcap_in_.size() && !sam_->sas().empty() ? 2 : 200;
    if (auto next = engine_->NextTimer()) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*next - clock_.Now());
      timeout = static_cast<int>(std::clamp<int64_t>(ms.count() + 1, 0, timeout));
    }
    fds.clear();
    fds.push_back({signal_fd_.get(), POLLIN, 0});
    fds.push_back({udp_->ike_fd(), POLLIN, 0});
    fds.push_back({udp_->natt_fd(), POLLIN, 0});
    fds.push_back({raw_ ? raw_->fd() : -1, POLLIN, 0});
    fds.push_back({tun_ ? tun_->fd() : -1, POLLIN, 0});
    const size_t ctl_first = fds.size();
    for (int fd : ctl_.fds()) fds.push_back({fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) {
      Log(3, std::string("poll: ") + strerror(errno));
      break;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si;
      if (read(signal_fd_.get(), &si, sizeof(si)) > 0) {
        Log(1, std::string("signal ") + strsignal(static_cast<int>(si.ssi_signo)) +
                   ": deleting SAs and exiting");
      }
      stop = true;
    }
    if ((fds[1].revents | fds[2].revents) & POLLIN) {
      (void)udp_->Poll(
          std::chrono::milliseconds(0),
          [this](const ike::Datagram& d) {
            if (!handshake_t0_) handshake_t0_ = Clock::now();  // responder: first IKE message
            engine_->OnDatagram(d);
          },
          [&](const ike::Datagram& d) {
            esp.push_back(WrapEspInUdp(d.remote.addr, d.remote.port, d.local.addr, 4500, d.data));
          });
    }
    if (raw_ && (fds[3].revents & POLLIN)) {
      for (size_t i = 0; i < kBatch; ++i) {
        auto p = raw_->Read();
        if (p.empty()) break;
        esp.push_back(std::move(p));
      }
    }
    HandleEsp(esp);
    esp.clear();
    if (tun_ && (fds[4].revents & POLLIN)) {
      for (size_t i = 0; i < kBatch; ++i) {
        auto p = tun_->Read();
        if (p.empty()) break;
        plain.push_back(std::move(p));
      }
      HandlePlain(plain);
      plain.clear();
    }
    for (size_t i = ctl_first; i < fds.size(); ++i) {
      if (fds[i].revents != 0) {
        ctl_.OnReadable(fds[i].fd, [this](const nlohmann::json& r) { return HandleControl(r); });
      }
    }
    if (auto next = engine_->NextTimer(); next && *next <= clock_.Now()) engine_->RunTimers();
    sam_->PollDeviceEvents();
    sam_->Tick();
    for (auto it = restarts_.begin(); it != restarts_.end();) {
      if (Clock::now() < it->second) {
        ++it;
        continue;
      }
      handshake_t0_ = Clock::now();
      handshake_ms_.reset();
      if (auto st = engine_->Initiate(it->first); !st) Log(2, st.error().message);
      it = restarts_.erase(it);
    }
    FeedPcapIn();
  }
  Shutdown();
  return 0;
}

void Espd::Shutdown() {
  engine_->Shutdown();
  // Give the DELETEs a moment to be answered, then take the SAs out of the device.
  const auto end = Clock::now() + std::chrono::seconds(2);
  while (!engine_->List().empty() && Clock::now() < end) {
    (void)udp_->Poll(std::chrono::milliseconds(20),
                     [this](const ike::Datagram& d) { engine_->OnDatagram(d); });
    if (auto next = engine_->NextTimer(); next && *next <= clock_.Now()) engine_->RunTimers();
  }
  sam_->RemoveAll();
  if (pcap_out_) (void)pcap_out_->Close();
  if (wire_) (void)wire_->Close();
  std::string drops;
  for (const auto* m : {&drops_out_, &drops_in_}) {
    for (const auto& [k, v] : *m) drops += " " + k + "=" + std::to_string(v);
  }
  Log(1, "espd exiting: " + std::to_string(plain_in_) + " plaintext in, " +
             std::to_string(esp_out_) + " ESP out, " + std::to_string(esp_in_) + " ESP in, " +
             std::to_string(plain_out_) +
             " plaintext out, drops:" + (drops.empty() ? " none" : drops));
}

}  // namespace ipsec::host
