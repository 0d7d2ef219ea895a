// esp_aes_round: whole AES encryptions done one round at a time through the round model
// (round keys from OpenSSL's key schedule) must equal OpenSSL EVP AES-ECB, for AES-128 and
// AES-256. This checks SubBytes, ShiftRows, MixColumns (mix_i = 1) and the last round
// (mix_i = 0).
#include <gtest/gtest.h>

#include <random>

#include "Vesp_aes_round.h"
#include "sim/harness/tb.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {
namespace {

using sim::GetBytes;
using sim::SetBytes;

class EspAesRound : public ::testing::TestWithParam<int> {};

TEST_P(EspAesRound, RoundsComposeToAes) {
  const size_t key_len = GetParam() / 8;
  sim::Tb<Vesp_aes_round> tb("esp_aes_round");
  std::mt19937_64 rng(TestSeed(1 + key_len));
  for (int trial = 0; trial < 500; ++trial) {
    auto key = RandomBytes(rng, key_len);
    Block pt = RandomBlock(rng);
    auto rks = OpenSslRoundKeys(key);
    const int nr = static_cast<int>(rks.size()) - 1;
    Block st;
    for (int i = 0; i < 16; ++i) st[i] = pt[i] ^ rks[0][i];
    for (int r = 1; r <= nr; ++r) {
      tb->mix_i = r != nr;
      SetBytes(tb->state_i.data(), 128, st);
      SetBytes(tb->rk_i.data(), 128, rks[r]);
      tb.Eval();
      GetBytes(tb->state_o.data(), 128, st);
    }
    ASSERT_EQ(st, AesEcb(key, pt)) << "trial " << trial;
  }
}

INSTANTIATE_TEST_SUITE_P(KeySizes, EspAesRound, ::testing::Values(128, 256));

}  // namespace
}  // namespace ipsec::rtltest
