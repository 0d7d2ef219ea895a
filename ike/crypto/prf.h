// PRF HMAC-SHA2-256/384/512 (RFC 4868) and prf+ (RFC 7296 2.13), through OpenSSL EVP_MAC.
// Also HMAC-SHA2-256-128 integrity (RFC 4868 2.1) and SHA-1 for NAT detection (RFC 7296 2.23).
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <span>
#include <vector>

#include "hw/util/openssl_ptr.h"
#include "hw/util/secret_bytes.h"
#include "ike/errors.h"

namespace ipsec::ike {

class Hmac {
 public:
  // `digest` is "SHA256", "SHA384" or "SHA512".
  static Result<Hmac> Create(const char* digest);
  size_t OutputSize() const { return out_size_; }
  Result<util::SecretBytes> Compute(std::span<const uint8_t> key,
                                    std::span<const std::span<const uint8_t>> parts) const;
  Result<util::SecretBytes> Compute(std::span<const uint8_t> key,
                                    std::span<const uint8_t> data) const {
    std::span<const uint8_t> parts[] = {data};
    return Compute(key, parts);
  }

 private:
  Hmac(util::UniquePtr<EVP_MAC> mac, const char* digest, size_t out)
      : mac_(std::move(mac)), digest_(digest), out_size_(out) {}
  util::UniquePtr<EVP_MAC> mac_;
  const char* digest_;
  size_t out_size_;
};

class Prf {
 public:
  static Result<Prf> Create(uint16_t prf_id);  // kPrfHmacSha256/384/512
  uint16_t id() const { return id_; }
  size_t OutputSize() const { return hmac_.OutputSize(); }
  // Preferred key length (RFC 7296 2.14: SK_d, SK_pi, SK_pr have the PRF's key length).
  size_t KeySize() const { return hmac_.OutputSize(); }
  Result<util::SecretBytes> Compute(std::span<const uint8_t> key,
                                    std::span<const uint8_t> data) const {
    return hmac_.Compute(key, data);
  }
  Result<util::SecretBytes> Compute(std::span<const uint8_t> key,
                                    std::span<const std::span<const uint8_t>> parts) const {
    return hmac_.Compute(key, parts);
  }
  // prf+ (K, S) = T1 | T2 | ..., T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n); `len` bytes.
  Result<util::SecretBytes> PlusExpand(std::span<const uint8_t> key, std::span<const uint8_t> seed,
                                       size_t len) const;

 private:
  Prf(uint16_t id, Hmac hmac) : id_(id), hmac_(std::move(hmac)) {}
  uint16_t id_;
  Hmac hmac_;
};

// SHA-1 of the concatenated parts (NAT_DETECTION_*_IP, RFC 7296 2.23).
std::vector<uint8_t> Sha1(std::span<const std::span<const uint8_t>> parts);

// Constant-time comparison.
bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace ipsec::ike
