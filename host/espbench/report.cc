#include "host/espbench/report.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace ipsec::host::bench {
namespace {

using nlohmann::json;

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

double Num(const json& j, const char* key, double dflt = 0) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : dflt;
}

std::string ParamStr(const json& params, const char* key, const std::string& dflt) {
  if (!params.contains(key)) return dflt;
  const json& v = params[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return Fixed(v.get<double>(), 2);
  if (v.is_boolean()) return v.get<bool>() ? "on" : "off";
  return v.dump();
}

// Line label of a record in the plots: lanes x host read latency (x load when limited).
std::string Series(const json& rec) {
  const std::string inflight = ParamStr(rec["params"], "inflight", "0");
  return std::to_string(rec.value("lanes", 1)) + " lane(s), read latency " +
         ParamStr(rec["params"], "read_latency", "0") + " cyc" +
         (inflight == "0" ? "" : ", " + inflight + " in flight");
}

}  // namespace

json MakeRecord(const json& params, double clock_mhz, const RunResult& r,
                const BaselineResult* baseline) {
  json j;
  j["params"] = params;
  j["backend"] = r.backend;
  j["lanes"] = r.lanes;
  j["clock_mhz"] = clock_mhz;
  j["packets"] = r.packets;
  j["bytes"] = r.bytes;
  j["cycles"] = r.cycles;
  j["timed"] = r.cycles > 0;
  json statuses = json::object(), drops = json::object();
  for (const auto& [name, n] : r.statuses) {
    statuses[name] = n;
    if (name != "OK") drops[name] = n;
  }
  j["statuses"] = statuses;
  j["drops"] = drops;
  j["total_cycles"] = r.total_cycles;
  j["wall_s"] = r.wall_seconds;
  if (r.cycles > 0 && r.packets > 0) {
    const double cyc = static_cast<double>(r.cycles);
    const double lane_cycles = cyc * r.lanes;
    j["cycles_per_packet"] = cyc / static_cast<double>(r.packets);
    j["mpps"] = static_cast<double>(r.packets) * clock_mhz / cyc;
    j["gbps"] = static_cast<double>(r.bytes) * 8 * clock_mhz / cyc / 1000;
    j["bits_per_cycle"] = static_cast<double>(r.bytes) * 8 / cyc;
    j["efficiency"] = static_cast<double>(r.limit_beats) / lane_cycles;
    // AES and GHASH are per lane; the host bus (DMA read and write) is one for the device.
    j["utilization"] = {{"aes", static_cast<double>(r.beats.aes) / lane_cycles},
                        {"ghash", static_cast<double>(r.beats.ghash) / lane_cycles},
                        {"dma_read", static_cast<double>(r.beats.dma_read) / cyc},
                        {"dma_write", static_cast<double>(r.beats.dma_write) / cyc}};
    auto pct = [&](double scale) {
      return json{{"p50", static_cast<double>(r.latency.p50) * scale},
                  {"p99", static_cast<double>(r.latency.p99) * scale},
                  {"p999", static_cast<double>(r.latency.p999) * scale},
                  {"max", static_cast<double>(r.latency.max) * scale}};
    };
    j["latency_cycles"] = pct(1.0);
    j["latency_ns"] = pct(1000.0 / clock_mhz);
  }
  if (r.wall_seconds > 0) {
    j["sim_khz"] = static_cast<double>(r.total_cycles) / r.wall_seconds / 1000;
  }
  if (baseline != nullptr) {
    j["baseline"] = {{"packets", baseline->packets},
                     {"seconds", baseline->seconds},
                     {"mpps", baseline->mpps()},
                     {"gbps", baseline->gbps()}};
  }
  return j;
}

std::string MarkdownTable(const std::vector<json>& records) {
  std::ostringstream os;
  os << "| sizes (B) | decap | SAs | lanes | read lat (cyc) | in flight | clock (MHz) | Mpps | "
        "Gbps | cycles/pkt | efficiency | use % rd/aes/gh/wr | p50 / p99 / p99.9 latency (ns) | "
        "drops | software 1 core Gbps |\n";
  os << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const json& r : records) {
    const json& p = r["params"];
    os << "| " << ParamStr(p, "sizes", "1500") << " | " << ParamStr(p, "decap", "0") << " | "
       << ParamStr(p, "sas", "1") << " | " << r.value("lanes", 1) << " | "
       << ParamStr(p, "read_latency", "0") << " | "
       << (ParamStr(p, "inflight", "0") == "0" ? "ring" : ParamStr(p, "inflight", "0")) << " | "
       << Fixed(Num(r, "clock_mhz"), 0) << " | ";
    if (r.value("timed", false)) {
      const json& l = r["latency_ns"];
      const json& u = r["utilization"];
      os << Fixed(Num(r, "mpps"), 2) << " | " << Fixed(Num(r, "gbps"), 2) << " | "
         << Fixed(Num(r, "cycles_per_packet"), 1) << " | " << Fixed(Num(r, "efficiency"), 3)
         << " | " << Fixed(100 * Num(u, "dma_read"), 0) << "/" << Fixed(100 * Num(u, "aes"), 0)
         << "/" << Fixed(100 * Num(u, "ghash"), 0) << "/" << Fixed(100 * Num(u, "dma_write"), 0)
         << " | " << Fixed(Num(l, "p50"), 0) << " / " << Fixed(Num(l, "p99"), 0) << " / "
         << Fixed(Num(l, "p999"), 0) << " | ";
    } else {
      os << "untimed | untimed | - | - | - | - | ";
    }
    std::string drops;
    for (const auto& [name, n] : r["drops"].items()) {
      drops += (drops.empty() ? "" : ", ") + name + " " + std::to_string(n.get<uint64_t>());
    }
    os << (drops.empty() ? "none" : drops) << " | ";
    os << (r.contains("baseline") ? Fixed(Num(r["baseline"], "gbps"), 2) : "-") << " |\n";
  }
  return os.str();
}

