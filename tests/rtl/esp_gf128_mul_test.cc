// esp_gf128_mul: the multiplier chained as GHASH must reproduce OpenSSL's GCM tags
// (S = T ^ AES_K(J0), see ghash_ref.h), and obey the field laws (commutative, distributive,
// identity 1 = bit 127, x * x^127 = x^128 = 1 + x + x^2 + x^7).
#include <gtest/gtest.h>

#include <random>

#include "Vesp_gf128_mul.h"
#include "sim/harness/tb.h"
#include "tests/rtl/ghash_ref.h"

namespace ipsec::rtltest {
namespace {

using sim::GetBytes;
using sim::SetBytes;

class EspGf128MulTest : public ::testing::Test {
 protected:
  Block Mul(const Block& a, const Block& b) {
    SetBytes(tb_->a_i.data(), 128, a);
    SetBytes(tb_->b_i.data(), 128, b);
    tb_.Eval();
    Block p;
    GetBytes(tb_->p_o.data(), 128, p);
    return p;
  }
  static Block Xor(const Block& a, const Block& b) {
    Block r;
    for (int i = 0; i < 16; ++i) r[i] = a[i] ^ b[i];
    return r;
  }

  sim::Tb<Vesp_gf128_mul> tb_{"esp_gf128_mul"};
};

TEST_F(EspGf128MulTest, ChainedAsGhashMatchesOpenSsl) {
  std::mt19937_64 rng(TestSeed(21));
  for (int trial = 0; trial < 2000; ++trial) {
    const size_t aad = rng() % 70, pt = rng() % 70;
    GhashCase c = MakeGhashCase(rng, (trial & 1) ? 32 : 16, aad, pt);
    Block y{};
    for (const Block& x : PaddedBlocks(c.aad)) y = Mul(Xor(y, x), c.h);
    for (const Block& x : PaddedBlocks(c.ct)) y = Mul(Xor(y, x), c.h);
    y = Mul(Xor(y, LengthBlock(aad, pt)), c.h);
    ASSERT_EQ(y, c.s) << "trial " << trial << " aad " << aad << " pt " << pt;
  }
}

TEST_F(EspGf128MulTest, FieldLaws) {
  std::mt19937_64 rng(TestSeed(22));
  Block one{};
  one[0] = 0x80;  // x^0: leftmost bit
  Block x1{};
  x1[0] = 0x40;  // x^1
  Block x127{};
  x127[15] = 0x01;  // x^127
  Block reduced{};
  reduced[0] = 0xe1;  // 1 + x + x^2 + x^7 (SP 800-38D's R)
  EXPECT_EQ(Mul(x1, x127), reduced);
  EXPECT_EQ(Mul(x127, x1), reduced);
  for (int i = 0; i < 5000; ++i) {
    Block a = RandomBlock(rng), b = RandomBlock(rng), c = RandomBlock(rng);
    ASSERT_EQ(Mul(a, one), a);
    ASSERT_EQ(Mul(a, b), Mul(b, a));
    ASSERT_EQ(Mul(a, Xor(b, c)), Xor(Mul(a, b), Mul(a, c)));
    ASSERT_EQ(Mul(a, Block{}), Block{});
  }
}

}  // namespace
}  // namespace ipsec::rtltest
