// espbench: throughput modeling of the ESP offload device. It drives traffic through the
// cycle-accurate RTL via the driver and reports Gbps, Mpps, cycles per packet, efficiency
// against the per-packet beat limit, latency percentiles, per-block utilization and drops,
// next to a software baseline (OpenSSL AES-GCM ESP on one core of this machine).
//
//   espbench run [options] [--json R.json]       one configuration
//   espbench sweep SWEEP.json --dir D [-j N]     plan (D/Makefile), run, merge
//   espbench report R.json... [--md F] [--plots DIR]
// Exit status: 0 done, 1 a run failed (device error, hang), 2 bad arguments.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "host/backend.h"
#include "host/espbench/baseline.h"
#include "host/espbench/report.h"
#include "host/espbench/runner.h"
#include "host/espbench/sweep.h"

namespace ipsec::host::bench {
namespace {

using nlohmann::json;

// One configuration: the run options, as CLI flags and as the JSON keys of sweep files.
struct Params {
  RunConfig run;
  std::string backend;  // empty: rtl when built, else model
  uint32_t lanes = 1;
  uint32_t read_latency = 0;  // host read latency, cycles
  uint32_t read_bw = 0;       // host read bandwidth, bytes per cycle; 0 = unlimited
  double clock_mhz = 250;
  double baseline_s = 0;  // seconds of software baseline; 0 = none
};

void ToJson(const Params& p, json& j) {
  j = {{"sizes", p.run.sizes},
       {"sas", p.run.sas.count},
       {"tunnel", p.run.sas.tunnel},
       {"natt", p.run.sas.natt},
       {"esn", p.run.sas.esn},
       {"aes256", p.run.sas.aes256},
       {"decap", p.run.decap},
       {"queues", p.run.queues},
       {"ring_log2", p.run.ring_log2},
       {"inflight", p.run.inflight},
       {"packets", p.run.packets},
       {"warmup", p.run.warmup},
       {"seed", p.run.seed},
       {"coalesce_count", p.run.coalesce_count},
       {"coalesce_timer", p.run.coalesce_timer},
       {"irq", p.run.interrupts},
       {"lanes", p.lanes},
       {"read_latency", p.read_latency},
       {"read_bw", p.read_bw},
       {"clock_mhz", p.clock_mhz},
       {"baseline", p.baseline_s},
       {"backend", p.backend}};
}

// Reads a params object over the defaults; unknown keys and wrong types are errors.
std::string FromJson(const json& j, Params& p) {
  if (!j.is_object()) return "params: need a JSON object";
  try {
    for (const auto& [k, v] : j.items()) {
      if (k == "sizes")
        p.run.sizes = v.is_string() ? v.get<std::string>() : v.dump();
      else if (k == "sas")
        p.run.sas.count = v.get<uint32_t>();
      else if (k == "tunnel")
        p.run.sas.tunnel = v.get<double>();
      else if (k == "natt")
        p.run.sas.natt = v.get<double>();
      else if (k == "esn")
        p.run.sas.esn = v.get<double>();
      else if (k == "aes256")
        p.run.sas.aes256 = v.get<double>();
      else if (k == "decap")
        p.run.decap = v.get<double>();
      else if (k == "queues")
        p.run.queues = v.get<uint32_t>();
      else if (k == "ring_log2")
        p.run.ring_log2 = v.get<uint32_t>();
      else if (k == "inflight")
        p.run.inflight = v.get<uint32_t>();
      else if (k == "packets")
        p.run.packets = v.get<uint64_t>();
      else if (k == "warmup")
        p.run.warmup = v.get<uint64_t>();
      else if (k == "seed")
        p.run.seed = v.get<uint64_t>();
      else if (k == "coalesce_count")
        p.run.coalesce_count = v.get<uint8_t>();
      else if (k == "coalesce_timer")
        p.run.coalesce_timer = v.get<uint32_t>();
      else if (k == "irq")
        p.run.interrupts = v.get<bool>();
      else if (k == "lanes")
        p.lanes = v.get<uint32_t>();
      else if (k == "read_latency")
        p.read_latency = v.get<uint32_t>();
      else if (k == "read_bw")
        p.read_bw = v.get<uint32_t>();
      else if (k == "clock_mhz")
        p.clock_mhz = v.get<double>();
      else if (k == "baseline")
        p.baseline_s = v.get<double>();
      else if (k == "backend")
        p.backend = v.get<std::string>();
      else
        return "params: unknown key '" + k + "'";
    }
  } catch (const json::exception& e) {
    return std::string("params: ") + e.what();
  }
  return "";
}

void AddRunOptions(CLI::App* app, Params& p) {
  app->add_option("--sizes", p.run.sizes,
                  "packet sizes: N | N,N,... | imix | uniform:LO-HI | pcap:FILE");
  app->add_option("--sas", p.run.sas.count, "number of SAs (each an outbound + inbound pair)");
  app->add_option("--tunnel", p.run.sas.tunnel, "fraction of SAs in tunnel mode")
      ->check(CLI::Range(0.0, 1.0));
  app->add_option("--natt", p.run.sas.natt, "fraction with NAT-T")->check(CLI::Range(0.0, 1.0));
  app->add_option("--esn", p.run.sas.esn, "fraction with ESN")->check(CLI::Range(0.0, 1.0));
  app->add_option("--aes256", p.run.sas.aes256, "fraction with AES-256")
      ->check(CLI::Range(0.0, 1.0));
  app->add_option("--decap", p.run.decap, "fraction of decap packets")->check(CLI::Range(0.0, 1.0));
  app->add_option("--lanes", p.lanes,
                  "parallel ESP lanes: a Verilated configuration of the build (IPSEC_EXTRA_LANES)");
  app->add_option("--queues", p.run.queues, "queue pairs (SA i on queue i mod N)");
  app->add_option("--ring-log2", p.run.ring_log2, "ring depth = 2^N")->check(CLI::Range(1, 12));
  app->add_option("--inflight", p.run.inflight,
                  "descriptors outstanding at most (0: rings full; 1: lone-packet latency)");
  app->add_option("--clock-mhz", p.clock_mhz, "device clock for Gbps and ns")
      ->check(CLI::PositiveNumber);
  app->add_option("--read-latency", p.read_latency, "host memory read latency, cycles");
  app->add_option("--read-bw", p.read_bw, "host memory read bandwidth, bytes/cycle (0: any)");
  app->add_option("--coalesce-count", p.run.coalesce_count, "completions per interrupt");
  app->add_option("--coalesce-timer", p.run.coalesce_timer, "interrupt timer, cycles");
  app->add_flag("--irq", p.run.interrupts, "wait on interrupts instead of polling");
  app->add_option("--packets", p.run.packets, "packets to send")->check(CLI::PositiveNumber);
  app->add_option("--warmup", p.run.warmup, "packets before the measurement starts");
  app->add_option("--seed", p.run.seed, "traffic and key seed");
  app->add_option("--backend", p.backend, "rtl or model (default: rtl when built)");
  app->add_option("--baseline", p.baseline_s, "seconds of software baseline (0: none)");
}

// The device for a configuration. The model is untimed: cycle figures need the RTL.
tl::expected<std::unique_ptr<hw::Device>, std::string> MakeBenchDevice(Params& p) {
  const std::vector<std::string> names = BackendNames();
  if (p.backend.empty()) {
    p.backend = std::find(names.begin(), names.end(), "rtl") != names.end() ? "rtl" : "model";
  }
  if (p.backend == "model" && p.lanes != 1) {
    return tl::unexpected(std::string("--lanes: the functional model has no lanes (use rtl)"));
  }
  if (p.backend == "model") {
    if (p.read_latency != 0 || p.read_bw != 0) {
      return tl::unexpected(
          std::string("--read-latency/--read-bw: the model is untimed (use rtl)"));
    }
    return MakeDevice(p.backend);
  }
  if (p.read_bw > 128) return tl::unexpected(std::string("--read-bw: 1..128 bytes per cycle"));
  // The Verilator device takes its lane configuration (one Verilated model per lane count, see
  // IPSEC_EXTRA_LANES) and host-memory timing from the environment (sim_device.h).
  setenv("IPSEC_SIM_LANES", std::to_string(p.lanes).c_str(), 1);
  setenv("IPSEC_SIM_READ_LATENCY", std::to_string(p.read_latency).c_str(), 1);
  // 0: a beat a clock, whatever the configuration's bus width (at most its beat).
  setenv("IPSEC_SIM_BYTES_PER_CYCLE", std::to_string(p.read_bw == 0 ? 128 : p.read_bw).c_str(), 1);
  return MakeDevice(p.backend);
}

int RunOne(Params p, const std::string& json_out, bool quiet) {
  auto dev = MakeBenchDevice(p);
  if (!dev) {
    std::cerr << "espbench: " << dev.error() << "\n";
    return 2;
  }
  driver::Options opts;
  opts.queues = p.run.queues;
  opts.ring_log2 = p.run.ring_log2;
  opts.interrupts = p.run.interrupts;
  opts.coalesce_count = p.run.coalesce_count;
  opts.coalesce_timer = p.run.coalesce_timer;
  auto drv = driver::Driver::Open(**dev, opts);
  if (!drv) {
    std::cerr << "espbench: device: " << drv.error().message << "\n";
    return 1;
  }
  const bool tty = isatty(STDERR_FILENO) && !quiet;
  if (tty) {
    p.run.progress = [](uint64_t done, uint64_t total) {
      const int w = 40, k = static_cast<int>(w * done / total);
      std::fprintf(stderr, "\r[%.*s%*s] %3d%%", k, "########################################",
                   w - k, "", static_cast<int>(100 * done / total));
    };
  }
  auto r = RunTraffic(**drv, p.run);
  if (tty) std::fprintf(stderr, "\n");
  if (!r) {
    std::cerr << "espbench: " << r.error().message << "\n";
    return r.error().code == BenchErrc::kBadSpec ? 2 : 1;
  }
  std::optional<BaselineResult> base;
  if (p.baseline_s > 0) {
    auto b = RunBaseline(p.run.sizes, p.run.sas, p.run.seed, p.baseline_s);
    if (!b) {
      std::cerr << "espbench: baseline: " << b.error().message << "\n";
      return 1;
    }
    base = *b;
  }
  json params;
  ToJson(p, params);
  const json rec = MakeRecord(params, p.clock_mhz, *r, base ? &*base : nullptr);
  if (!quiet) std::cout << MarkdownTable({rec});
  if (!json_out.empty()) {
    std::ofstream f(json_out);
    f << rec.dump(2) << "\n";
    if (!f) {
      std::cerr << "espbench: " << json_out << ": write failed\n";
      return 1;
    }
  }
  return 0;
}

int Report(const std::vector<std::string>& files, const std::string& md, const std::string& plots) {
  std::vector<json> recs;
  for (const std::string& f : files) {
    std::ifstream in(f);
    json j = json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("params")) {
      std::cerr << "espbench: " << f << ": not an espbench result\n";
      return 2;
    }
    recs.push_back(std::move(j));
  }
  const std::string table = MarkdownTable(recs);
  std::cout << table;
  if (!md.empty()) std::ofstream(md) << table;
  if (!plots.empty()) {
    const std::string err = WritePlots(recs, plots);
    if (!err.empty())
      std::cerr << "espbench: plots: " << err << "\n";
    else
      std::cerr << "espbench: plots in " << plots << "/throughput.svg, latency.svg\n";
  }
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{"espbench: throughput modeling of the ESP offload device"};
  app.require_subcommand(1);

