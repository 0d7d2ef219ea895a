// The espd daemon: config -> IKE engine + device (driver) + SPD + packet I/O + control socket,
// run by one single-threaded poll() loop (DESIGN.md "espd and espctl"):
//   TUN / pcap-in --(SPD: PROTECT)--> device ENCAP --> raw ESP socket or UDP 4500 --> peer
//   peer --> raw ESP socket or UDP 4500 --> device DECAP --(inbound policy check)--> TUN / pcap
//   IKE on UDP 500/4500 <-> Engine; Engine child events -> SaManager -> driver;
//   device events (soft lifetime) -> Engine::OnSoftLifetime; timers from Engine::NextTimer;
//   SIGTERM/SIGINT -> Engine::Shutdown (DELETEs), SAs removed and zeroized, exit 0.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "host/control.h"
#include "host/datapath.h"
#include "host/espd_config.h"
#include "host/packet_io.h"
#include "host/pcap_io.h"
#include "host/sa_manager.h"
#include "host/spd.h"
#include "ike/exchange/engine.h"
#include "ike/transport/udp_transport.h"

namespace ipsec::host {

struct EspdOptions {
  std::string config_path;
  std::string backend = "rtl";
  std::string control = kDefaultControlSocket;
  std::string log_level = "info";
  std::string tun = "esp0";  // "" or --no-tun: no TUN device
  std::string pcap_in, pcap_out, wire_pcap;
  uint16_t ike_port = 500, natt_port = 4500;
  uint32_t bind_addr = 0;  // 0: any
  double clock_mhz = 250;  // for modeled Gbps where the backend counts cycles
};

class Espd {
 public:
  // Every failure is one line for stderr (the caller exits non-zero).
  static tl::expected<std::unique_ptr<Espd>, std::string> Create(EspdOptions opts, EspdConfig cfg);
  ~Espd();
  // Runs until SIGTERM/SIGINT; returns the exit status.
  int Run();

 private:
  Espd(EspdOptions opts, EspdConfig cfg);
  std::string Setup();
  void Log(int level, const std::string& line);

  void HandlePlain(std::vector<std::vector<uint8_t>>& pkts);
  void HandleEsp(std::vector<std::vector<uint8_t>>& pkts);
  void SendEsp(std::span<const uint8_t> ip);
  void Deliver(std::span<const uint8_t> inner);
  void FeedPcapIn();
  void Drop(const std::string& cause, bool inbound) { ++(inbound ? drops_in_ : drops_out_)[cause]; }

  nlohmann::json HandleControl(const nlohmann::json& req);
  nlohmann::json ListSas();
  nlohmann::json Stats();
  void Shutdown();

  EspdOptions opts_;
  EspdConfig cfg_;
  int log_min_ = 1;
  std::unique_ptr<hw::Device> dev_;
  std::unique_ptr<driver::Driver> drv_;
  std::unique_ptr<Datapath> dp_;
  Spd spd_;
  std::unique_ptr<SaManager> sam_;
  std::unique_ptr<ike::UdpTransport> udp_;
  ike::SteadyClock clock_;
  ike::OpenSslRandom random_;
  std::unique_ptr<ike::Engine> engine_;
  std::optional<Tun> tun_;
  std::optional<RawEsp> raw_;
  ControlServer ctl_;
  Fd signal_fd_;
  std::optional<PcapWriter> pcap_out_, wire_;
  std::vector<PcapRecord> pcap_in_;
  size_t pcap_in_next_ = 0;  // next pcap-in record to send
  std::optional<std::chrono::steady_clock::time_point> pcap_in_at_;
  std::map<std::string, std::chrono::steady_clock::time_point> trap_fired_;
  std::map<std::string, std::chrono::steady_clock::time_point> restarts_;  // child -> when

  // Counters (espctl stats).
  std::chrono::steady_clock::time_point started_;
  std::optional<std::chrono::steady_clock::time_point> handshake_t0_;
  std::optional<double> handshake_ms_;
  uint64_t plain_in_ = 0, plain_bytes_in_ = 0, encap_ok_ = 0, esp_out_ = 0, esp_in_ = 0;
  uint64_t decap_ok_ = 0, plain_out_ = 0, plain_bytes_out_ = 0, bypass_ = 0;
  std::map<std::string, uint64_t> drops_out_, drops_in_;
};

}  // namespace ipsec::host
