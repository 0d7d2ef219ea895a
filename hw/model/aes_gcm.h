// AES-GCM (NIST SP 800-38D) with a 96-bit IV, through OpenSSL EVP.
// The functional model's cipher, and the reference the RTL core is compared against.
// Key schedule is done once per key (Create); Seal/Open only set the IV.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "hw/util/openssl_ptr.h"

namespace ipsec::hw::model {

class AesGcm {
 public:
  static constexpr size_t kIvLen = 12;
  static constexpr size_t kMaxTagLen = 16;

  // key: 16 (AES-128) or 32 (AES-256) bytes. nullopt for any other length or an OpenSSL failure.
  static std::optional<AesGcm> Create(std::span<const uint8_t> key);

  // ct receives pt.size() bytes; tag receives tag.size() bytes (4..16, truncated per SP 800-38D).
  // false only if OpenSSL fails or a span has the wrong size.
  bool Seal(std::span<const uint8_t> iv, std::span<const uint8_t> aad, std::span<const uint8_t> pt,
            std::span<uint8_t> ct, std::span<uint8_t> tag) const;

  // pt receives ct.size() bytes. false when the tag does not verify (pt is then zeroed).
  bool Open(std::span<const uint8_t> iv, std::span<const uint8_t> aad, std::span<const uint8_t> ct,
            std::span<const uint8_t> tag, std::span<uint8_t> pt) const;

  size_t key_len() const { return key_len_; }

 private:
  AesGcm(util::UniquePtr<EVP_CIPHER_CTX> enc, util::UniquePtr<EVP_CIPHER_CTX> dec, size_t key_len)
      : enc_(std::move(enc)), dec_(std::move(dec)), key_len_(key_len) {}

  // Keyed contexts; each operation copies nothing but re-inits the IV.
  util::UniquePtr<EVP_CIPHER_CTX> enc_;
  util::UniquePtr<EVP_CIPHER_CTX> dec_;
  size_t key_len_;
};

}  // namespace ipsec::hw::model
