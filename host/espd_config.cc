#include "host/espd_config.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "ike/config/proposal.h"
#include "ike/config/traffic_selector.h"

namespace ipsec::host {
namespace {

using std::chrono::milliseconds;

std::string Trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(s.begin());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

std::vector<std::string> SplitList(const std::string& v) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = v.find(',', start);
    std::string item = Trim(v.substr(start, comma == std::string::npos ? comma : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool ParseU64(const std::string& s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

class Builder {
 public:
  explicit Builder(const std::string& file) : file_(file) {}

  ConfResult<EspdConfig> Run(const ConfSection& root) {
    for (const auto& v : root.values)
      return Err(v.line, "unknown key '" + v.key + "' at top level");
    for (const auto& s : root.sections) {
      if (s.name == "connections") {
        for (const auto& v : s.values) {
          return Err(v.line, "connections: '" + v.key + "' is not a section");
        }
        for (const auto& c : s.sections) {
          if (auto st = Connection(c); !st) return tl::unexpected(st.error());
        }
      } else if (s.name == "secrets") {
        if (auto st = Secrets(s); !st) return tl::unexpected(st.error());
      } else {
        return Err(s.line,
                   "unknown section '" + s.name + "' (espd reads 'connections' and 'secrets')");
      }
    }
    if (cfg_.ike.connections.empty() && cfg_.shunts.empty()) {
      return Err(1, "no connections defined");
    }
    if (auto st = CheckSecrets(); !st) return tl::unexpected(st.error());
    return std::move(cfg_);
  }

 private:
  using Status = util::BasicResult<void, ConfErrc>;

  tl::unexpected<ConfError> Err(int line, const std::string& msg) const {
    return util::Fail(ConfErrc::kSchema, file_ + ":" + std::to_string(line) + ": " + msg);
  }

  Status Duration(const ConfValue& v, milliseconds* out) {
    if (!ParseDuration(v.value, out)) {
      return Err(v.line, v.key + ": '" + v.value + "' is not a duration (e.g. 30s, 5m, 1h)");
    }
    return {};
  }
  Status Number(const ConfValue& v, uint64_t max, uint64_t* out) {
    if (!ParseU64(v.value, out) || *out > max) {
      return Err(v.line,
                 v.key + ": '" + v.value + "' is not a number in 0.." + std::to_string(max));
    }
    return {};
  }
  Status YesNo(const ConfValue& v, bool* out) {
    if (v.value == "yes" || v.value == "true") {
      *out = true;
    } else if (v.value == "no" || v.value == "false") {
      *out = false;
    } else {
      return Err(v.line, v.key + ": '" + v.value + "' must be yes or no");
    }
    return {};
  }
  Status Addrs(const ConfValue& v, std::vector<std::string>* out) {
    *out = SplitList(v.value);
    if (out->empty()) return Err(v.line, v.key + ": empty address list");
    for (const auto& a : *out) {
      if (a != "%any" && !ike::ParseIpv4(a)) {
        return Err(v.line, v.key + ": '" + a + "' is not an IPv4 address or %any");
      }
    }
    return {};
  }
  Status Ts(const ConfValue& v, std::vector<std::string>* out) {
    *out = SplitList(v.value);
    if (out->empty()) return Err(v.line, v.key + ": empty traffic selector list");
    for (const auto& t : *out) {
      if (auto r = ike::ParseTs(t, 0x01010101); !r) {
        return Err(v.line, v.key + ": '" + t + "': " + r.error().message);
      }
    }
    return {};
  }
  Status NoValues(const ConfSection& s, const std::string& where) {
    for (const auto& v : s.values) return Err(v.line, where + ": '" + v.key + "' is not a section");
    return {};
  }

  Status Auth(const ConfSection& s, bool local, ike::AuthConfig* a, int* psk_line) {
    const std::string where = std::string(local ? "local" : "remote");
    for (const auto& sub : s.sections) {
      return Err(sub.line, where + ": unknown section '" + sub.name + "'");
    }
    for (const auto& v : s.values) {
      if (v.key == "auth") {
        if (v.value == "psk") {
          a->auth = ike::AuthMethod::kPsk;
        } else if (v.value == "pubkey") {
          a->auth = ike::AuthMethod::kPubkey;
        } else {
          return Err(v.line, where + ".auth: '" + v.value + "' (espd supports psk and pubkey)");
        }
      } else if (v.key == "id") {
        a->id = v.value;
      } else if (local && v.key == "certs") {
        a->cert_file = v.value;
        cert_lines_[a] = v.line;
      } else if (!local && v.key == "cacerts") {
        a->ca_file = v.value;
      } else {
        return Err(v.line, where + ": unknown key '" + v.key + "'");
      }
    }
    if (a->auth == ike::AuthMethod::kPsk) *psk_line = s.line;
    return {};
  }

  Status Child(const ConfSection& s, ike::ConnectionConfig& conn) {
    if (auto st = NoSections(s, "child '" + s.name + "'"); !st) return st;
    ike::ChildConfig ch;
    ch.name = s.name;
    ChildDeviceConfig dev;
    std::string mode = "tunnel";
    for (const auto& v : s.values) {
      uint64_t n = 0;
      Status st;
      if (v.key == "local_ts") {
        st = Ts(v, &ch.local_ts);
      } else if (v.key == "remote_ts") {
        st = Ts(v, &ch.remote_ts);
      } else if (v.key == "esp_proposals") {
        if (auto p = ike::ParseProposals(v.value, /*esp=*/true); !p) {
          return Err(v.line, "esp_proposals: " + p.error().message);
        }
        ch.esp_proposals = v.value;
      } else if (v.key == "mode") {
        mode = v.value;
        if (mode == "tunnel") {
          ch.mode = ike::Mode::kTunnel;
        } else if (mode == "transport") {
          ch.mode = ike::Mode::kTransport;
        } else if (mode != "pass" && mode != "drop") {
          return Err(v.line, "mode: '" + v.value + "' (tunnel, transport, pass or drop)");
        }
      } else if (v.key == "rekey_time") {
        st = Duration(v, &ch.rekey_time);
      } else if (v.key == "life_time") {
        st = Duration(v, &ch.life_time);
      } else if (v.key == "rekey_bytes") {
        st = Number(v, UINT64_MAX, &dev.rekey_bytes);
      } else if (v.key == "life_bytes") {
        st = Number(v, UINT64_MAX, &dev.life_bytes);
      } else if (v.key == "rekey_packets") {
        st = Number(v, UINT64_MAX, &dev.rekey_packets);
      } else if (v.key == "life_packets") {
        st = Number(v, UINT64_MAX, &dev.life_packets);
      } else if (v.key == "replay_window") {
        st = Number(v, 4096, &n);
        dev.replay_window = static_cast<uint32_t>(n);
      } else if (v.key == "dpd_action") {
        if (v.value != "clear" && v.value != "trap" && v.value != "restart") {
          return Err(v.line, "dpd_action: '" + v.value + "' (clear, trap or restart)");
        }
        dev.dpd_action = v.value;
      } else if (v.key == "start_action") {
        if (v.value == "none") {
          ch.start_action = ike::StartAction::kNone;
        } else if (v.value == "trap") {
          ch.start_action = ike::StartAction::kTrap;
        } else if (v.value == "start") {
          ch.start_action = ike::StartAction::kStart;
        } else {
          return Err(v.line, "start_action: '" + v.value + "' (none, trap or start)");
        }
      } else {
        return Err(v.line, "child '" + s.name + "': unknown key '" + v.key + "'");
      }
      if (!st) return st;
    }
    if (dev.life_packets != 0 && dev.rekey_packets > dev.life_packets) {
      return Err(s.line, "child '" + s.name + "': rekey_packets exceeds life_packets");
    }
    if (dev.life_bytes != 0 && dev.rekey_bytes > dev.life_bytes) {
      return Err(s.line, "child '" + s.name + "': rekey_bytes exceeds life_bytes");
    }
    if (mode == "pass" || mode == "drop") {
      cfg_.shunts.push_back({conn.name, s.name, ch.local_ts, ch.remote_ts,
                             mode == "pass" ? ShuntAction::kBypass : ShuntAction::kDiscard});
      return {};
    }
    cfg_.device[conn.name + "/" + s.name] = dev;
    conn.children.push_back(std::move(ch));
    return {};
  }

  Status NoSections(const ConfSection& s, const std::string& where) {
    for (const auto& sub : s.sections) {
      return Err(sub.line, where + ": unknown section '" + sub.name + "'");
    }
    return {};
  }

  Status Connection(const ConfSection& s) {
    ike::ConnectionConfig c;
    c.name = s.name;
    const std::string where = "connection '" + s.name + "'";
    for (const auto& v : s.values) {
      uint64_t n = 0;
      Status st;
      if (v.key == "version") {
        if (v.value != "2" && v.value != "0") {
          return Err(v.line, "version: '" + v.value + "' (espd speaks IKEv2 only)");
        }
      } else if (v.key == "local_addrs") {
        st = Addrs(v, &c.local_addrs);
      } else if (v.key == "remote_addrs") {
        st = Addrs(v, &c.remote_addrs);
      } else if (v.key == "local_port" || v.key == "remote_port") {
        st = Number(v, 65535, &n);
        if (st && n == 0) st = Err(v.line, v.key + ": port 0");
        (v.key == "local_port" ? c.local_port : c.remote_port) = static_cast<uint16_t>(n);
      } else if (v.key == "proposals") {
        if (auto p = ike::ParseProposals(v.value, /*esp=*/false); !p) {
          return Err(v.line, "proposals: " + p.error().message);
        }
        c.proposals = v.value;
      } else if (v.key == "encap") {
        st = YesNo(v, &c.encap);
      } else if (v.key == "mobike") {
        bool on = false;
        st = YesNo(v, &on);
        if (st && on) st = Err(v.line, "mobike = yes: espd has no MOBIKE (set mobike = no)");
      } else if (v.key == "dpd_delay") {
        st = Duration(v, &c.dpd_delay);
      } else if (v.key == "rekey_time") {
        st = Duration(v, &c.rekey_time);
      } else {
        return Err(v.line, where + ": unknown key '" + v.key + "'");
      }
      if (!st) return st;
    }
    int psk_local = 0, psk_remote = 0;
    bool have_local = false, have_remote = false;
    for (const auto& sub : s.sections) {
      Status st;
      if (sub.name == "local") {
        have_local = true;
        st = Auth(sub, true, &c.local, &psk_local);
      } else if (sub.name == "remote") {
        have_remote = true;
        st = Auth(sub, false, &c.remote, &psk_remote);
      } else if (sub.name == "children") {
        if (st = NoValues(sub, "children"); st) {
          for (const auto& ch : sub.sections) {
            if (st = Child(ch, c); !st) break;
          }
        }
      } else {
        return Err(sub.line, where + ": unknown section '" + sub.name + "'");
      }
      if (!st) return st;
    }
    if (!have_local) psk_local = s.line;
    if (!have_remote) psk_remote = s.line;
    if (c.remote_addrs.empty()) c.remote_addrs = {"%any"};
    if (c.local_addrs.empty()) c.local_addrs = {"%any"};
    if (psk_local != 0 || psk_remote != 0) {
      psk_conns_.push_back({cfg_.ike.connections.size(), psk_local != 0 ? psk_local : psk_remote});
    }
    conn_lines_.push_back(s.line);
    cfg_.ike.connections.push_back(std::move(c));
    return {};
  }

  Status Secrets(const ConfSection& s) {
    if (auto st = NoValues(s, "secrets"); !st) return st;
    for (const auto& sec : s.sections) {
      if (auto st = NoSections(sec, "secrets." + sec.name); !st) return st;
      if (sec.name.rfind("ike", 0) == 0) {
        ike::Secret out;
        bool have_secret = false;
        for (const auto& v : sec.values) {
          if (v.key == "secret") {
            out.secret = v.value;
            have_secret = true;
          } else if (v.key == "id" || v.key.rfind("id-", 0) == 0) {
            out.ids.push_back(v.value);
          } else {
            return Err(v.line, "secrets." + sec.name + ": unknown key '" + v.key + "'");
          }
        }
        if (!have_secret || out.secret.empty()) {
          return Err(sec.line, "secrets." + sec.name + ": no secret (secret = ...)");
        }
        cfg_.ike.secrets.push_back(std::move(out));
      } else if (sec.name.rfind("private", 0) == 0) {
        for (const auto& v : sec.values) {
          if (v.key == "file") {
            private_keys_.push_back(v.value);
          } else {
            return Err(v.line, "secrets." + sec.name + ": unknown key '" + v.key + "'");
          }
        }
      } else {
        return Err(sec.line,
                   "secrets: unknown section '" + sec.name + "' (espd reads ike-* and private-*)");
      }
    }
    return {};
  }

  // Every PSK connection needs a secret that can match its identities; every pubkey one a key.
  Status CheckSecrets() {
    for (const auto& [index, line] : psk_conns_) {
      const auto& c = cfg_.ike.connections[index];
      const std::string local_id = c.local.id.empty() ? c.local_addrs.front() : c.local.id;
      const std::string remote_id = c.remote.id.empty() ? c.remote_addrs.front() : c.remote.id;
      bool found = false;
      for (const auto& s : cfg_.ike.secrets) {
        if (s.ids.empty() || remote_id == "%any") found = true;
        for (const auto& id : s.ids) found = found || id == local_id || id == remote_id;
      }
      if (!found) {
        return Err(line, "connection '" + c.name + "' uses auth = psk but no secrets { ike-* } " +
                             "entry matches its ids (local '" + local_id + "', remote '" +
                             remote_id + "')");
      }
    }
    size_t next_key = 0;
    for (size_t i = 0; i < cfg_.ike.connections.size(); ++i) {
      auto& c = cfg_.ike.connections[i];
      if (c.local.auth != ike::AuthMethod::kPubkey) continue;
      if (c.local.cert_file.empty()) {
        return Err(conn_lines_[i], "connection '" + c.name + "': local auth = pubkey needs certs");
      }
      if (next_key >= private_keys_.size()) {
        return Err(conn_lines_[i], "connection '" + c.name +
                                       "': auth = pubkey but no secrets { private-* { file } }");
      }
      c.local.key_file = private_keys_[next_key++];
    }
    return {};
  }

  const std::string& file_;
  EspdConfig cfg_;
  std::vector<std::pair<size_t, int>> psk_conns_;  // connection index, line
  std::vector<int> conn_lines_;
  std::vector<std::string> private_keys_;
  std::map<const ike::AuthConfig*, int> cert_lines_;
};

}  // namespace

bool ParseDuration(const std::string& text, milliseconds* out) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  uint64_t n = 0;
  if (i == 0 || !ParseU64(text.substr(0, i), &n) || n > 100ull * 365 * 86400) return false;
  const std::string unit = text.substr(i);
  uint64_t ms = 0;
  if (unit.empty() || unit == "s") {
    ms = n * 1000;
  } else if (unit == "ms") {
    ms = n;
  } else if (unit == "m") {
    ms = n * 60'000;
  } else if (unit == "h") {
    ms = n * 3'600'000;
  } else if (unit == "d") {
    ms = n * 86'400'000;
  } else {
    return false;
  }
  *out = milliseconds(ms);
  return true;
}

const ChildDeviceConfig& EspdConfig::DeviceFor(const std::string& conn,
                                               const std::string& child) const {
  static const ChildDeviceConfig kDefault;
  auto it = device.find(conn + "/" + child);
  return it == device.end() ? kDefault : it->second;
}

ConfResult<EspdConfig> BuildEspdConfig(const ConfSection& root, const std::string& file) {
  return Builder(file).Run(root);
}

ConfResult<EspdConfig> LoadEspdConfig(const std::string& path) {
  auto root = LoadSwanctl(path);
  if (!root) return tl::unexpected(root.error());
  return BuildEspdConfig(*root, path);
}

}  // namespace ipsec::host
