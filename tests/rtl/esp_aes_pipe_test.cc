// esp_aes_pipe: a random stream of blocks under 16 keys (AES-128 and AES-256 mixed, key id
// and size changing every block), with random input gaps and random pipeline stalls (en_i),
// must come out in order, each equal to OpenSSL EVP AES-ECB of its key, after exactly
// Nr + 1 = 15 enabled clocks. Round keys are written through the rk_* port from OpenSSL's key
// schedule, so this bench does not depend on esp_aes_keyexp.
#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "Vesp_aes_pipe.h"
#include "sim/harness/tb.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {
namespace {

using sim::GetBytes;
using sim::SetBytes;

constexpr int kNumKeys = 16;
constexpr int kLatency = 15;  // Nr + 1 with MaxKeyBits = 256

class EspAesPipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tb_.Reset();
    tb_->en_i = 1;
  }

  void WriteKey(int id, const std::vector<uint8_t>& key) {
    keys_[id] = key;
    const auto rks = OpenSslRoundKeys(key);
    for (size_t r = 0; r < rks.size(); ++r) {
      tb_->rk_we_i = 1;
      tb_->rk_id_i = id;
      tb_->rk_idx_i = static_cast<uint8_t>(r);
      tb_->rk_256_i = key.size() == 32;
      SetBytes(tb_->rk_i.data(), 128, rks[r]);
      tb_.Tick();
    }
    tb_->rk_we_i = 0;
  }

  struct Pending {
    Block want;
    int id;
    uint16_t tag;
    uint64_t enabled_at;
  };

  // Runs `clocks` cycles of random traffic; p_valid / p_en in percent.
  void Stream(std::mt19937_64& rng, int clocks, int p_valid, int p_en) {
    for (int c = 0; c < clocks; ++c) {
      const bool en = static_cast<int>(rng() % 100) < p_en;
      const bool valid = static_cast<int>(rng() % 100) < p_valid;
      tb_->en_i = en;
      tb_->in_valid_i = valid;
      const int id = static_cast<int>(rng() % kNumKeys);
      Block b = RandomBlock(rng);
      tb_->in_key_id_i = id;
      SetBytes(tb_->in_block_i.data(), 128, b);
      tb_->in_user_i = next_tag_;
      if (en) {
        ++enabled_;
        if (valid) pending_.push_back({AesEcb(keys_[id], b), id, next_tag_++, enabled_});
      }
      tb_.Tick();
      if (en && tb_->out_valid_o) {
        ASSERT_FALSE(pending_.empty()) << "unexpected output";
        const Pending p = pending_.front();
        pending_.pop_front();
        Block got;
        GetBytes(tb_->out_block_o.data(), 128, got);
        ASSERT_EQ(tb_->out_user_o, p.tag);
        ASSERT_EQ(tb_->out_key_id_o, p.id);
        ASSERT_EQ(got, p.want) << "block " << p.tag;
        ASSERT_EQ(enabled_ - p.enabled_at, static_cast<uint64_t>(kLatency - 1));
        ++checked_;
      }
    }
  }

  void Drain(std::mt19937_64& rng) { Stream(rng, kLatency + 2, 0, 100); }

  sim::Tb<Vesp_aes_pipe> tb_{"esp_aes_pipe"};
  std::vector<uint8_t> keys_[kNumKeys];
  std::deque<Pending> pending_;
  uint16_t next_tag_ = 0;
  uint64_t enabled_ = 0;
  int checked_ = 0;
};

TEST_F(EspAesPipeTest, MixedKeysEveryClock) {
  std::mt19937_64 rng(TestSeed(11));
  for (int id = 0; id < kNumKeys; ++id) WriteKey(id, RandomBytes(rng, id % 2 ? 32 : 16));
  Stream(rng, 20000, 100, 100);  // a block every clock, key changes every block
  Drain(rng);
  EXPECT_TRUE(pending_.empty());
  EXPECT_EQ(checked_, 20000);
}

TEST_F(EspAesPipeTest, GapsStallsAndKeyRewrites) {
  std::mt19937_64 rng(TestSeed(12));
  for (int id = 0; id < kNumKeys; ++id) WriteKey(id, RandomBytes(rng, 16));
  for (int round = 0; round < 20; ++round) {
    Stream(rng, 1000, 70, 80);
    Drain(rng);
    ASSERT_TRUE(pending_.empty());
    // Rewrite some keys, changing their size, while the pipeline is idle.
    for (int i = 0; i < 4; ++i) {
      WriteKey(static_cast<int>(rng() % kNumKeys), RandomBytes(rng, (rng() & 1) ? 32 : 16));
    }
  }
  EXPECT_GT(checked_, 10000);
}

}  // namespace
}  // namespace ipsec::rtltest
