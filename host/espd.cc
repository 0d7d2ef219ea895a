// espd: IKEv2 + ESP gateway whose ESP runs on the simulated offload device.
// Command line (DESIGN.md "espd and espctl"):
//   espd --config FILE [--backend rtl|model] [--control SOCKET] [--log-level LEVEL]
// plus espd options beyond the contract: --tun NAME | --no-tun, --pcap-in/--pcap-out FILE
// (plaintext from/to pcap instead of TUN), --wire-pcap FILE (every ESP packet sent and received),
// --ike-port/--natt-port, --bind ADDR, --clock-mhz (for modeled Gbps), --check (validate the
// config and the backend, then exit).
// Backend: the default is rtl; when this build has no RTL device, espd fails with one line saying
// so and that --backend model works (no silent fallback, so a run never measures the wrong thing).
// Exit status: 0 after SIGTERM/SIGINT (SAs deleted), 1 runtime failure (device, sockets, TUN),
// 2 bad arguments or config.
#include <CLI/CLI.hpp>
#include <iostream>

#include "host/backend.h"
#include "host/espd_daemon.h"

namespace ipsec::host {
namespace {

int Main(int argc, char** argv) {
  CLI::App app{"espd: IKEv2 gateway with ESP on the simulated offload device"};
  EspdOptions o;
  bool no_tun = false, check = false;
  std::string bind;
  app.add_option("--config", o.config_path, "swanctl.conf-style configuration")->required();
  app.add_option("--backend", o.backend, "device backend: rtl (default) or model")
      ->check(CLI::IsMember(BackendNames()));
  app.add_option("--control", o.control, "control socket for espctl")->capture_default_str();
  app.add_option("--log-level", o.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "warning", "error"}));
  app.add_option("--tun", o.tun, "TUN device for plaintext")->capture_default_str();
  app.add_flag("--no-tun", no_tun, "no TUN device (pcap mode)");
  app.add_option("--pcap-in", o.pcap_in, "plaintext packets to send once a CHILD_SA is up");
  app.add_option("--pcap-out", o.pcap_out, "write decrypted packets here");
  app.add_option("--wire-pcap", o.wire_pcap, "write every ESP packet sent and received here");
  app.add_option("--ike-port", o.ike_port, "UDP port for IKE")->capture_default_str();
  app.add_option("--natt-port", o.natt_port, "UDP port for IKE/ESP with NAT-T")
      ->capture_default_str();
  app.add_option("--bind", bind,
                 "local IPv4 address for the IKE sockets (default: the first "
                 "connection's local_addrs, else any)");
  app.add_option("--clock-mhz", o.clock_mhz, "device clock for modeled Gbps")
      ->capture_default_str();
  app.add_flag("--check", check, "validate the config and the backend, then exit");
  std::string rt_timeout;
  int rt_tries = -1;
  app.add_option("--retransmit-timeout", rt_timeout,
                 "first IKE retransmit after this long (strongswan.conf retransmit_timeout; "
                 "default 4s)");
  app.add_option("--retransmit-tries", rt_tries, "IKE retransmits before giving up (default 5)")
      ->check(CLI::Range(0, 20));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (no_tun) o.tun.clear();
  if (!bind.empty()) {
    auto a = ike::ParseIpv4(bind);
    if (!a) {
      std::cerr << "espd: --bind: '" << bind << "' is not an IPv4 address\n";
      return 2;
    }
    o.bind_addr = *a;
  }
  auto cfg = LoadEspdConfig(o.config_path);
  if (!cfg) {
    std::cerr << "espd: " << cfg.error().message << "\n";
    return 2;
  }
  if (!rt_timeout.empty()) {
    std::chrono::milliseconds ms{};
    if (!ParseDuration(rt_timeout, &ms) || ms.count() == 0) {
      std::cerr << "espd: --retransmit-timeout: '" << rt_timeout << "' is not a duration\n";
      return 2;
    }
    cfg->ike.retransmit.timeout = ms;
  }
  if (rt_tries >= 0) cfg->ike.retransmit.tries = rt_tries;
  if (check) {
    auto dev = MakeDevice(o.backend);
    if (!dev) {
      std::cerr << "espd: " << dev.error() << "\n";
      return 1;
    }
    std::cerr << "espd: " << o.config_path << ": " << cfg->ike.connections.size()
              << " connection(s), backend " << o.backend << " available\n";
    return 0;
  }
  auto d = Espd::Create(std::move(o), std::move(*cfg));
  if (!d) {
    std::cerr << "espd: " << d.error() << "\n";
    return 1;
  }
  return (*d)->Run();
}

}  // namespace
}  // namespace ipsec::host

int main(int argc, char** argv) {
  try {
    return ipsec::host::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "espd: fatal: " << e.what() << "\n";
    return 1;
  }
}
