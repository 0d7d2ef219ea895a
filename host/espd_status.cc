// espd's control commands: list-sas, stats, initiate, terminate (host/control.h protocol).
#include <cstdio>

#include "host/espd_daemon.h"

namespace ipsec::host {
namespace {

using Clock = std::chrono::steady_clock;

std::string Hex(uint64_t v, int digits) {
  char b[24];
  std::snprintf(b, sizeof(b), "%0*llx", digits, static_cast<unsigned long long>(v));
  return b;
}

int64_t SecondsLeft(Clock::time_point since, std::chrono::milliseconds after) {
  if (after.count() == 0) return -1;
  return std::chrono::duration_cast<std::chrono::seconds>(since + after - Clock::now()).count();
}

}  // namespace

nlohmann::json Espd::HandleControl(const nlohmann::json& req) {
  const std::string cmd = req.value("cmd", "");
  if (cmd == "list-sas") return ListSas();
  if (cmd == "stats") return Stats();
  if (cmd == "initiate" || cmd == "terminate") {
    const std::string child = req.value("child", "");
    if (child.empty()) return {{"ok", false}, {"error", cmd + ": which CHILD?"}};
    if (cmd == "initiate") {
      handshake_t0_ = Clock::now();
      handshake_ms_.reset();
    }
    auto st = cmd == "initiate" ? engine_->Initiate(child) : engine_->Terminate(child);
    if (!st) return {{"ok", false}, {"error", st.error().message}};
    Log(1, "control: " + cmd + " " + child);
    return {{"ok", true}, {"message", cmd + " " + child + ": started"}};
  }
  return {{"ok", false},
          {"error", "unknown command '" + cmd + "' (list-sas, stats, initiate, terminate)"}};
}

nlohmann::json Espd::ListSas() {
  nlohmann::json ikes = nlohmann::json::array();
  for (const auto& i : engine_->List()) {
    ikes.push_back({{"connection", i.connection},
                    {"spi_i", Hex(i.spi_i, 16)},
                    {"spi_r", Hex(i.spi_r, 16)},
                    {"initiator", i.initiator},
                    {"state", i.established ? "ESTABLISHED" : "CONNECTING"},
                    {"local", i.local.ToString()},
                    {"remote", i.remote.ToString()},
                    {"proposal", i.proposal},
                    {"children", i.children.size()}});
  }
  nlohmann::json children = nlohmann::json::array();
  for (const auto& [id, sa] : sam_->sas()) {
    auto in = drv_->ReadSaStats(sa.slot_in);
    auto out = drv_->ReadSaStats(sa.slot_out);
    driver::SaStats si = in.value_or(driver::SaStats{}), so = out.value_or(driver::SaStats{});
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - sa.installed);
    children.push_back({
        {"connection", sa.connection},
        {"child", sa.child},
        {"unique_id", sa.unique_id},
        {"state", sa.retire_at ? "RETIRING"
                  : sa.rekeyed ? "REKEYED"
                               : "INSTALLED"},
        {"outbound_active", sa.outbound_active},
        {"mode", sa.mode == ike::Mode::kTunnel ? "TUNNEL" : "TRANSPORT"},
        {"encap", sa.encap},
        {"protocol", "ESP"},
        {"algorithm", sa.Algorithm()},
        {"spi_in", Hex(sa.spi_in, 8)},
        {"spi_out", Hex(sa.spi_out, 8)},
        {"slot_in", sa.slot_in},
        {"slot_out", sa.slot_out},
        {"local", sa.local.ToString()},
        {"remote", sa.remote.ToString()},
        {"local_ts", ike::ToString(sa.local_ts)},
        {"remote_ts", ike::ToString(sa.remote_ts)},
        {"in",
         {{"bytes", si.bytes},
          {"packets", si.pkts},
          {"highest_seq", si.seq},
          {"replay_window", sa.window},
          {"replay_bitmap", Hex(si.bitmap, 16)},
          {"replay_drops", si.replay},
          {"auth_fail", si.auth_fail},
          {"other_drops", si.other_drops}}},
        {"out", {{"bytes", so.bytes}, {"packets", so.pkts}, {"next_seq", so.seq}}},
        {"installed_s", age.count()},
        {"rekey_in_s", SecondsLeft(sa.installed, sa.rekey_time)},
        {"expires_in_s", SecondsLeft(sa.installed, sa.life_time)},
        {"limits",
         {{"rekey_bytes", sa.limits.rekey_bytes},
          {"rekey_packets", sa.limits.rekey_packets},
          {"life_bytes", sa.limits.life_bytes},
          {"life_packets", sa.limits.life_packets},
          {"soft_hit", si.soft_hit || so.soft_hit},
          {"hard_hit", si.hard_hit || so.hard_hit}}},
    });
  }
  return {{"ok", true}, {"ike_sas", ikes}, {"child_sas", children}};
}

nlohmann::json Espd::Stats() {
  nlohmann::json dev_status = nlohmann::json::object();
  const auto counters = drv_->StatusCounters();
  for (size_t i = 0; i < counters.size(); ++i) {
    const char* name = hw::StatusName(static_cast<hw::Status>(i));
    if (counters[i] != 0 && std::string(name) != "?") dev_status[name] = counters[i];
  }
  const auto& es = engine_->stats();
  const uint64_t cycles = dp_->device_cycles();
  nlohmann::json device = {{"backend", opts_.backend},      {"cycles", cycles},
                           {"packets", dp_->packets()},     {"bytes", dp_->bytes()},
                           {"status_counters", dev_status}, {"clock_mhz", opts_.clock_mhz}};
  if (cycles > 0) {
    device["bits_per_cycle"] =
        8.0 * static_cast<double>(dp_->bytes()) / static_cast<double>(cycles);
    device["modeled_gbps"] = device["bits_per_cycle"].get<double>() * opts_.clock_mhz / 1000.0;
  } else {
    device["modeled_gbps"] = nullptr;  // untimed backend (model): no cycles to count
  }
  nlohmann::json j = {
      {"ok", true},
      {"uptime_s", std::chrono::duration<double>(Clock::now() - started_).count()},
      {"handshake_ms", handshake_ms_ ? nlohmann::json(*handshake_ms_) : nlohmann::json(nullptr)},
      {"plaintext",
       {{"in", plain_in_},
        {"in_bytes", plain_bytes_in_},
        {"out", plain_out_},
        {"out_bytes", plain_bytes_out_},
        {"bypass", bypass_}}},
      {"esp",
       {{"encap_ok", encap_ok_}, {"out", esp_out_}, {"in", esp_in_}, {"decap_ok", decap_ok_}}},
      {"drops", {{"outbound", drops_out_}, {"inbound", drops_in_}}},
      {"device", device},
      {"ike",
       {{"rx", es.rx},
        {"tx", es.tx},
        {"retransmits", es.retransmits},
        {"ike_up", es.ike_up},
        {"ike_failed", es.ike_failed},
        {"child_up", es.child_up},
        {"child_rekeyed", es.child_rekeyed},
        {"child_down", es.child_down},
        {"dropped_malformed", es.dropped_malformed},
        {"dropped_unknown_spi", es.dropped_unknown_spi},
        {"dropped_crypto", es.dropped_crypto}}},
      {"sas",
       {{"installed", sam_->sas().size()},
        {"rekeys", sam_->rekeys()},
        {"install_failures", sam_->install_failures()}}},
  };
  return j;
}

}  // namespace ipsec::host
