// IKEv2 key derivation (RFC 7296 2.13, 2.14, 2.17, 2.18) and PSK AUTH (2.15).
#pragma once

#include <cstdint>
#include <span>

#include "hw/util/secret_bytes.h"
#include "ike/crypto/prf.h"
#include "ike/errors.h"

namespace ipsec::ike {

struct IkeKeys {
  util::SecretBytes sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
};

// Keying material of one CHILD_SA, per direction: encryption key (for AES-GCM the AES key
// followed by the 4-byte salt, RFC 4106 8.1) and integrity key (empty for AEAD).
struct ChildKeys {
  util::SecretBytes encr_i, integ_i;  // initiator -> responder
  util::SecretBytes encr_r, integ_r;  // responder -> initiator
};

// SKEYSEED = prf(Ni | Nr, g^ir) (2.14).
Result<util::SecretBytes> Skeyseed(const Prf& prf, std::span<const uint8_t> ni,
                                   std::span<const uint8_t> nr, std::span<const uint8_t> g_ir);
// SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's PRF (2.18).
Result<util::SecretBytes> RekeySkeyseed(const Prf& old_prf, std::span<const uint8_t> old_sk_d,
                                        std::span<const uint8_t> g_ir, std::span<const uint8_t> ni,
                                        std::span<const uint8_t> nr);
// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
Result<IkeKeys> DeriveIkeKeys(const Prf& prf, std::span<const uint8_t> skeyseed,
                              std::span<const uint8_t> ni, std::span<const uint8_t> nr,
                              uint64_t spi_i, uint64_t spi_r, size_t encr_len, size_t integ_len);
// KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (2.17); `g_ir` empty without PFS.
Result<ChildKeys> DeriveChildKeys(const Prf& prf, std::span<const uint8_t> sk_d,
                                  std::span<const uint8_t> g_ir, std::span<const uint8_t> ni,
                                  std::span<const uint8_t> nr, size_t encr_len, size_t integ_len);
// AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) where SignedOctets =
// RealMessage | Nonce of the peer | prf(SK_p, ID payload body) (2.15).
Result<util::SecretBytes> PskAuth(const Prf& prf, std::span<const uint8_t> psk,
                                  std::span<const uint8_t> real_message,
                                  std::span<const uint8_t> peer_nonce,
                                  std::span<const uint8_t> sk_p, std::span<const uint8_t> id_body);
// The octets an RSA/ECDSA signature covers (same layout, without the outer PRF).
Result<std::vector<uint8_t>> SignedOctets(const Prf& prf, std::span<const uint8_t> real_message,
                                          std::span<const uint8_t> peer_nonce,
                                          std::span<const uint8_t> sk_p,
                                          std::span<const uint8_t> id_body);

}  // namespace ipsec::ike
