#include "ike/crypto/random.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>

#include "hw/util/check.h"
#include "hw/util/endian.h"

namespace ipsec::ike {

uint32_t Random::U32() {
  uint8_t b[4];
  Fill(b);
  return util::LoadBe32(b);
}

uint64_t Random::U64() {
  uint8_t b[8];
  Fill(b);
  return util::LoadBe64(b);
}

void OpenSslRandom::Fill(std::span<uint8_t> out) {
  if (out.empty()) return;
  IPSEC_CHECK(RAND_bytes(out.data(), static_cast<int>(out.size())) == 1, "RAND_bytes failed");
}

void DeterministicRandom::Fill(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    uint8_t in[16];
    util::StoreBe64(in, seed_);
    util::StoreBe64(in + 8, counter_++);
    uint8_t md[32];
    unsigned int len = 0;
    IPSEC_CHECK(EVP_Digest(in, sizeof(in), md, &len, EVP_sha256(), nullptr) == 1, "sha256");
    size_t n = std::min<size_t>(32, out.size() - done);
    std::copy_n(md, n, out.begin() + static_cast<ptrdiff_t>(done));
    done += n;
  }
}

}  // namespace ipsec::ike
