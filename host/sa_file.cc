#include "host/sa_file.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "hw/gen/ipsec_regs.h"
#include "hw/util/hex.h"

namespace ipsec::host {
namespace {

using json = nlohmann::json;
using Errc = SaFileErrc;
using util::Fail;

// Line and column of a byte offset, for syntax errors.
std::string Where(const std::string& text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

// Reads one SA object; `err` gets the first problem, naming the field.
class SaReader {
 public:
  SaReader(const json& j, std::string who) : j_(j), who_(std::move(who)) {}
  const std::string& error() const { return error_; }
  bool ok() const { return error_.empty(); }

  void Bad(const std::string& field, const std::string& why) {
    if (!error_.empty()) return;
    error_ = who_ + ": " + field + ": " + why;
    error_field_ = field;
  }
  const std::string& error_field() const { return error_field_; }
  bool Has(const char* f) const { return j_.contains(f) && !j_[f].is_null(); }
  std::string Str(const char* f, const std::string& dflt, bool required = false) {
    if (!Has(f)) {
      if (required) Bad(f, "missing");
      return dflt;
    }
    if (!j_[f].is_string()) {
      Bad(f, "must be a string");
      return dflt;
    }
    return j_[f].get<std::string>();
  }
  uint64_t Uint(const json& v, const std::string& field, uint64_t max, bool allow_hex) {
    if (v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0)) {
      const uint64_t n = v.get<uint64_t>();
      if (n > max) Bad(field, std::to_string(n) + " exceeds " + std::to_string(max));
      return n;
    }
    if (allow_hex && v.is_string()) {
      const std::string s = v.get<std::string>();
      char* end = nullptr;
      errno = 0;
      const uint64_t n = std::strtoull(s.c_str(), &end, 0);
      if (s.empty() || *end != '\0' || errno != 0 || s[0] == '-') {
        Bad(field, "'" + s + "' is not a number");
        return 0;
      }
      if (n > max) Bad(field, s + " exceeds " + std::to_string(max));
      return n;
    }
    Bad(field, "must be a non-negative number");
    return 0;
  }
  uint64_t UintField(const char* f, uint64_t dflt, uint64_t max, bool allow_hex = false) {
    return Has(f) ? Uint(j_[f], f, max, allow_hex) : dflt;
  }
  std::vector<uint8_t> Hex(const char* f, std::initializer_list<size_t> sizes, bool required) {
    if (!Has(f)) {
      if (required) Bad(f, "missing");
      return {};
    }
    auto bytes = j_[f].is_string() ? util::FromHex(j_[f].get<std::string>()) : std::nullopt;
    if (!bytes) {
      Bad(f, "must be a hex string");
      return {};
    }
    std::string want;
    for (size_t s : sizes) {
      if (bytes->size() == s) return *bytes;
      want += (want.empty() ? "" : " or ") + std::to_string(s);
    }
    Bad(f, std::to_string(bytes->size()) + " bytes, need " + want);
    return {};
  }
  uint32_t Addr(const json& obj, const char* f, const std::string& path) {
    if (!obj.contains(f) || !obj[f].is_string()) {
      Bad(path + "." + f, "missing or not a string");
      return 0;
    }
    auto a = ParseIpv4(obj[f].get<std::string>());
    if (!a) Bad(path + "." + f, "'" + obj[f].get<std::string>() + "' is not an IPv4 address");
    return a.value_or(0);
  }
  std::optional<Cidr> CidrField(const json& obj, const char* f, const std::string& path) {
    if (!obj.contains(f)) return std::nullopt;
    auto c = obj[f].is_string() ? ParseCidr(obj[f].get<std::string>()) : std::nullopt;
    if (!c) Bad(path + "." + f, "must be a CIDR such as 10.1.0.0/16");
    return c;
  }
  const json& j() const { return j_; }

 private:
  const json& j_;
  std::string who_;
  std::string error_;
  std::string error_field_;
};

// Line of `"field"` inside the index-th object of the "sas" array (0 if not found): a small
// scanner that skips strings and counts braces, since the JSON library keeps no positions.
size_t LineOfField(const std::string& text, size_t index, const std::string& field) {
  size_t sas = text.find("\"sas\"");
  if (sas == std::string::npos) return 0;
  int depth = 0;
  size_t seen = 0, start = std::string::npos;
  for (size_t i = text.find('[', sas); i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const size_t end = text.find('"', i + 1);
      if (end == std::string::npos) return 0;
      if (start != std::string::npos && depth == 1 &&
          text.compare(i + 1, end - i - 1, field) == 0) {
        return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + i, '\n'));
      }
      i = end;
    } else if (c == '{') {
      if (depth++ == 0) start = seen++ == index ? i : std::string::npos;
    } else if (c == '}') {
      --depth;
    } else if (c == ']' && depth == 0) {
      break;
    }
  }
  return 0;
}

