// Protection of the IKE SA's Encrypted payload (SK, RFC 7296 3.14): AES-GCM with 16-byte ICV
// (RFC 5282, 8-byte explicit IV, 4-byte salt from the key material) or AES-CBC with
// HMAC-SHA2-256-128 (RFC 4868). The body of an SK payload is IV || ciphertext || ICV, the
// plaintext being inner payloads || padding || pad length.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "hw/util/secret_bytes.h"
#include "ike/crypto/prf.h"
#include "ike/crypto/random.h"
#include "ike/errors.h"

namespace ipsec::ike {

class SkCipher {
 public:
  static bool Supported(uint16_t encr, uint16_t key_bits, uint16_t integ);
  // Bytes of encryption key material (AES key, plus the 4-byte salt for GCM).
  static size_t EncrKeySize(uint16_t encr, uint16_t key_bits);
  // Bytes of integrity key material (0 for AEAD).
  static size_t IntegKeySize(uint16_t integ);

  static Result<SkCipher> Create(uint16_t encr, uint16_t key_bits, uint16_t integ,
                                 util::SecretBytes encr_key, util::SecretBytes integ_key);

  bool aead() const { return aead_; }
  // IV + ciphertext (with padding and pad-length byte) + ICV for `plain_len` bytes of payloads.
  size_t BodySize(size_t plain_len) const;
  // `aad`: message bytes from the IKE header to the end of the SK payload header, with the final
  // lengths already written. Returns the SK payload body.
  Result<std::vector<uint8_t>> Seal(std::span<const uint8_t> aad, std::span<const uint8_t> plain,
                                    Random& random);
  // Verifies and decrypts; returns the inner payloads with padding removed.
  Result<std::vector<uint8_t>> Open(std::span<const uint8_t> aad,
                                    std::span<const uint8_t> body) const;

 private:
  SkCipher() = default;
  size_t PaddedSize(size_t plain_len) const;
  bool aead_ = false;
  uint16_t key_bits_ = 0;
  size_t iv_size_ = 0;
  size_t icv_size_ = 16;
  util::SecretBytes key_;   // AES key
  util::SecretBytes salt_;  // GCM salt
  util::SecretBytes integ_key_;
  std::optional<Hmac> hmac_;
  uint64_t iv_counter_ = 0;  // GCM: per-SA unique explicit IV (RFC 5282 3.1)
};

}  // namespace ipsec::ike
