// Helpers shared by the RTL block testbenches: random data, one-block AES through OpenSSL
// EVP (ECB), and OpenSSL's AES round keys.
#pragma once

// AES_set_encrypt_key is deprecated in OpenSSL 3 but is the only public way to read a key
// schedule; the tests use it only as a reference (its warning is silenced at the call).
#include <openssl/aes.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "hw/util/openssl_ptr.h"

namespace ipsec::rtltest {

using Block = std::array<uint8_t, 16>;

// Seed from IPSEC_SEED if set, else a fixed default; printed so a failure can be replayed.
inline uint64_t TestSeed(uint64_t fallback) {
  const char* env = std::getenv("IPSEC_SEED");
  uint64_t seed = env != nullptr ? std::strtoull(env, nullptr, 0) : fallback;
  std::printf("random seed %llu (set IPSEC_SEED to replay)\n",
              static_cast<unsigned long long>(seed));
  return seed;
}

inline std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t n) {
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

inline Block RandomBlock(std::mt19937_64& rng) {
  Block b;
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// AES_K(in) for a 16- or 32-byte key, through EVP ECB.
inline Block AesEcb(std::span<const uint8_t> key, const Block& in) {
  const EVP_CIPHER* cipher = key.size() == 32 ? EVP_aes_256_ecb() : EVP_aes_128_ecb();
  util::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  Block out{};
  int n = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &n, in.data(), 16) != 1 || n != 16) {
    std::abort();
  }
  return out;
}

// Round keys 0..Nr as 16-byte blocks in FIPS-197 byte order. OpenSSL keeps them as 32-bit
// words, host-endian in its C code and byte-ordered in its x86 assembly; round key 0 equals
// the first 16 key bytes, which tells the two apart.
inline std::vector<Block> OpenSslRoundKeys(std::span<const uint8_t> key) {
  AES_KEY ks;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (AES_set_encrypt_key(key.data(), static_cast<int>(key.size() * 8), &ks) != 0) std::abort();
#pragma GCC diagnostic pop
  const bool byte_order = std::memcmp(ks.rd_key, key.data(), 16) == 0;
  std::vector<Block> out(ks.rounds + 1);
  for (int r = 0; r <= ks.rounds; ++r) {
    for (int c = 0; c < 4; ++c) {
      uint32_t w = ks.rd_key[4 * r + c];
      for (int b = 0; b < 4; ++b) {
        out[r][4 * c + b] = byte_order ? reinterpret_cast<const uint8_t*>(&w)[b]
                                       : static_cast<uint8_t>(w >> (24 - 8 * b));
      }
    }
  }
  return out;
}

}  // namespace ipsec::rtltest
