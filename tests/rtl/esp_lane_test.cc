// esp_lane testbench: the RTL lane against the functional model (hw/model/esp.cc), through
// the lane's ports only (tests/rtl/lane_driver.h). Every output byte, status, out_len,
// inner_len and icv_ok is compared; every run is bounded in cycles, so a hang fails.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "Vesp_lane.h"
#include "tests/rtl/lane_driver.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {
namespace {

using hw::model::SaConfig;

class EspLaneTest : public ::testing::Test {
 protected:
  EspLaneTest() : tb_("esp_lane") { tb_.Reset(); }

  LaneSa RandomSa(std::mt19937_64& rng, uint16_t slot, bool tunnel, bool natt, bool esn,
                  bool aes256) {
    LaneSa s;
    s.slot = slot;
    s.key = RandomBytes(rng, aes256 ? 32 : 16);
    SaConfig& c = s.cfg;
    c.tunnel = tunnel;
    c.natt = natt;
    c.esn = esn;
    c.spi = static_cast<uint32_t>(rng() | 1);
    for (auto& b : c.salt) b = static_cast<uint8_t>(rng());
    c.tun_src = static_cast<uint32_t>(rng());
    c.tun_dst = static_cast<uint32_t>(rng());
    c.sport = static_cast<uint16_t>(rng());
    c.dport = 4500;
    return s;
  }

  LaneSa RandomSa(std::mt19937_64& rng, uint16_t slot) {
    return RandomSa(rng, slot, rng() % 2, rng() % 3 == 0, rng() % 2, rng() % 2);
  }

  static uint64_t RandomSeq(std::mt19937_64& rng, bool esn) {
    switch (rng() % 4) {
      case 0:
        return 1 + rng() % 100;
      case 1:
        return esn ? (rng() | 1) : 0xffffffffull - rng() % 4;
      default:
        return esn ? (rng() >> (rng() % 40)) | 1 : (rng() & 0xffffffffu) | 1;
    }
  }

  void ExpectClean(const LaneDriver<Vesp_lane>& d) {
    for (const auto& e : d.errors()) ADD_FAILURE() << e;
    EXPECT_TRUE(d.errors().empty());
  }

