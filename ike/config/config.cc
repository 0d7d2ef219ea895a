#include "ike/config/config.h"

#include <arpa/inet.h>

namespace ipsec::ike {

Result<uint32_t> ParseIpv4(std::string_view text) {
  std::string s(text);
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1)
    return Fail(Errc::kConfig, "'" + s + "' is not an IPv4 address");
  return ntohl(a.s_addr);
}

std::string Ipv4ToString(uint32_t addr) {
  return std::to_string(addr >> 24) + "." + std::to_string(addr >> 16 & 255) + "." +
         std::to_string(addr >> 8 & 255) + "." + std::to_string(addr & 255);
}

std::string Endpoint::ToString() const {
  return Ipv4ToString(addr) + "[" + std::to_string(port) + "]";
}

}  // namespace ipsec::ike
