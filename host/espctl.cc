// espctl: talks to espd over its control socket (host/control.h).
//   espctl [--control SOCKET] list-sas|stats|initiate CHILD|terminate CHILD [--json]
// list-sas prints like `swanctl --list-sas`; --json prints espd's answer as is.
// Exit status: 0 ok, 1 espd refused the command or could not be reached, 2 bad arguments.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "host/control.h"

namespace ipsec::host {
namespace {

using nlohmann::json;

void PrintSas(const json& j) {
  const auto& ikes = j["ike_sas"];
  const auto& children = j["child_sas"];
  if (ikes.empty() && children.empty()) std::printf("no SAs\n");
  for (const auto& i : ikes) {
    std::printf("%s: %s, IKEv2, %s_i%s %s_r%s\n", i.value("connection", "").c_str(),
                i.value("state", "").c_str(), i.value("spi_i", "").c_str(),
                i.value("initiator", false) ? "*" : "", i.value("spi_r", "").c_str(),
                i.value("initiator", false) ? "" : "*");
    std::printf("  local  %s\n  remote %s\n  %s\n", i.value("local", "").c_str(),
                i.value("remote", "").c_str(), i.value("proposal", "").c_str());
  }
  for (const auto& c : children) {
    const auto& in = c["in"];
    const auto& out = c["out"];
    std::printf("  %s: #%u, %s, %s%s, ESP:%s%s\n", c.value("child", "").c_str(),
                c.value("unique_id", 0u), c.value("state", "").c_str(), c.value("mode", "").c_str(),
                c.value("encap", false) ? "-in-UDP" : "", c.value("algorithm", "").c_str(),
                c.value("outbound_active", false) ? "" : " (outbound on the previous SA)");
    std::printf("    installed %llds ago", static_cast<long long>(c.value("installed_s", 0ll)));
    if (c.value("rekey_in_s", -1ll) >= 0) {
      std::printf(", rekeying in %llds", static_cast<long long>(c.value("rekey_in_s", 0ll)));
    }
    if (c.value("expires_in_s", -1ll) >= 0) {
      std::printf(", expires in %llds", static_cast<long long>(c.value("expires_in_s", 0ll)));
    }
    std::printf("\n");
    std::printf(
        "    in  %s (slot %u), %8llu bytes, %6llu packets, highest seq %llu, window %u "
        "bitmap %s, drops: replay %u, auth %u\n",
        c.value("spi_in", "").c_str(), c.value("slot_in", 0u),
        static_cast<unsigned long long>(in.value("bytes", 0ull)),
        static_cast<unsigned long long>(in.value("packets", 0ull)),
        static_cast<unsigned long long>(in.value("highest_seq", 0ull)),
        in.value("replay_window", 0u), in.value("replay_bitmap", "").c_str(),
        in.value("replay_drops", 0u), in.value("auth_fail", 0u));
    std::printf("    out %s (slot %u), %8llu bytes, %6llu packets, next seq %llu\n",
                c.value("spi_out", "").c_str(), c.value("slot_out", 0u),
                static_cast<unsigned long long>(out.value("bytes", 0ull)),
                static_cast<unsigned long long>(out.value("packets", 0ull)),
                static_cast<unsigned long long>(out.value("next_seq", 0ull)));
    std::printf("    local  %s\n    remote %s\n", c.value("local_ts", "").c_str(),
                c.value("remote_ts", "").c_str());
  }
}

void PrintCauses(const char* title, const json& m) {
  std::printf("  %-9s", title);
  if (m.empty()) std::printf(" none");
  for (const auto& [k, v] : m.items()) {
    std::printf(" %s=%llu", k.c_str(), static_cast<unsigned long long>(v.get<uint64_t>()));
  }
  std::printf("\n");
}

void PrintStats(const json& j) {
  const auto& p = j["plaintext"];
  const auto& e = j["esp"];
  const auto& d = j["device"];
  std::printf("uptime %.1fs, handshake %s\n", j.value("uptime_s", 0.0),
              j["handshake_ms"].is_null()
                  ? "not yet"
                  : (std::to_string(j["handshake_ms"].get<double>()) + " ms").c_str());
  std::printf("plaintext: %llu in (%llu bytes), %llu out (%llu bytes), %llu bypassed\n",
              p.value("in", 0ull), p.value("in_bytes", 0ull), p.value("out", 0ull),
              p.value("out_bytes", 0ull), p.value("bypass", 0ull));
  std::printf("esp: %llu encrypted, %llu sent, %llu received, %llu decrypted\n",
              e.value("encap_ok", 0ull), e.value("out", 0ull), e.value("in", 0ull),
              e.value("decap_ok", 0ull));
  std::printf("drops by cause:\n");
  PrintCauses("outbound", j["drops"]["outbound"]);
  PrintCauses("inbound", j["drops"]["inbound"]);
  std::printf("device (%s): %llu packets, %llu bytes, %llu cycles", d.value("backend", "").c_str(),
              d.value("packets", 0ull), d.value("bytes", 0ull), d.value("cycles", 0ull));
  if (d["modeled_gbps"].is_null()) {
    std::printf(", untimed backend (no modeled Gbps)\n");
  } else {
    std::printf(", %.2f bits/cycle = %.2f Gbps at %.0f MHz\n", d.value("bits_per_cycle", 0.0),
                d.value("modeled_gbps", 0.0), d.value("clock_mhz", 0.0));
  }
  PrintCauses("status", d["status_counters"]);
  const auto& i = j["ike"];
  std::printf(
      "ike: %llu rx, %llu tx, %llu retransmits; children up %llu, rekeyed %llu, down %llu\n",
      i.value("rx", 0ull), i.value("tx", 0ull), i.value("retransmits", 0ull),
      i.value("child_up", 0ull), i.value("child_rekeyed", 0ull), i.value("child_down", 0ull));
}

int Main(int argc, char** argv) {
  CLI::App app{"espctl: control a running espd"};
  std::string control = kDefaultControlSocket, child;
  bool as_json = false;
  app.add_option("--control", control, "espd's control socket")->capture_default_str();
  app.add_flag("--json", as_json, "print the answer as JSON");
  app.require_subcommand(1);
  auto* list = app.add_subcommand("list-sas", "list IKE and CHILD SAs with counters");
  auto* stats = app.add_subcommand("stats", "packet, drop and device statistics");
  auto* init = app.add_subcommand("initiate", "initiate a CHILD_SA");
  auto* term = app.add_subcommand("terminate", "delete a CHILD_SA");
  init->add_option("CHILD", child, "child name")->required();
  term->add_option("CHILD", child, "child name")->required();
  for (auto* s : {list, stats, init, term}) s->add_flag("--json", as_json, "print JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  const std::string cmd = app.get_subcommands().front()->get_name();
  json req = {{"cmd", cmd}};
  if (!child.empty()) req["child"] = child;
  auto reply = ControlRequest(control, req);
  if (!reply) {
    std::cerr << "espctl: " << reply.error().message << "\n";
    return 1;
  }
  const bool ok = reply->value("ok", false);
  if (as_json) {
    std::cout << reply->dump(1) << "\n";
  } else if (!ok) {
    std::cerr << "espctl: " << cmd << ": " << reply->value("error", "failed") << "\n";
  } else if (cmd == "list-sas") {
    PrintSas(*reply);
  } else if (cmd == "stats") {
    PrintStats(*reply);
  } else {
    std::printf("%s\n", reply->value("message", "ok").c_str());
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace ipsec::host

int main(int argc, char** argv) {
  try {
    return ipsec::host::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "espctl: fatal: " << e.what() << "\n";
    return 1;
  }
}