std::string WritePlots(const std::vector<json>& records, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return dir + ": " + ec.message();
  // series -> size -> (gbps, p99 ns); the software baseline is one more throughput line.
  std::map<std::string, std::map<long, std::pair<double, double>>> series;
  std::map<long, double> software;
  // By lanes: n lanes at n times the 1-lane beat limit (efficiency is per lane).
  std::map<int, std::map<long, double>> ideal;
  for (const json& r : records) {
    if (!r.value("timed", false)) continue;
    const std::string sizes = ParamStr(r["params"], "sizes", "1500");
    char* end = nullptr;
    const long size = std::strtol(sizes.c_str(), &end, 10);
    if (end == nullptr || *end != '\0' || size <= 0) continue;  // a mix: tables only
    series[Series(r)][size] = {Num(r, "gbps"), Num(r["latency_ns"], "p99")};
    // The software figure is wall-clock (noisy on a shared machine): its best run per size.
    if (r.contains("baseline")) {
      software[size] = std::max(software[size], Num(r["baseline"], "gbps"));
    }
    if (Num(r, "efficiency") > 0) {
      ideal[r.value("lanes", 1)][size] = Num(r, "gbps") / Num(r, "efficiency");
    }
  }
  if (series.empty()) return "no timed fixed-size results to plot";
  std::string plot_tp, plot_lat;
  int idx = 0;
  for (const auto& [name, points] : series) {
    const std::string dat = dir + "/series" + std::to_string(idx++) + ".dat";
    std::ofstream f(dat);
    for (const auto& [size, v] : points) f << size << " " << v.first << " " << v.second << "\n";
    const std::string sep = plot_tp.empty() ? "" : ", ";
    plot_tp += sep + "'" + dat + "' using 1:2 with linespoints title '" + name + "'";
    plot_lat += sep + "'" + dat + "' using 1:3 with linespoints title '" + name + "'";
  }
  auto extra_line = [&](const std::map<long, double>& pts, const std::string& file,
                        const std::string& style, const std::string& title) {
    if (pts.empty()) return;
    const std::string dat = dir + "/" + file;
    std::ofstream f(dat);
    for (const auto& [size, gbps] : pts) f << size << " " << gbps << "\n";
    plot_tp += ", '" + dat + "' using 1:2 with " + style + " title '" + title + "'";
  };
  for (const auto& [lanes, pts] : ideal) {
    const std::string n = std::to_string(lanes);
    extra_line(pts, "ideal" + n + ".dat",
               lanes == 1 ? "lines dashtype 3 lc rgb 'black'" : "lines dashtype 3 lc rgb 'gray40'",
               lanes == 1 ? "1 lane at its beat limit (16 B per clock)"
                          : n + " lanes at " + n + " x the 1-lane beat limit");
  }
  extra_line(software, "software.dat", "linespoints dashtype 2",
             "OpenSSL ESP encap, 1 core of this CPU");
  const std::string gp = dir + "/plots.gp";
  std::ofstream g(gp);
  g << "set terminal svg size 900,600 dynamic font 'sans,12'\n"
    << "set logscale x 2\nset xrange [48:12000]\nset grid\nset key below maxrows 3\n"
    << "set xlabel 'packet size (bytes)'\n"
    << "set output '" << dir << "/throughput.svg'\n"
    << "set title 'Modeled ESP throughput vs packet size'\nset ylabel 'Gbit/s'\n"
    << "plot " << plot_tp << "\n"
    << "set output '" << dir << "/latency.svg'\n"
    << "set title 'p99 latency, doorbell to completion'\nset ylabel 'ns'\nset logscale y\n"
    << "plot " << plot_lat << "\n";
  g.close();
  const std::string cmd = "gnuplot '" + gp + "' 2>&1";
  if (std::system(cmd.c_str()) != 0) return "gnuplot failed (is gnuplot-nox installed?)";
  return "";
}

}  // namespace ipsec::host::bench
