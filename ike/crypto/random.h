// Randomness seam: nonces, SPIs, DH private keys and IVs all come from a Random, so tests
// inject a deterministic one and two in-process peers replay bit for bit.
#pragma once

#include <cstdint>
#include <span>

namespace ipsec::ike {

class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;
  uint32_t U32();
  uint64_t U64();
};

// RAND_bytes; a failing DRBG is fatal (IPSEC_CHECK).
class OpenSslRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override;
};

// SHA-256(seed || counter) stream. For tests only: never for real keys.
class DeterministicRandom final : public Random {
 public:
  explicit DeterministicRandom(uint64_t seed) : seed_(seed) {}
  void Fill(std::span<uint8_t> out) override;

 private:
  uint64_t seed_;
  uint64_t counter_ = 0;
};

}  // namespace ipsec::ike
