#include "ike/config/traffic_selector.h"

#include <algorithm>

#include "hw/util/endian.h"
#include "ike/config/config.h"

namespace ipsec::ike {

std::string TsRange::ToString() const {
  std::string s;
  // A CIDR when the range is one.
  uint32_t size = end - start;
  if ((size & (size + 1)) == 0 && (start & size) == 0) {
    int bits = 32;
    while (bits > 0 && (size >> (32 - bits)) != 0) --bits;
    if (start == 0 && end == 0xffffffff) bits = 0;
    s = Ipv4ToString(start) + "/" + std::to_string(bits);
  } else {
    s = Ipv4ToString(start) + ".." + Ipv4ToString(end);
  }
  if (proto != 0 || start_port != 0 || end_port != 65535) {
    s += "[" + std::string(proto == 6    ? "tcp"
                           : proto == 17 ? "udp"
                           : proto == 1  ? "icmp"
                                         : std::to_string(proto));
    if (start_port == end_port)
      s += "/" + std::to_string(start_port);
    else if (start_port != 0 || end_port != 65535)
      s += "/" + std::to_string(start_port) + "-" + std::to_string(end_port);
    s += "]";
  }
  return s;
}

Result<TsRange> ParseTs(std::string_view text, uint32_t dynamic_addr) {
  TsRange ts;
  std::string_view addr = text;
  if (size_t br = text.find('['); br != std::string_view::npos) {
    if (text.back() != ']')
      return Fail(Errc::kConfig, "bad traffic selector '" + std::string(text) + "'");
    std::string_view pp = text.substr(br + 1, text.size() - br - 2);
    addr = text.substr(0, br);
    std::string_view proto = pp.substr(0, pp.find('/'));
    if (proto == "tcp")
      ts.proto = 6;
    else if (proto == "udp")
      ts.proto = 17;
    else if (proto == "icmp")
      ts.proto = 1;
    else if (!proto.empty())
      ts.proto = static_cast<uint8_t>(std::stoi(std::string(proto)));
    if (size_t sl = pp.find('/'); sl != std::string_view::npos) {
      int port = std::atoi(std::string(pp.substr(sl + 1)).c_str());
      ts.start_port = ts.end_port = static_cast<uint16_t>(port);
    }
  }
  if (addr == "dynamic") {
    ts.start = ts.end = dynamic_addr;
    return ts;
  }
  int bits = 32;
  if (size_t sl = addr.find('/'); sl != std::string_view::npos) {
    std::string b(addr.substr(sl + 1));
    if (b.empty() || b.size() > 2 || !std::all_of(b.begin(), b.end(), ::isdigit) ||
        std::stoi(b) > 32)
      return Fail(Errc::kConfig,
                  "bad prefix length in traffic selector '" + std::string(text) + "'");
    bits = std::stoi(b);
    addr = addr.substr(0, sl);
  }
  auto a = ParseIpv4(addr);
  if (!a)
    return Fail(Errc::kConfig,
                "bad traffic selector '" + std::string(text) + "': " + a.error().message);
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  ts.start = *a & mask;
  ts.end = ts.start | ~mask;
  return ts;
}

Result<std::vector<TsRange>> ParseTsList(const std::vector<std::string>& texts,
                                         uint32_t dynamic_addr) {
  std::vector<TsRange> out;
  for (const auto& t : texts) {
    auto ts = ParseTs(t, dynamic_addr);
    if (!ts) return tl::unexpected(ts.error());
    out.push_back(*ts);
  }
  return out;
}

std::optional<TsRange> Intersect(const TsRange& a, const TsRange& b) {
  if (a.proto != 0 && b.proto != 0 && a.proto != b.proto) return std::nullopt;
  TsRange r;
  r.proto = a.proto ? a.proto : b.proto;
  r.start = std::max(a.start, b.start);
  r.end = std::min(a.end, b.end);
  r.start_port = std::max(a.start_port, b.start_port);
  r.end_port = std::min(a.end_port, b.end_port);
  if (r.start > r.end || r.start_port > r.end_port) return std::nullopt;
  return r;
}

bool Contains(const TsRange& outer, const TsRange& inner) {
  auto i = Intersect(outer, inner);
  return i && *i == inner;
}

std::string ToString(const std::vector<TsRange>& ts) {
  std::string s = "{";
  for (size_t i = 0; i < ts.size(); ++i) s += (i ? "," : "") + ts[i].ToString();
  return s + "}";
}

TrafficSelector ToWire(const TsRange& ts) {
  TrafficSelector w{kTsIpv4AddrRange,        ts.proto,
                    ts.start_port,           ts.end_port,
                    std::vector<uint8_t>(4), std::vector<uint8_t>(4)};
  util::StoreBe32(w.start.data(), ts.start);
  util::StoreBe32(w.end.data(), ts.end);
  return w;
}

TsPayload ToWire(const std::vector<TsRange>& ts) {
  TsPayload p;
  for (const auto& t : ts) p.selectors.push_back(ToWire(t));
  return p;
}

std::vector<TsRange> FromWire(const TsPayload& p) {
  std::vector<TsRange> out;
  for (const auto& s : p.selectors) {
    if (s.ts_type != kTsIpv4AddrRange || s.start.size() != 4 || s.end.size() != 4) continue;
    out.push_back({s.ip_proto, s.start_port, s.end_port, util::LoadBe32(s.start.data()),
                   util::LoadBe32(s.end.data())});
  }
  return out;
}

Result<std::vector<TsRange>> Narrow(const std::vector<TsRange>& peer,
                                    const std::vector<TsRange>& ours, std::string_view what,
                                    std::string_view ours_name) {
  std::vector<TsRange> out;
  for (const auto& p : peer)
    for (const auto& o : ours)
      if (auto i = Intersect(p, o); i && std::find(out.begin(), out.end(), *i) == out.end())
        out.push_back(*i);
  if (out.empty())
    return Fail(Errc::kTsUnacceptable, "TS mismatch: peer " + std::string(what) + " " +
                                           ToString(peer) + " is not inside our " +
                                           std::string(ours_name) + " " + ToString(ours));
  return out;
}

}  // namespace ipsec::ike