const std::set<std::string> kKnownFields = {"name", "direction", "spi",  "key", "salt",
                                            "mode", "tunnel",    "natt", "esn", "window",
                                            "seq",  "ts",        "iv",   "icv"};

}  // namespace

std::optional<uint32_t> ParseIpv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::optional<Cidr> ParseCidr(const std::string& text) {
  const auto slash = text.find('/');
  auto addr = ParseIpv4(text.substr(0, slash));
  if (!addr) return std::nullopt;
  Cidr c{*addr, 32};
  if (slash != std::string::npos) {
    const std::string p = text.substr(slash + 1);
    if (p.empty() || p.size() > 2 || p.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    c.prefix = static_cast<uint32_t>(std::stoul(p));
    if (c.prefix > 32) return std::nullopt;
  }
  return c;
}

util::BasicResult<std::vector<SaSpec>, SaFileErrc> ParseSaJson(const std::string& text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    return Fail(Errc::kSyntax, "JSON syntax error at " + Where(text, e.byte > 0 ? e.byte - 1 : 0));
  }
  if (!doc.is_object() || !doc.contains("sas") || !doc["sas"].is_array()) {
    return Fail(Errc::kField, "top level: need an object with an array \"sas\"");
  }
  std::vector<SaSpec> out;
  std::set<std::string> names;
  std::set<uint32_t> in_spis;
  const json& sas = doc["sas"];
  for (size_t i = 0; i < sas.size(); ++i) {
    const json& j = sas[i];
    std::string who = "sas[" + std::to_string(i) + "]";
    if (!j.is_object()) return Fail(Errc::kField, who + ": must be an object");
    if (j.contains("name") && j["name"].is_string()) {
      who = "SA \"" + j["name"].get<std::string>() + "\" (" + who + ")";
    }
    SaReader r(j, who);
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!kKnownFields.count(it.key())) r.Bad(it.key(), "unknown field");
    }
    SaSpec s;
    s.name = r.Str("name", "sa" + std::to_string(i));
    driver::SaParams& p = s.params;
    const std::string dir = r.Str("direction", "", true);
    if (r.ok() && dir != "out" && dir != "in") r.Bad("direction", "'" + dir + "': need out or in");
    p.inbound = dir == "in";
    if (!r.Has("spi")) r.Bad("spi", "missing");
    p.spi = static_cast<uint32_t>(r.UintField("spi", 0, 0xffffffffu, true));
    if (r.ok() && p.spi < 256) r.Bad("spi", "SPIs 0..255 are reserved (RFC 4303 2.1)");
    auto key = r.Hex("key", {16, 32}, true);
    p.key = util::SecretBytes(key);
    OPENSSL_cleanse(key.data(), key.size());
    const auto salt = r.Hex("salt", {4}, true);
    if (salt.size() == 4) std::copy(salt.begin(), salt.end(), p.salt);
    const std::string mode = r.Str("mode", "tunnel");
    if (mode != "tunnel" && mode != "transport") {
      r.Bad("mode", "'" + mode + "': need tunnel or transport");
    }
    p.tunnel = mode == "tunnel";
    if (p.tunnel) {
      if (!r.Has("tunnel") || !j["tunnel"].is_object()) {
        r.Bad("tunnel", "tunnel mode needs {\"src\", \"dst\"}");
      } else {
        p.tun_src = r.Addr(j["tunnel"], "src", "tunnel");
        p.tun_dst = r.Addr(j["tunnel"], "dst", "tunnel");
      }
    }
    if (r.Has("natt")) {
      const json& n = j["natt"];
      if (!n.is_object()) {
        r.Bad("natt", "must be null or {\"sport\", \"dport\"}");
      } else {
        p.natt = true;
        p.sport = static_cast<uint16_t>(
            n.contains("sport") ? r.Uint(n["sport"], "natt.sport", 65535, false) : 4500);
        p.dport = static_cast<uint16_t>(
            n.contains("dport") ? r.Uint(n["dport"], "natt.dport", 65535, false) : 4500);
      }
    }
    if (r.Has("esn") && !j["esn"].is_boolean()) r.Bad("esn", "must be true or false");
    p.esn = r.Has("esn") && j["esn"].is_boolean() && j["esn"].get<bool>();
    // ICV length (RFC 4106: 16, or the optional 12 and 8); an extension of DESIGN.md's format.
    const uint64_t icv = r.UintField("icv", 16, 255);
    if (icv == 12) {
      p.icv = hw::IcvLen::kIcv12;
    } else if (icv == 8) {
      p.icv = hw::IcvLen::kIcv8;
    } else if (icv != 16) {
      r.Bad("icv", std::to_string(icv) + " bytes, need 16, 12 or 8");
    }
    p.window = static_cast<uint32_t>(r.UintField("window", hw::kDefaultWindow, hw::kMaxWindow));
    if (r.ok() && p.window == 0) r.Bad("window", "must be 1.." + std::to_string(hw::kMaxWindow));
    const uint64_t max_seq = p.esn ? ~uint64_t{0} : 0xffffffffull;
    p.seq = r.UintField("seq", p.inbound ? 0 : 1, max_seq, true);
    if (r.ok() && !p.inbound && p.seq == 0) r.Bad("seq", "outbound sequence numbers start at 1");
    if (r.Has("ts")) {
      if (!j["ts"].is_object()) {
        r.Bad("ts", "must be {\"src\", \"dst\"}");
      } else {
        s.ts_src = r.CidrField(j["ts"], "src", "ts");
        s.ts_dst = r.CidrField(j["ts"], "dst", "ts");
      }
    }
    if (r.Has("iv")) {
      if (p.inbound) r.Bad("iv", "only outbound SAs take an explicit IV");
      s.explicit_iv = r.Hex("iv", {8}, false);
    }
    if (!r.ok()) {
      const std::string field = r.error_field().substr(0, r.error_field().find('.'));
      const size_t line = LineOfField(text, i, field);
      return Fail(Errc::kField,
                  (line ? "line " + std::to_string(line) + ": " : std::string()) + r.error());
    }
    if (!names.insert(s.name).second) return Fail(Errc::kField, who + ": name: duplicate");
    if (p.inbound && !in_spis.insert(p.spi).second) {
      return Fail(Errc::kField, who + ": spi: another inbound SA has the same SPI");
    }
    out.push_back(std::move(s));
  }
  if (out.empty()) return Fail(Errc::kField, "sas: no SA defined");
  return out;
}

util::BasicResult<std::vector<SaSpec>, SaFileErrc> LoadSaFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Fail(Errc::kIo, path + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  auto r = ParseSaJson(ss.str());
  if (!r) return Fail(r.error().code, path + ": " + r.error().message);
  return r;
}

}  // namespace ipsec::host
