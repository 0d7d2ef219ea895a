// esp_aes_keyexp: for random AES-128 and AES-256 keys, the round keys written on the rk_*
// port must equal OpenSSL's key schedule (AES_set_encrypt_key), and H on the h_* port must
// equal AES_K(0^128) from OpenSSL EVP. Also checks the install timing (Nr + 2 clocks busy)
// and back-to-back installs.
#include <gtest/gtest.h>

#include <random>

#include "Vesp_aes_keyexp.h"
#include "sim/harness/tb.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {
namespace {

using sim::GetBytes;
using sim::SetBytes;

class EspAesKeyexpTest : public ::testing::Test {
 protected:
  void SetUp() override { tb_.Reset(); }

  // Installs `key` under `id`, returns the clocks from acceptance to the H write.
  int Install(const std::vector<uint8_t>& key, int id) {
    std::vector<uint8_t> bus(32, 0);
    std::copy(key.begin(), key.end(), bus.begin());
    tb_->key_valid_i = 1;
    tb_->key_id_i = id;
    tb_->key_256_i = key.size() == 32;
    SetBytes(tb_->key_i.data(), 256, bus);
    tb_.Eval();
    while (!tb_->key_ready_o) tb_.Tick();
    tb_.Tick();  // accepted
    tb_->key_valid_i = 0;
    tb_.Eval();
    const auto want = OpenSslRoundKeys(key);
    std::vector<bool> seen(want.size(), false);
    int clocks = 0;
    for (;;) {
      EXPECT_FALSE(tb_->key_ready_o);
      ++clocks;
      if (tb_->rk_we_o) {
        const unsigned idx = tb_->rk_idx_o;
        EXPECT_EQ(tb_->rk_id_o, id);
        EXPECT_EQ(tb_->rk_256_o, key.size() == 32);
        EXPECT_LT(idx, want.size());
        if (idx < want.size()) {
          Block rk;
          GetBytes(tb_->rk_o.data(), 128, rk);
          EXPECT_EQ(rk, want[idx]) << "round key " << idx;
          seen[idx] = true;
        }
      }
      if (tb_->h_we_o) {
        Block h;
        GetBytes(tb_->h_o.data(), 128, h);
        EXPECT_EQ(h, AesEcb(key, Block{})) << "H";
        EXPECT_EQ(tb_->rk_id_o, id);
        tb_.Tick();
        break;
      }
      tb_.Tick();
      if (clocks > 40) {
        ADD_FAILURE() << "no H write";
        break;
      }
    }
    for (size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << "round key " << i;
    EXPECT_TRUE(tb_->key_ready_o);
    return clocks;
  }

  sim::Tb<Vesp_aes_keyexp> tb_{"esp_aes_keyexp"};
};

TEST_F(EspAesKeyexpTest, Fips197AppendixAKeys) {
  // FIPS-197 Appendix A.1 and A.3 cipher keys.
  const std::vector<uint8_t> k128 = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                     0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
  std::vector<uint8_t> k256 = {0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae,
                               0xf0, 0x85, 0x7d, 0x77, 0x81, 0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61,
                               0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4};
  EXPECT_EQ(Install(k128, 3), 12);  // Nr + 2
  EXPECT_EQ(Install(k256, 15), 16);
}

TEST_F(EspAesKeyexpTest, RandomKeys) {
  std::mt19937_64 rng(TestSeed(7));
  for (int i = 0; i < 400; ++i) {
    const size_t len = (rng() & 1) ? 32 : 16;
    Install(RandomBytes(rng, len), static_cast<int>(rng() % 16));
  }
}

}  // namespace
}  // namespace ipsec::rtltest
