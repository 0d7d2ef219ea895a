// The SA file of espsim (DESIGN.md "espsim: the command-line contract"):
//   {"sas": [ {"name", "direction": "out"|"in", "spi", "key", "salt", "mode", "tunnel": {"src",
//   "dst"}, "natt": null|{"sport","dport"}, "esn", "window", "seq", "ts": {"src","dst"}}, ... ]}
// plus one optional bring-up field, "iv": 8 bytes hex, an explicit IV for every packet of an
// outbound SA (known-answer tests only; the device otherwise uses the sequence number).
// Errors name the SA and the field: `SA "gw1" (sas[0]): key: 24 bytes, need 16 or 32`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "hw/util/result.h"

namespace ipsec::host {

struct Cidr {
  uint32_t addr = 0;  // host order
  uint32_t prefix = 0;
  bool Contains(uint32_t a) const {
    const uint32_t m = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
    return (a & m) == (addr & m);
  }
};

struct SaSpec {
  std::string name;
  driver::SaParams params;
  std::optional<Cidr> ts_src, ts_dst;
  std::optional<std::vector<uint8_t>> explicit_iv;
};

enum class SaFileErrc { kIo, kSyntax, kField };
using SaFileError = util::BasicError<SaFileErrc>;

util::BasicResult<std::vector<SaSpec>, SaFileErrc> LoadSaFile(const std::string& path);
util::BasicResult<std::vector<SaSpec>, SaFileErrc> ParseSaJson(const std::string& text);

std::optional<uint32_t> ParseIpv4(const std::string& text);  // dotted quad, host order
std::optional<Cidr> ParseCidr(const std::string& text);      // a.b.c.d[/n]

}  // namespace ipsec::host
