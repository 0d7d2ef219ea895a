// esp_aes_sbox: all 256 inputs against the S-box computed here from its FIPS-197 5.1.1
// definition (inverse in GF(2^8) mod 0x11b, then the affine map with 0x63).
#include <gtest/gtest.h>

#include <cstdint>

#include "Vesp_aes_sbox.h"
#include "sim/harness/tb.h"

namespace {

uint8_t GfMul(uint8_t a, uint8_t b) {
  uint8_t r = 0;
  while (b != 0) {
    if (b & 1) r ^= a;
    a = static_cast<uint8_t>((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
    b >>= 1;
  }
  return r;
}

uint8_t SboxFromDefinition(uint8_t x) {
  uint8_t inv = 0;
  for (int y = 1; y < 256 && x != 0; ++y) {
    if (GfMul(x, static_cast<uint8_t>(y)) == 1) inv = static_cast<uint8_t>(y);
  }
  uint8_t s = inv;
  for (int i = 1; i <= 4; ++i) s ^= static_cast<uint8_t>((inv << i) | (inv >> (8 - i)));
  return s ^ 0x63;
}

TEST(EspAesSbox, AllInputsMatchFips197) {
  ipsec::sim::Tb<Vesp_aes_sbox> tb("esp_aes_sbox");
  for (int x = 0; x < 256; ++x) {
    tb->in_i = static_cast<uint8_t>(x);
    tb.Eval();
    EXPECT_EQ(tb->out_o, SboxFromDefinition(static_cast<uint8_t>(x))) << "x=" << x;
  }
  // Two values straight from FIPS-197 Figure 7.
  tb->in_i = 0x53;
  tb.Eval();
  EXPECT_EQ(tb->out_o, 0xed);
  tb->in_i = 0x00;
  tb.Eval();
  EXPECT_EQ(tb->out_o, 0x63);
}

}  // namespace
