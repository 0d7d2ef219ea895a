// GHASH known answers taken from OpenSSL, with no GHASH code of our own:
// for a key K, IV, AAD A and plaintext P, OpenSSL's tag T = S ^ AES_K(J0), so
// S = GHASH_H(A, C) = T ^ AES_K(IV || 0^31 || 1), with H = AES_K(0^128) (SP 800-38D 7.1).
#pragma once

#include <cstdint>
#include <vector>

#include "hw/model/aes_gcm.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {

struct GhashCase {
  std::vector<uint8_t> key, iv, aad, pt, ct;
  Block h{}, ej0{}, s{}, tag{};
};

inline GhashCase MakeGhashCase(std::mt19937_64& rng, size_t key_len, size_t aad_len,
                               size_t pt_len) {
  GhashCase c;
  c.key = RandomBytes(rng, key_len);
  c.iv = RandomBytes(rng, 12);
  c.aad = RandomBytes(rng, aad_len);
  c.pt = RandomBytes(rng, pt_len);
  c.ct.resize(pt_len);
  auto gcm = hw::model::AesGcm::Create(c.key);
  if (!gcm || !gcm->Seal(c.iv, c.aad, c.pt, c.ct, c.tag)) std::abort();
  c.h = AesEcb(c.key, Block{});
  Block j0{};
  std::copy(c.iv.begin(), c.iv.end(), j0.begin());
  j0[15] = 1;
  c.ej0 = AesEcb(c.key, j0);
  for (int i = 0; i < 16; ++i) c.s[i] = c.tag[i] ^ c.ej0[i];
  return c;
}

// The zero-padded 16-byte blocks of A then C, and the length block.
inline std::vector<Block> PaddedBlocks(const std::vector<uint8_t>& data) {
  std::vector<Block> out((data.size() + 15) / 16, Block{});
  for (size_t i = 0; i < data.size(); ++i) out[i / 16][i % 16] = data[i];
  return out;
}

inline Block LengthBlock(uint64_t aad_bytes, uint64_t ct_bytes) {
  Block l{};
  for (int i = 0; i < 8; ++i) {
    l[i] = static_cast<uint8_t>((aad_bytes * 8) >> (56 - 8 * i));
    l[8 + i] = static_cast<uint8_t>((ct_bytes * 8) >> (56 - 8 * i));
  }
  return l;
}

}  // namespace ipsec::rtltest