  sim::Tb<Vesp_lane> tb_;
};

// Status codes the RTL repeats from the register map (esp_lane_out.sv) against the C++ header
// generated from the same hw/regmap.toml: a mismatch would show as a status error below, this
// makes the cause obvious.
TEST(EspLaneStatus, CodesMatchRegisterMap) {
  EXPECT_EQ(static_cast<int>(hw::Status::kOk), 0);
  EXPECT_EQ(static_cast<int>(hw::Status::kAuthFail), 3);
  EXPECT_EQ(static_cast<int>(hw::Status::kBadPad), 4);
  EXPECT_EQ(static_cast<int>(hw::Status::kMalformed), 5);
  EXPECT_EQ(static_cast<int>(hw::Status::kNoSpace), 10);
}

// Every mode combination, sizes around beat boundaries, both directions, one packet at a time.
TEST_F(EspLaneTest, ModesAndEdgeSizes) {
  std::mt19937_64 rng(TestSeed(11));
  LaneDriver<Vesp_lane> d(tb_, {.seed = rng()});
  for (int mode = 0; mode < 16; ++mode) {
    const bool tunnel = mode & 1, natt = mode & 2, esn = mode & 4, aes256 = mode & 8;
    LaneSa s = RandomSa(rng, static_cast<uint16_t>(mode * 61), tunnel, natt, esn, aes256);
    d.InstallKey(s.slot, s.key);
    for (size_t total : {20, 21, 23, 24, 28, 31, 32, 33, 47, 48, 60, 64, 65, 79, 80, 127, 1500}) {
      for (int iv = 0; iv < 2; ++iv) {
        d.Add(MakeEncap(rng, s, total, iv, RandomSeq(rng, esn), static_cast<uint16_t>(rng())));
      }
    }
    for (size_t inner : {0, 1, 2, 3, 14, 15, 16, 17, 20, 30, 31, 32, 33, 63, 64, 100, 1400}) {
      if (tunnel && inner < 20) continue;
      d.Add(MakeDecap(rng, s, inner, RandomSeq(rng, esn), DecapKind::kGood));
    }
  }
  d.Run(2'000'000);
  ExpectClean(d);
  EXPECT_EQ(d.stats().packets, 752u);
}

// Forgeries and drops: every decap status the lane decides.
TEST_F(EspLaneTest, DecapDrops) {
  std::mt19937_64 rng(TestSeed(12));
  LaneDriver<Vesp_lane> d(tb_, {.p_in = 80, .p_out = 70, .p_res = 60, .seed = rng()});
  std::vector<LaneSa> sas;
  for (uint16_t i = 0; i < 8; ++i) {
    sas.push_back(
        RandomSa(rng, static_cast<uint16_t>(100 + 37 * i), i & 1, i & 2, i & 4, rng() % 2));
    d.InstallKey(sas.back().slot, sas.back().key);
  }
  int counts[16] = {};
  for (int i = 0; i < 1200; ++i) {
    const LaneSa& s = sas[rng() % sas.size()];
    const auto kind = static_cast<DecapKind>(rng() % 8);
    const size_t inner = 20 + rng() % (rng() % 4 == 0 ? 2000 : 120);
    LanePkt p =
        MakeDecap(rng, s, inner, RandomSeq(rng, s.cfg.esn), kind, rng() % 5 == 0 ? rng() % 40 : 0);
    ++counts[static_cast<int>(p.want_status)];
    d.Add(std::move(p));
  }
  d.Run(3'000'000);
  ExpectClean(d);
  EXPECT_EQ(d.stats().packets, 1200u);
  // Each drop kind occurred (the model decided which; the lane matched it).
  EXPECT_GT(counts[static_cast<int>(Status::kOk)], 50);
  EXPECT_GT(counts[static_cast<int>(Status::kAuthFail)], 50);
  EXPECT_GT(counts[static_cast<int>(Status::kBadPad)], 50);
  EXPECT_GT(counts[static_cast<int>(Status::kMalformed)], 20);
  EXPECT_GT(counts[static_cast<int>(Status::kNoSpace)], 50);
}

// Thousands of random packets: both directions, all modes, sizes 20..9216 with garbage past
// the IPv4 total length, random gaps on in and jobs, back-pressure on out and results, and
// the SAs' keys replaced between rounds (back-to-back SAs change within a round).
TEST_F(EspLaneTest, RandomTraffic) {
  std::mt19937_64 rng(TestSeed(13));
  LaneDriver<Vesp_lane> d(tb_, {.p_in = 85, .p_job = 90, .p_out = 75, .p_res = 80, .seed = rng()});
  uint64_t packets = 0;
  for (int round = 0; round < 6; ++round) {
    // 6 SAs on distinct slots (a different set each round); 3 keys installed up front, 3 in
    // the middle of the traffic (through the key port while packets flow).
    std::vector<LaneSa> sas;
    for (int i = 0; i < 6; ++i) {
      const auto slot = static_cast<uint16_t>((rng() % 170) * 6 + static_cast<unsigned>(i));
      sas.push_back(RandomSa(rng, slot));
      if (i < 3) d.InstallKey(sas.back().slot, sas.back().key);
    }
    size_t live = 3;
    for (int i = 0; i < 400; ++i) {
      if (i % 100 == 50 && live < sas.size()) {
        d.AddKey(sas[live].slot, sas[live].key);
        ++live;
      }
      const LaneSa& s = sas[rng() % live];
      size_t size;
      switch (rng() % 8) {
        case 0:
          size = 9000 + rng() % 217;
          break;
        case 1:
          size = 1000 + rng() % 8000;
          break;
        default:
          size = 20 + rng() % 300;
          break;
      }
      const size_t tail = rng() % 6 == 0 ? rng() % 64 : 0;
      if (rng() % 2) {
        size = std::min<size_t>(size, 9216 - tail - 8);
        d.Add(MakeEncap(rng, s, size, rng() % 4 == 0, RandomSeq(rng, s.cfg.esn),
                        static_cast<uint16_t>(rng()), tail));
      } else {
        // The ESP packet stays within 9216 bytes.
        size = std::min<size_t>(size, 9216 - 60 - 8 - 32 - 36 - tail);
        const auto kind = rng() % 4 == 0 ? static_cast<DecapKind>(rng() % 8) : DecapKind::kGood;
        d.Add(MakeDecap(rng, s, size, RandomSeq(rng, s.cfg.esn), kind, tail));
      }
      ++packets;
    }
    d.Run(20'000'000);
    ExpectClean(d);
    if (!d.errors().empty()) return;
  }
  EXPECT_EQ(d.stats().packets, packets);
  EXPECT_EQ(d.stats().key_installs, 18u);  // 3 per round, during traffic
}

// ICV 12 and 8 (RFC 4106 section 8.1; rtl/doc/esp_lane.md "ICV lengths"), interleaved with
// ICV 16 SAs so that the length changes packet by packet: encap emits the truncated tag and
// decap verifies the truncated ICV, bit-exact with the model (hw/model/esp.cc, whose AES-GCM is
// OpenSSL EVP with EVP_CTRL_GCM_SET_TAG of the ICV length). A bit flipped anywhere in the
// truncated ICV or in the ciphertext is AUTH_FAIL (icv_ok 0); good packets go on to the pad,
// out_cap and inner checks like ICV 16 ones.
TEST_F(EspLaneTest, ShortIcvs) {
  std::mt19937_64 rng(TestSeed(15));
  LaneDriver<Vesp_lane> d(tb_, {.p_out = 80, .seed = rng()});
  std::vector<LaneSa> sas;
  for (int i = 0; i < 12; ++i) {
    LaneSa s = RandomSa(rng, static_cast<uint16_t>(900 + i), i & 1, i & 2, i & 4, rng() % 2);
    s.cfg.icv = i < 5 ? hw::IcvLen::kIcv12 : (i < 10 ? hw::IcvLen::kIcv8 : hw::IcvLen::kIcv16);
    d.InstallKey(s.slot, s.key);
    sas.push_back(s);
  }
  const DecapKind kinds[] = {DecapKind::kGood,    DecapKind::kGood,    DecapKind::kBadIcv,
                             DecapKind::kBadIcv,  DecapKind::kBadCt,   DecapKind::kBadPad,
                             DecapKind::kNoSpace, DecapKind::kBadInner};
  size_t by_status[16] = {}, packets = 0;
  for (int k = 0; k < 400; ++k) {
    const LaneSa& s = sas[rng() % sas.size()];
    const size_t size = 20 + rng() % (k % 8 == 0 ? 1500 : 200);
    if (rng() % 3 == 0) {
      d.Add(MakeEncap(rng, s, size, rng() % 2, RandomSeq(rng, s.cfg.esn),
                      static_cast<uint16_t>(rng())));
    } else {
      DecapKind kind = kinds[rng() % std::size(kinds)];
      if (kind == DecapKind::kBadInner && !s.cfg.tunnel) kind = DecapKind::kGood;
      LanePkt p = MakeDecap(rng, s, size, RandomSeq(rng, s.cfg.esn), kind);
      // The reference itself: a good packet verifies, a flipped ICV or ciphertext bit fails.
      if (kind == DecapKind::kGood) {
        EXPECT_EQ(p.want_status, Status::kOk) << p.what;
      }
      if (kind == DecapKind::kBadIcv || kind == DecapKind::kBadCt) {
        EXPECT_EQ(p.want_status, Status::kAuthFail) << p.what;
      }
      ++by_status[static_cast<size_t>(p.want_status)];
      d.Add(std::move(p));
    }
    ++packets;
  }
  d.Run(4'000'000);
  ExpectClean(d);
  EXPECT_EQ(d.stats().packets, packets);
  std::printf(
      "short ICVs: %zu packets; decap OK %zu, AUTH_FAIL %zu, BAD_PAD %zu, NO_SPACE %zu, "
      "MALFORMED %zu\n",
      packets, by_status[0], by_status[static_cast<size_t>(Status::kAuthFail)],
      by_status[static_cast<size_t>(Status::kBadPad)],
      by_status[static_cast<size_t>(Status::kNoSpace)],
      by_status[static_cast<size_t>(Status::kMalformed)]);
  for (Status st : {Status::kOk, Status::kAuthFail, Status::kBadPad, Status::kNoSpace}) {
    EXPECT_GT(by_status[static_cast<size_t>(st)], 5u) << hw::StatusName(st);
  }
}

// Back-to-back packets of different SAs at full rate: cycles per packet against the beat
// limit (benchmark numbers come from esp_lane_bench; this guards the goal of >= 0.95).
TEST_F(EspLaneTest, FullRateEfficiency) {
  std::mt19937_64 rng(TestSeed(14));
  std::vector<LaneSa> sas;
  LaneDriver<Vesp_lane> d(tb_, {.seed = rng()});
  for (int i = 0; i < 4; ++i) {
    sas.push_back(RandomSa(rng, static_cast<uint16_t>(500 + i), i & 1, false, false, i & 2));
    d.InstallKey(sas.back().slot, sas.back().key);
  }
  for (bool decap : {false, true}) {
    for (size_t size : {64, 256, 1500}) {
      d.ResetStats();
      for (int i = 0; i < 200; ++i) {
        const LaneSa& s = sas[i % sas.size()];
        if (decap) {
          d.Add(MakeDecap(rng, s, size - (s.cfg.tunnel ? 0 : 20), 1 + i, DecapKind::kGood));
        } else {
          d.Add(MakeEncap(rng, s, size, false, 1 + i, static_cast<uint16_t>(i)));
        }
      }
      d.Run(2'000'000);
      ExpectClean(d);
      const auto& st = d.stats();
      const double cycles = static_cast<double>(st.last_out - st.first_in);
      const double eff = static_cast<double>(st.beat_limit) / cycles;
      std::printf("%s %zu B: %.2f cycles/packet, efficiency %.3f\n", decap ? "decap" : "encap",
                  size, cycles / static_cast<double>(st.packets), eff);
      EXPECT_GE(eff, 0.95) << (decap ? "decap " : "encap ") << size;
    }
  }
}

}  // namespace
}  // namespace ipsec::rtltest
