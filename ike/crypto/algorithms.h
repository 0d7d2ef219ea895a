// IANA "Internet Key Exchange Version 2 (IKEv2) Parameters" numbers the library supports,
// and their strongSwan proposal keywords (used in logs and diagnostics).
#pragma once

#include <cstdint>
#include <string>

namespace ipsec::ike {

// Transform types (RFC 7296 3.3.2).
enum class TransformType : uint8_t { kEncr = 1, kPrf = 2, kInteg = 3, kDh = 4, kEsn = 5 };

// Transform IDs.
inline constexpr uint16_t kEncrAesCbc = 12;
inline constexpr uint16_t kEncrAesGcm16 = 20;
inline constexpr uint16_t kPrfHmacSha256 = 5;
inline constexpr uint16_t kPrfHmacSha384 = 6;
inline constexpr uint16_t kPrfHmacSha512 = 7;
inline constexpr uint16_t kIntegNone = 0;
inline constexpr uint16_t kIntegHmacSha256_128 = 12;
inline constexpr uint16_t kIntegHmacSha384_192 = 13;
inline constexpr uint16_t kIntegHmacSha512_256 = 14;
inline constexpr uint16_t kEsnNo = 0;
inline constexpr uint16_t kEsnYes = 1;

enum class DhGroup : uint16_t {
  kNone = 0,
  kModp2048 = 14,
  kEcp256 = 19,
  kEcp384 = 20,
  kCurve25519 = 31,
};

// Transform attribute "Key Length" (RFC 7296 3.3.5), TV format.
inline constexpr uint16_t kAttrKeyLength = 14;

// Keyword of one transform, as strongSwan spells it ("aes256gcm16", "prfsha384", "ecp256").
std::string TransformName(TransformType type, uint16_t id, uint16_t key_bits);
const char* TransformTypeName(TransformType type);

}  // namespace ipsec::ike