  Params p;
  std::string json_out, params_file;
  bool quiet = false;
  CLI::App* run = app.add_subcommand("run", "run one configuration");
  AddRunOptions(run, p);
  run->add_option("--params", params_file, "read the configuration from a JSON object");
  run->add_option("--json", json_out, "write the result record here");
  run->add_flag("--quiet", quiet, "no table, no progress bar");

  std::string sweep_file, dir = "build/espbench", md, plots;
  unsigned jobs = 2;
  CLI::App* sweep = app.add_subcommand("sweep", "plan, run and merge a sweep file");
  sweep->add_option("file", sweep_file, "sweep JSON")->required();
  sweep->add_option("--dir", dir, "work directory (params, results, Makefile, plots)");
  sweep->add_option("-j,--jobs", jobs, "points run in parallel");
  sweep->add_option("--md", md, "write the Markdown table here");

  std::vector<std::string> results;
  CLI::App* report = app.add_subcommand("report", "merge result records");
  report->add_option("results", results, "result JSON files")->required();
  report->add_option("--md", md, "write the Markdown table here");
  report->add_option("--plots", plots, "write SVG plots into this directory");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (*run) {
    if (!params_file.empty()) {
      std::ifstream in(params_file);
      const json j = json::parse(in, nullptr, false);
      const std::string err = j.is_discarded() ? params_file + ": not JSON" : FromJson(j, p);
      if (!err.empty()) {
        std::cerr << "espbench: " << err << "\n";
        return 2;
      }
    }
    return RunOne(p, json_out, quiet);
  }
  if (*sweep) {
    std::ifstream in(sweep_file);
    const json j = json::parse(in, nullptr, false);
    if (j.is_discarded()) {
      std::cerr << "espbench: " << sweep_file << ": not JSON\n";
      return 2;
    }
    auto points = ExpandSweep(j);
    if (!points) {
      std::cerr << "espbench: " << sweep_file << ": " << points.error().message << "\n";
      return 2;
    }
    for (const json& pt : *points) {  // every point checked before anything runs
      Params check;
      const std::string err = FromJson(pt, check);
      if (!err.empty()) {
        std::cerr << "espbench: " << sweep_file << ": " << err << "\n";
        return 2;
      }
    }
    const std::string self = std::filesystem::canonical("/proc/self/exe").string();
    auto n = PlanSweep(*points, dir, self);
    if (!n) {
      std::cerr << "espbench: " << n.error().message << "\n";
      return 1;
    }
    std::cerr << "espbench: " << *n << " points planned in " << dir << "/Makefile; running with -j"
              << jobs << "\n";
    const std::string cmd = "make -s -C '" + dir + "' -j" + std::to_string(jobs);
    if (std::system(cmd.c_str()) != 0) {
      std::cerr << "espbench: a sweep point failed (see above); rerun: " << cmd << "\n";
      return 1;
    }
    std::vector<std::string> files;
    for (size_t i = 0; i < *n; ++i) files.push_back(dir + "/point-" + std::to_string(i) + ".json");
    return Report(files, md, dir);
  }
  return Report(results, md, plots);
}

}  // namespace
}  // namespace ipsec::host::bench

int main(int argc, char** argv) {
  try {
    return ipsec::host::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "espbench: " << e.what() << "\n";
    return 1;
  }
}
