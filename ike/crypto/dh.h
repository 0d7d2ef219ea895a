// Diffie-Hellman for IKE_SA_INIT / CREATE_CHILD_SA KE payloads, through OpenSSL:
// MODP-2048 (group 14, RFC 3526), ECP-256/384 (groups 19/20, RFC 5903), Curve25519 (31, RFC
// 8031). Public values use the IKE encodings: MODP zero-padded to the prime length, ECP x || y
// without the 0x04 prefix (RFC 5903 7), X25519 the 32-byte u-coordinate. Shared secrets:
// MODP padded to the prime length, ECP the x coordinate (RFC 5903 9), X25519 raw.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hw/util/secret_bytes.h"
#include "ike/crypto/algorithms.h"
#include "ike/crypto/random.h"
#include "ike/errors.h"

namespace ipsec::ike {

bool DhGroupSupported(uint16_t group);
// Size of the KE payload's key exchange data for `group` (0 if unsupported).
size_t DhPublicSize(DhGroup group);

class DhKey {
 public:
  // Private key drawn from `random` (a DeterministicRandom in tests makes it reproducible).
  static Result<DhKey> Generate(DhGroup group, Random& random);
  // Known private key (big-endian scalar for MODP/ECP, RFC 7748 bytes for X25519).
  static Result<DhKey> FromPrivate(DhGroup group, std::span<const uint8_t> priv);

  DhGroup group() const { return group_; }
  std::span<const uint8_t> PublicValue() const { return pub_; }
  // Validates the peer value (range / on-curve / non-zero result) and returns g^ir.
  Result<util::SecretBytes> Derive(std::span<const uint8_t> peer_public) const;

 private:
  DhKey(DhGroup g, util::SecretBytes priv, std::vector<uint8_t> pub)
      : group_(g), priv_(std::move(priv)), pub_(std::move(pub)) {}
  DhGroup group_;
  util::SecretBytes priv_;
  std::vector<uint8_t> pub_;
};

}  // namespace ipsec::ike
