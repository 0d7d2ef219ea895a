#include "ike/crypto/algorithms.h"

namespace ipsec::ike {

std::string TransformName(TransformType type, uint16_t id, uint16_t key_bits) {
  switch (type) {
    case TransformType::kEncr:
      if (id == kEncrAesGcm16) return "aes" + std::to_string(key_bits) + "gcm16";
      if (id == kEncrAesCbc) return "aes" + std::to_string(key_bits);
      return "encr" + std::to_string(id);
    case TransformType::kPrf:
      if (id == kPrfHmacSha256) return "prfsha256";
      if (id == kPrfHmacSha384) return "prfsha384";
      if (id == kPrfHmacSha512) return "prfsha512";
      return "prf" + std::to_string(id);
    case TransformType::kInteg:
      if (id == kIntegHmacSha256_128) return "sha256";
      if (id == kIntegHmacSha384_192) return "sha384";
      if (id == kIntegHmacSha512_256) return "sha512";
      if (id == kIntegNone) return "none";
      return "integ" + std::to_string(id);
    case TransformType::kDh:
      switch (static_cast<DhGroup>(id)) {
        case DhGroup::kModp2048:
          return "modp2048";
        case DhGroup::kEcp256:
          return "ecp256";
        case DhGroup::kEcp384:
          return "ecp384";
        case DhGroup::kCurve25519:
          return "x25519";
        case DhGroup::kNone:
          return "none";
      }
      return "dh" + std::to_string(id);
    case TransformType::kEsn:
      return id == kEsnYes ? "esn" : id == kEsnNo ? "noesn" : "esn" + std::to_string(id);
  }
  return "transform" + std::to_string(id);
}

const char* TransformTypeName(TransformType type) {
  switch (type) {
    case TransformType::kEncr:
      return "encryption algorithm";
    case TransformType::kPrf:
      return "PRF";
    case TransformType::kInteg:
      return "integrity algorithm";
    case TransformType::kDh:
      return "DH group";
    case TransformType::kEsn:
      return "ESN setting";
  }
  return "transform";
}

}  // namespace ipsec::ike
