// espsim: runs a pcap of packets through the ESP offload device (functional model or RTL) and
// writes the packets that passed. Command line: DESIGN.md "espsim: the command-line contract".
//   espsim encap|decap --backend model|rtl --sa SA.json --in IN.pcap --out OUT.pcap [--stats
//   S.json]
// Exit status: 0 done (drops are not errors), 1 runtime failure, 2 bad arguments or SA file.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "host/backend.h"
#include "host/esp_runner.h"
#include "host/pcap_io.h"
#include "host/sa_file.h"

namespace ipsec::host {
namespace {

int Main(int argc, char** argv) {
  CLI::App app{"espsim: ESP encap/decap of a pcap through the simulated offload device"};
  std::string op, backend = "model", sa_path, in_path, out_path, stats_path;
  app.add_option("op", op, "encap or decap")->required()->check(CLI::IsMember({"encap", "decap"}));
  app.add_option("--backend", backend, "model or rtl")->check(CLI::IsMember(BackendNames()));
  app.add_option("--sa", sa_path, "SA file (JSON)")->required();
  app.add_option("--in", in_path, "input pcap (raw IPv4 or Ethernet)")->required();
  app.add_option("--out", out_path, "output pcap (raw IPv4)")->required();
  app.add_option("--stats", stats_path, "write statistics as JSON here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  auto sas = LoadSaFile(sa_path);
  if (!sas) {
    std::cerr << "espsim: " << sas.error().message << "\n";
    return 2;
  }
  auto input = ReadPcap(in_path);
  if (!input) {
    std::cerr << "espsim: " << in_path << ": " << input.error().message << "\n";
    return 2;
  }
  auto dev = MakeDevice(backend);
  if (!dev) {
    std::cerr << "espsim: " << dev.error() << "\n";
    return 2;
  }
  auto drv = driver::Driver::Open(**dev, {.queues = 1, .ring_log2 = 8});
  if (!drv) {
    std::cerr << "espsim: device: " << drv.error().message << "\n";
    return 1;
  }
  auto runner = EspRunner::Create(**drv, std::move(*sas));
  if (!runner) {
    std::cerr << "espsim: " << runner.error().message << "\n";
    return 2;
  }
  std::vector<PcapRecord> out;
  const hw::Opcode opcode = op == "encap" ? hw::Opcode::kEncap : hw::Opcode::kDecap;
  auto st = (*runner)->Run(opcode, input->records, out);
  if (!st) {
    std::cerr << "espsim: " << st.error().message << "\n";
    return 1;
  }
  if (auto w = WritePcap(out_path, out); !w) {
    std::cerr << "espsim: " << out_path << ": " << w.error().message << "\n";
    return 1;
  }

  std::string drops;
  nlohmann::json j_drops = nlohmann::json::object();
  for (const auto& [cause, n] : st->drops) {
    drops += " " + cause + "=" + std::to_string(n);
    j_drops[cause] = n;
  }
  std::cerr << "espsim: " << op << " (" << backend << "): " << st->in << " in, " << st->out
            << " out, drops:" << (drops.empty() ? " none" : drops) << ", " << st->cycles
            << " cycles\n";
  if (!stats_path.empty()) {
    nlohmann::json j = {{"op", op},
                        {"backend", backend},
                        {"in", st->in},
                        {"out", st->out},
                        {"drops", j_drops},
                        {"cycles", st->cycles},
                        {"skipped_non_ipv4", input->stats.skipped_non_ipv4}};
    auto report = (*runner)->Report();
    if (report) {
      for (const SaReport& r : *report) {
        j["sas"].push_back({{"name", r.name},
                            {"slot", r.slot},
                            {"direction", r.inbound ? "in" : "out"},
                            {"spi", r.spi},
                            {"packets", r.stats.pkts},
                            {"bytes", r.stats.bytes},
                            {"seq", r.stats.seq},
                            {"replay", r.stats.replay},
                            {"auth_fail", r.stats.auth_fail},
                            {"other_drops", r.stats.other_drops}});
      }
    }
    std::ofstream f(stats_path);
    f << j.dump(2) << "\n";
    if (!f) {
      std::cerr << "espsim: " << stats_path << ": cannot write\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace ipsec::host

int main(int argc, char** argv) {
  try {
    return ipsec::host::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "espsim: internal error: " << e.what() << "\n";
    return 1;
  }
}
