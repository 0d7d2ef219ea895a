// Configuration of the IKE library, mirroring swanctl.conf connections (DESIGN.md "espd and
// espctl"): espd parses its config file into these structs. Proposal strings use strongSwan
// keywords ("aes256gcm16-prfsha256-ecp256", "aes256-sha256-modp2048", "aes256gcm16-esn").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ike/errors.h"

namespace ipsec::ike {

using Duration = std::chrono::milliseconds;

// IPv4 address (host byte order) and UDP port.
struct Endpoint {
  uint32_t addr = 0;
  uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
  std::string ToString() const;
};

Result<uint32_t> ParseIpv4(std::string_view text);
std::string Ipv4ToString(uint32_t addr);

enum class Mode { kTunnel, kTransport };
enum class StartAction { kNone, kTrap, kStart };
enum class AuthMethod { kPsk, kPubkey };

struct ChildConfig {
  std::string name;
  // CIDRs ("10.1.0.0/24", "0.0.0.0/0", "192.0.2.1"), optionally "[proto/port]" suffixed
  // ("10.1.0.0/24[tcp/80]"); "dynamic" means the IKE SA's own address.
  std::vector<std::string> local_ts{"dynamic"};
  std::vector<std::string> remote_ts{"dynamic"};
  std::string esp_proposals = "default";  // "aes256gcm16", "aes128gcm16-esn", "...-ecp256" (PFS)
  Mode mode = Mode::kTunnel;
  Duration rekey_time = std::chrono::hours(1);
  Duration life_time{0};  // hard lifetime; 0 = rekey_time * 1.1 (swanctl default)
  StartAction start_action = StartAction::kNone;
};

struct AuthConfig {
  AuthMethod auth = AuthMethod::kPsk;
  // "192.0.2.1" (ID_IPV4_ADDR), "@host.example" or "host.example" (ID_FQDN),
  // "user@example" (ID_RFC822_ADDR), "%any" (remote only: any identity); empty: own address.
  std::string id;
  std::string cert_file;  // local, auth = pubkey: our PEM X.509 certificate
  std::string key_file;   // local, auth = pubkey: its PEM private key (RSA or ECDSA)
  std::string ca_file;    // remote, auth = pubkey: PEM CA certificate the peer's must chain to
};

struct ConnectionConfig {
  std::string name;
  std::vector<std::string> local_addrs;   // first one is used; "%any" accepted for responders
  std::vector<std::string> remote_addrs;  // "%any" lets any peer initiate to us
  std::string proposals = "default";      // IKE proposals, comma-separated
  bool encap = false;  // force UDP encapsulation (fake NAT_DETECTION_SOURCE_IP, RFC 7296 2.23)
  Duration dpd_delay{0};
  Duration rekey_time = std::chrono::hours(4);  // IKE SA rekey
  uint16_t local_port = 500;
  uint16_t remote_port = 500;
  AuthConfig local, remote;
  std::vector<ChildConfig> children;
};

struct Secret {
  std::vector<std::string> ids;  // empty: matches any identity
  std::string secret;
};

struct RetransmitConfig {
  Duration timeout = std::chrono::milliseconds(4000);  // strongSwan's defaults
  double base = 1.8;
  int tries = 5;
};

struct Config {
  std::vector<ConnectionConfig> connections;
  std::vector<Secret> secrets;
  RetransmitConfig retransmit;
  // Half-open IKE SAs above which responders demand a COOKIE (RFC 7296 2.6). 0 = always.
  int cookie_threshold = 10;
  Duration nat_keepalive = std::chrono::seconds(20);
  Duration half_open_timeout = std::chrono::seconds(30);
};

}  // namespace ipsec::ike
