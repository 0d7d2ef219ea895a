// esp_out_pack testbench: rtl/esp_out_pack.sv at 256, 512 and 1024 bits (Words = 16, so the
// FIFO fills and wraps often), through its ports only. A lane model sends random packets of
// 1..9216 bytes as 128-bit beats (random valid); a back model takes words (random ready). Every
// packet must come out as ceil(beats / (DataW/128)) words with its bytes in order, zero past
// its last beat, out_last_o on its last word and nowhere else.
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "Vesp_out_pack_w1024.h"
#include "Vesp_out_pack_w256.h"
#include "Vesp_out_pack_w512.h"
#include "sim/harness/tb.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {
namespace {

struct Knobs {
  int packets = 400;
  int valid_pct = 70, ready_pct = 70;
  int max_len = 9216;
};

struct Stats {
  uint64_t cycles = 0, in_beats = 0, out_words = 0, in_stall = 0;
};

template <class V>
class PackBench {
 public:
  static constexpr size_t kBB = sizeof(V::out_data_o);  // bytes per word

  PackBench(Knobs k, uint64_t seed) : k_(k), rng_(seed) {}

  Stats Run() {
    for (int i = 0; i < k_.packets; ++i) {
      std::vector<uint8_t> p(1 + rng_() % k_.max_len);
      for (auto& b : p) b = static_cast<uint8_t>(rng_());
      sent_.push_back(std::move(p));
    }
    tb_.Reset();
    auto& m = tb_.model();
    uint64_t idle = 0;
    while (got_ < sent_.size() && !::testing::Test::HasFailure()) {
      // Lane: the next beat of the next packet.
      const bool have = in_pkt_ < sent_.size();
      m.in_valid_i = have && Pct(k_.valid_pct);
      uint8_t b[16] = {};
      if (have) {
        const auto& p = sent_[in_pkt_];
        for (size_t i = 0; i < 16 && 16 * in_beat_ + i < p.size(); ++i) b[i] = p[16 * in_beat_ + i];
        m.in_last_i = 16 * (in_beat_ + 1) >= p.size();
      }
      sim::SetBytes(m.in_data_i, 128, b);
      m.out_ready_i = Pct(k_.ready_pct);
      tb_.Eval();
      const bool in_ok = m.in_valid_i && m.in_ready_o, out_ok = m.out_valid_o && m.out_ready_i;
      st_.in_stall += m.in_valid_i && !m.in_ready_o;
      if (out_ok) Word();
      if (in_ok) {
        ++st_.in_beats;
        if (m.in_last_i) {
          ++in_pkt_;
          in_beat_ = 0;
        } else {
          ++in_beat_;
        }
      }
      idle = (in_ok || out_ok) ? 0 : idle + 1;
      if (idle > 1000) {
        ADD_FAILURE() << "no progress for 1000 clocks at packet " << got_;
        break;
      }
      tb_.Tick();
    }
    EXPECT_FALSE(tb_->out_valid_o) << "a word left over";
    st_.cycles = tb_.cycles();
    return st_;
  }

 private:
  bool Pct(int p) { return static_cast<int>(rng_() % 100) < p; }

  void Word() {
    auto& m = tb_.model();
    ++st_.out_words;
    uint8_t w[kBB];
    sim::GetBytes(m.out_data_o, 8 * kBB, w);
    const auto& p = sent_[got_];
    const size_t words = ((p.size() + 15) / 16 * 16 + kBB - 1) / kBB;
    for (size_t i = 0; i < kBB; ++i) {
      const size_t at = kBB * out_word_ + i;
      // Past the packet: the rest of its last beat is the lane's (here 0), past that zero.
      const uint8_t want = at < p.size() ? p[at] : 0;
      ASSERT_EQ(w[i], want) << "packet " << got_ << " (" << p.size() << " bytes) word " << out_word_
                            << " byte " << i;
    }
    const bool last = out_word_ + 1 == words;
    ASSERT_EQ(static_cast<bool>(m.out_last_o), last)
        << "packet " << got_ << " word " << out_word_ << " of " << words;
    if (last) {
      ++got_;
      out_word_ = 0;
    } else {
      ++out_word_;
    }
  }

  Knobs k_;
  std::mt19937_64 rng_;
  sim::Tb<V> tb_{"esp_out_pack"};
  std::deque<std::vector<uint8_t>> sent_;
  size_t in_pkt_ = 0, in_beat_ = 0, got_ = 0, out_word_ = 0;
  Stats st_;
};

template <class V>
class EspOutPackTest : public ::testing::Test {};
struct WidthName {
  template <class V>
  static std::string GetName(int) {
    return "Bus" + std::to_string(8 * PackBench<V>::kBB);
  }
};
using Widths = ::testing::Types<Vesp_out_pack_w256, Vesp_out_pack_w512, Vesp_out_pack_w1024>;
TYPED_TEST_SUITE(EspOutPackTest, Widths, WidthName);

// Random packets, random stalls on both sides (including a back that rarely takes words, so
// the FIFO fills and the lane waits).
TYPED_TEST(EspOutPackTest, RandomPacketsComeOutPackedAndInOrder) {
  const uint64_t seed = TestSeed(1);
  for (int ready : {70, 100, 5}) {
    Knobs k;
    k.ready_pct = ready;
    k.packets = ready == 5 ? 40 : 400;
    const Stats s = PackBench<TypeParam>(k, seed + ready).Run();
    ASSERT_FALSE(::testing::Test::HasFailure()) << "seed " << seed + ready;
    std::printf(
        "ready %d%%: %llu clocks, %llu beats in, %llu words out, %llu lane stalls\n", ready,
        static_cast<unsigned long long>(s.cycles), static_cast<unsigned long long>(s.in_beats),
        static_cast<unsigned long long>(s.out_words), static_cast<unsigned long long>(s.in_stall));
    if (ready == 5) EXPECT_GT(s.in_stall, 1000u);  // the FIFO filled
  }
}

// Both sides always ready: a beat every clock goes in, the lane never waits.
TYPED_TEST(EspOutPackTest, AllReadyTakesABeatEveryClock) {
  Knobs k;
  k.valid_pct = k.ready_pct = 100;
  k.packets = 200;
  const Stats s = PackBench<TypeParam>(k, 3).Run();
  EXPECT_EQ(s.in_stall, 0u);
  EXPECT_LE(s.cycles, s.in_beats + 8);
}

}  // namespace
}  // namespace ipsec::rtltest
