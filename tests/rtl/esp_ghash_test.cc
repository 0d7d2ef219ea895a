// esp_ghash: back-to-back messages of random keys and lengths, one beat per clock, must give
// S = T ^ AES_K(J0) of OpenSSL (ghash_ref.h) in the clock after their last beat; then the same
// with random input gaps and random stalls (en_i).
#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "Vesp_ghash.h"
#include "sim/harness/tb.h"
#include "tests/rtl/ghash_ref.h"

namespace ipsec::rtltest {
namespace {

using sim::GetBytes;
using sim::SetBytes;

struct Beat {
  bool sop, data, last;
  Block block, h, len;
};

class EspGhashTest : public ::testing::Test {
 protected:
  void SetUp() override { tb_.Reset(); }

  void Run(std::mt19937_64& rng, int messages, int p_valid, int p_en) {
    std::deque<Beat> beats;
    std::deque<std::pair<Block, uint64_t>> want;  // S, and the enabled clock of its last beat
    for (int m = 0; m < messages; ++m) {
      const size_t aad = rng() % 3 == 0 ? 0 : rng() % 80;
      const size_t pt = rng() % 4 == 0 ? 0 : rng() % 300;
      GhashCase c = MakeGhashCase(rng, (rng() & 1) ? 32 : 16, aad, pt);
      auto blocks = PaddedBlocks(c.aad);
      for (const Block& b : PaddedBlocks(c.ct)) blocks.push_back(b);
      const Block len = LengthBlock(aad, pt);
      if (blocks.empty()) {
        beats.push_back({true, false, true, Block{}, c.h, len});
      } else {
        for (size_t i = 0; i < blocks.size(); ++i) {
          beats.push_back({i == 0, true, i + 1 == blocks.size(), blocks[i], c.h, len});
        }
      }
      want.push_back({c.s, 0});
    }
    uint64_t enabled = 0;
    size_t next_want = 0;  // messages whose last beat went in
    std::deque<uint64_t> last_at;
    int got = 0;
    while (got < messages) {
      const bool en = static_cast<int>(rng() % 100) < p_en;
      const bool valid = !beats.empty() && static_cast<int>(rng() % 100) < p_valid;
      tb_->en_i = en;
      tb_->in_valid_i = valid;
      if (valid) {
        const Beat& b = beats.front();
        tb_->in_sop_i = b.sop;
        tb_->in_data_i = b.data;
        tb_->in_last_i = b.last;
        SetBytes(tb_->in_block_i.data(), 128, b.block);
        SetBytes(tb_->in_h_i.data(), 128, b.h);
        SetBytes(tb_->in_len_i.data(), 128, b.len);
      }
      if (en) {
        ++enabled;
        if (valid) {
          if (beats.front().last) last_at.push_back(enabled), ++next_want;
          beats.pop_front();
        }
      }
      tb_.Tick();
      if (en && tb_->out_valid_o) {
        ASSERT_LT(got, messages);
        ASSERT_FALSE(last_at.empty());
        Block s;
        GetBytes(tb_->out_s_o.data(), 128, s);
        ASSERT_EQ(s, want[got].first) << "message " << got;
        // Last beat in during clock t (enabled tick e), S out during clock t + 1.
        ASSERT_EQ(enabled - last_at.front(), 0u) << "latency";
        last_at.pop_front();
        ++got;
      }
      ASSERT_LT(enabled, 10'000'000u);
    }
    EXPECT_TRUE(beats.empty());
  }

  sim::Tb<Vesp_ghash> tb_{"esp_ghash"};
};

TEST_F(EspGhashTest, BackToBackEveryClock) {
  std::mt19937_64 rng(TestSeed(31));
  Run(rng, 3000, 100, 100);
}

TEST_F(EspGhashTest, GapsAndStalls) {
  std::mt19937_64 rng(TestSeed(32));
  Run(rng, 1000, 60, 75);
}

}  // namespace
}  // namespace ipsec::rtltest
