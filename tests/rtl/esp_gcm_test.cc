// esp_gcm block testbench (Verilator + GoogleTest), through the core's ports only:
// - every NIST CAVP GCM vector with a 96-bit IV, tags of 128 bits and truncated to 120, 112,
//   104, 96, 64 and 32 bits (in_tag_len_i), AES-128 and AES-256, encryption and decryption
//   (including the vectors whose tag must not verify);
// - 10,000 random messages (random key and size, IV, AAD 0..64 B, payload 0..2048 B,
//   encryption and decryption, some tags corrupted) against OpenSSL EVP (hw::model::AesGcm);
// - back-to-back ESP-shaped messages with the key changing every message: no idle clock;
// - one 64 KiB message: blocks per clock, latencies;
// - random input gaps and output back-pressure;
// - ESP ICVs of 8, 12 and 16 bytes (RFC 4106) mixed message by message, tags corrupted inside
//   and only past the truncated length, verdicts from OpenSSL EVP (EVP_CTRL_GCM_SET_TAG with
//   the truncated length).
// The model is esp_gcm with its default parameters (MaxKeyBits 256, 16 keys, AAD up to 255 B,
// payload up to 64 KiB). Nr + 3 = 17 clocks of latency.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "Vesp_gcm.h"
#include "sim/harness/tb.h"
#include "tests/rtl/gcm_driver.h"
#include "tests/vectors/cavp_gcm.h"

namespace ipsec::rtltest {
namespace {

#ifndef ESP_GCM_MAX_KEY_BITS
#define ESP_GCM_MAX_KEY_BITS 256
#endif
#if ESP_GCM_MAX_KEY_BITS != 256
// Distinct CTest names for the AES-128-only build of this file.
#define EspGcmTest EspGcm128Test
#define EspGcmCavp EspGcm128Cavp
#endif
constexpr bool kAes256 = ESP_GCM_MAX_KEY_BITS == 256;
constexpr uint64_t kLatency = kAes256 ? 17 : 13;
constexpr int kRandomMessages = kAes256 ? 10000 : 2000;

// A random key length the configuration supports.
size_t KeyLen(std::mt19937_64& rng) { return (kAes256 && (rng() & 1)) ? 32 : 16; }

class EspGcmTest : public ::testing::Test {
 protected:
  void SetUp() override { tb_.Reset(); }

  void ExpectClean(const GcmDriver<Vesp_gcm>& d) {
    for (const std::string& e : d.errors()) ADD_FAILURE() << e;
    EXPECT_TRUE(d.errors().empty());
  }

  static void Print(const char* what, const GcmStats& s) {
    std::printf(
        "%s: %llu messages, %llu beats in, %llu out, %llu clocks, %llu stalls (%llu AAD-less "
        "messages), %llu gap clocks, %llu key installs, latency first %llu..%llu tag "
        "%llu..%llu\n",
        what, (unsigned long long)s.messages, (unsigned long long)s.in_beats,
        (unsigned long long)s.out_beats, (unsigned long long)s.cycles, (unsigned long long)s.stalls,
        (unsigned long long)s.j0_msgs, (unsigned long long)s.gap_clocks,
        (unsigned long long)s.installs, (unsigned long long)s.min_first_latency,
        (unsigned long long)s.max_first_latency, (unsigned long long)s.min_tag_latency,
        (unsigned long long)s.max_tag_latency);
  }

  sim::Tb<Vesp_gcm> tb_{"esp_gcm"};
};

std::vector<testvec::GcmVector> LoadCavp(const std::string& name) {
  auto all = testvec::LoadCavpGcm(std::string(testvec::kCavpGcmDir) + "/" + name);
  std::vector<testvec::GcmVector> out;
  for (auto& v : all) {
    if (v.iv.size() == 12 && v.tag.size() >= 4 && v.tag.size() <= 16) out.push_back(std::move(v));
  }
  return out;
}

class EspGcmCavp : public EspGcmTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(EspGcmCavp, EncryptVectors) {
  auto vecs = LoadCavp(std::string("gcmEncryptExtIV") + GetParam() + ".rsp");
  ASSERT_GT(vecs.size(), 100u) << "no vectors (run make deps)";
  GcmDriver<Vesp_gcm> d(tb_, {});
  size_t truncated = 0;
  for (const auto& v : vecs) {
    GcmMsg m;
    m.key = v.key;
    m.iv = v.iv;
    m.aad = v.aad;
    m.in = v.pt;
    m.want_out = v.ct;
    std::copy(v.tag.begin(), v.tag.end(), m.want_tag.begin());
    m.tag_len = v.tag.size();  // the vector gives MSB_t of the tag: compare that much
    m.where = v.where;
    truncated += v.tag.size() < 16;
    d.Add(std::move(m));
  }
  d.Run();
  ExpectClean(d);
  EXPECT_EQ(d.stats().messages, vecs.size());
  EXPECT_GT(truncated, 1000u);
  std::printf("CAVP encrypt %s: %zu vectors checked, %zu with a truncated tag\n", GetParam(),
              vecs.size(), truncated);
}

TEST_P(EspGcmCavp, DecryptVectors) {
  auto vecs = LoadCavp(std::string("gcmDecrypt") + GetParam() + ".rsp");
  ASSERT_GT(vecs.size(), 100u) << "no vectors (run make deps)";
  GcmDriver<Vesp_gcm> d(tb_, {});
  size_t fails = 0, truncated = 0, truncated_fails = 0;
  for (const auto& v : vecs) {
    GcmMsg m;
    m.key = v.key;
    m.iv = v.iv;
    m.aad = v.aad;
    m.in = v.ct;
    m.decrypt = true;
    m.want_ok = !v.fail;
    m.want_out = v.fail ? CtrDecrypt(v.key, v.iv, v.ct) : v.pt;
    std::copy(v.tag.begin(), v.tag.end(), m.tag_in.begin());
    m.tag_len = v.tag.size();  // in_tag_len_i; the driver fills the rest of in_tag_i randomly
    m.where = v.where;
    fails += v.fail;
    truncated += v.tag.size() < 16;
    truncated_fails += v.fail && v.tag.size() < 16;
    d.Add(std::move(m));
  }
  d.Run();
  ExpectClean(d);
  EXPECT_EQ(d.stats().messages, vecs.size());
  EXPECT_GT(fails, 10u);
  EXPECT_GT(truncated, 1000u);
  EXPECT_GT(truncated_fails, 10u);
  std::printf(
      "CAVP decrypt %s: %zu vectors checked (%zu with a truncated tag), %zu of them must fail "
      "(%zu truncated)\n",
      GetParam(), vecs.size(), truncated, fails, truncated_fails);
}

#if ESP_GCM_MAX_KEY_BITS == 256
INSTANTIATE_TEST_SUITE_P(KeySizes, EspGcmCavp, ::testing::Values("128", "256"));
#else
INSTANTIATE_TEST_SUITE_P(KeySizes, EspGcmCavp, ::testing::Values("128"));
#endif

// Random messages. Keys come from a pool that is refreshed all the time (about one message in
// four brings a fresh random key), so thousands of keys are installed while traffic flows.
void AddRandom(GcmDriver<Vesp_gcm>& d, std::mt19937_64& rng, int count, size_t max_aad,
               size_t max_pt) {
  std::vector<std::vector<uint8_t>> pool;
  for (int i = 0; i < count; ++i) {
    if (pool.size() < 24 || rng() % 4 == 0) {
      auto k = RandomBytes(rng, KeyLen(rng));
      if (pool.size() < 24) {
        pool.push_back(k);
      } else {
        pool[rng() % pool.size()] = k;
      }
    }
    const auto& key = pool[rng() % pool.size()];
    const size_t aad = rng() % (max_aad + 1);
    const size_t pt = rng() % (max_pt + 1);
    const bool dec = rng() & 1;
    const bool corrupt = dec && rng() % 8 == 0;
    GcmMsg m = MakeGcmMsg(key, RandomBytes(rng, 12), RandomBytes(rng, aad), RandomBytes(rng, pt),
                          dec, corrupt);
    m.where = "random message " + std::to_string(i) + " (aad " + std::to_string(aad) +
              ", payload " + std::to_string(pt) + (dec ? ", decrypt" : ", encrypt") + ")";
    d.Add(std::move(m));
  }
}

TEST_F(EspGcmTest, RandomMessages) {
  const uint64_t seed = TestSeed(1000);
  std::mt19937_64 rng(seed);
  GcmDriverOptions opt;
  opt.seed = seed;
  GcmDriver<Vesp_gcm> d(tb_, opt);
  AddRandom(d, rng, kRandomMessages, 64, 2048);
  d.Run();
  ExpectClean(d);
  const GcmStats& s = d.stats();
  Print("random", s);
  EXPECT_EQ(s.messages, static_cast<uint64_t>(kRandomMessages));
  // The only input stall: one clock per message with an empty AAD and a payload.
  EXPECT_EQ(s.stalls, s.j0_msgs);
  EXPECT_EQ(s.min_first_latency, kLatency);
  EXPECT_EQ(s.max_tag_latency, kLatency);
}

TEST_F(EspGcmTest, BackToBackKeyChangeEveryMessageNoIdleClock) {
  const uint64_t seed = TestSeed(2000);
  std::mt19937_64 rng(seed);
  GcmDriverOptions opt;
  opt.seed = seed;
  GcmDriver<Vesp_gcm> d(tb_, opt);
  std::vector<std::vector<uint8_t>> keys;
  for (int i = 0; i < 16; ++i) keys.push_back(RandomBytes(rng, (kAes256 && i % 2) ? 32 : 16));
  // Warm-up: one message per key installs the 16 keys.
  for (int i = 0; i < 16; ++i) {
    d.Add(MakeGcmMsg(keys[i], RandomBytes(rng, 12), RandomBytes(rng, 8), {}, false, false));
  }
  d.Run();
  ExpectClean(d);
  d.ResetStats();
  // ESP-shaped traffic: AAD 8 or 12 bytes, payload 0..2048 bytes (mostly small), the key id
  // changing every message, AES-128 and AES-256 interleaved, encryption and decryption.
  size_t prev = 0;
  for (int i = 0; i < 3000; ++i) {
    size_t k = rng() % 15;
    if (k >= prev) ++k;
    prev = k;
    const size_t pt = (i % 3 == 0) ? rng() % 2049 : rng() % 100;
    GcmMsg m = MakeGcmMsg(keys[k], RandomBytes(rng, 12), RandomBytes(rng, (rng() & 1) ? 12 : 8),
                          RandomBytes(rng, pt), rng() & 1, rng() % 16 == 0);
    m.where = "b2b message " + std::to_string(i);
    d.Add(std::move(m));
  }
  d.Run();
  ExpectClean(d);
  const GcmStats& s = d.stats();
  Print("back-to-back", s);
  EXPECT_EQ(s.installs, 0u);
  EXPECT_EQ(s.stalls, 0u);
  EXPECT_EQ(s.gap_clocks, 0u) << "idle input clocks between messages";
  EXPECT_EQ(s.last_fire - s.first_fire + 1, s.in_beats) << "one beat every clock";
}

TEST_F(EspGcmTest, Message64KiBBlocksPerClock) {
  std::mt19937_64 rng(TestSeed(3000));
  GcmDriver<Vesp_gcm> d(tb_, {});
  for (int dec = 0; dec < 2; ++dec) {
    for (size_t aad : {size_t{8}, size_t{12}, size_t{0}}) {
      d.ResetStats();
      GcmMsg m = MakeGcmMsg(RandomBytes(rng, (kAes256 && !dec) ? 32 : 16), RandomBytes(rng, 12),
                            RandomBytes(rng, aad), RandomBytes(rng, 65536), dec, false);
      m.where = "64 KiB message";
      d.Add(std::move(m));
      d.Run();
      ExpectClean(d);
      const GcmStats& s = d.stats();
      // Clocks from the first beat offered (one J0 stall before it when AAD is empty) to the
      // last beat in, and payload blocks over the clocks from first beat offered to tag out.
      const uint64_t in_clocks = s.last_fire - s.first_fire + 1 + s.stalls;
      const double bpc = 4096.0 / double(in_clocks + kLatency);
      std::printf(
          "64 KiB, aad %zu, %s: %llu beats in %llu clocks, %.5f payload blocks/clock "
          "first-in to tag-out\n",
          aad, dec ? "decrypt" : "encrypt", (unsigned long long)s.in_beats,
          (unsigned long long)in_clocks, bpc);
      EXPECT_EQ(s.in_beats, 4096u + (aad + 15) / 16);
      EXPECT_EQ(s.stalls, aad == 0 ? 1u : 0u);
      EXPECT_EQ(in_clocks, s.in_beats + s.stalls);
      EXPECT_GE(bpc, 0.99);
      EXPECT_EQ(s.out_beats, 4096u);
    }
  }
}

TEST_F(EspGcmTest, GapsAndBackPressure) {
  const uint64_t seed = TestSeed(4000);
  std::mt19937_64 rng(seed);
  GcmDriverOptions opt;
  opt.seed = seed;
  opt.p_valid = 70;
  opt.p_ready = 60;
  GcmDriver<Vesp_gcm> d(tb_, opt);
  AddRandom(d, rng, 1500, 40, 300);
  d.Run();
  ExpectClean(d);
  Print("gaps and back-pressure", d.stats());
  EXPECT_EQ(d.stats().messages, 1500u);
}

TEST_F(EspGcmTest, EdgeLengths) {
  std::mt19937_64 rng(TestSeed(5000));
  GcmDriver<Vesp_gcm> d(tb_, {});
  int n = 0;
  for (size_t aad : {0, 1, 15, 16, 17, 31, 32, 33, 255}) {
    for (size_t pt : {0, 1, 15, 16, 17, 255, 256, 257}) {
      for (int dec = 0; dec < 2; ++dec) {
        GcmMsg m =
            MakeGcmMsg(RandomBytes(rng, (kAes256 && (n & 1)) ? 32 : 16), RandomBytes(rng, 12),
                       RandomBytes(rng, aad), RandomBytes(rng, pt), dec, n % 3 == 0);
        m.where = "edge aad " + std::to_string(aad) + " pt " + std::to_string(pt);
        d.Add(std::move(m));
        ++n;
      }
    }
  }
  d.Run();
  ExpectClean(d);
  EXPECT_EQ(d.stats().messages, static_cast<uint64_t>(n));
}

// ESP ICVs (RFC 4106 section 8.1: 8, 12 or 16 bytes) and a few other SP 800-38D lengths, the
// length changing message by message at full rate. Decryptions with the right tag (the bytes
// past the length are garbage: the driver randomizes them), with one bit flipped inside the
// truncated tag (must fail, the last counted byte included), and with bits flipped only past it
// (must verify). Every verdict is OpenSSL's with EVP_CTRL_GCM_SET_TAG of the truncated length.
TEST_F(EspGcmTest, TruncatedTagsAgainstOpenSsl) {
  const uint64_t seed = TestSeed(6000);
  std::mt19937_64 rng(seed);
  GcmDriverOptions opt;
  opt.seed = seed;
  GcmDriver<Vesp_gcm> d(tb_, opt);
  const size_t lens[] = {8, 12, 16, 8, 12, 4, 13, 15};
  size_t ok = 0, bad = 0, by_len[17] = {};
  for (int i = 0; i < 3000; ++i) {
    const size_t tl = lens[rng() % (i < 2000 ? 3 : std::size(lens))];
    const size_t pt = (i % 4 == 0) ? rng() % 1500 : rng() % 100;
    const bool dec = rng() % 4 != 0;
    GcmMsg m =
        MakeGcmMsg(RandomBytes(rng, KeyLen(rng)), RandomBytes(rng, 12),
                   RandomBytes(rng, (rng() & 1) ? 12 : 8), RandomBytes(rng, pt), dec, false, tl);
    std::string how = "right tag";
    if (dec) {
      switch (rng() % 4) {
        case 0: {  // a bit inside the truncated tag
          const size_t at = (rng() & 1) ? tl - 1 : rng() % tl;
          m.tag_in[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
          how = "bit flipped in byte " + std::to_string(at);
          break;
        }
        case 1:  // bits past it only: must still verify
          if (tl < 16) {
            m.tag_in[tl + rng() % (16 - tl)] ^= static_cast<uint8_t>(1 + rng() % 255);
            how = "bits flipped past the length";
          }
          break;
        default:
          break;
      }
      m.want_ok = OpenSslVerifies(m);
      if (!m.want_ok) m.want_out = CtrDecrypt(m.key, m.iv, m.in);
      (m.want_ok ? ok : bad) += 1;
    }
    ++by_len[tl];
    m.where = "message " + std::to_string(i) + " (tag " + std::to_string(tl) + " bytes, " +
              (dec ? "decrypt, " + how : std::string("encrypt")) + ")";
    d.Add(std::move(m));
  }
  d.Run();
  ExpectClean(d);
  EXPECT_EQ(d.stats().messages, 3000u);
  EXPECT_EQ(d.stats().stalls, d.stats().j0_msgs);
  EXPECT_GT(ok, 1000u);
  EXPECT_GT(bad, 300u);
  std::printf(
      "truncated tags: %zu verified, %zu rejected; tags of 8/12/16/4/13/15 bytes: "
      "%zu/%zu/%zu/%zu/%zu/%zu\n",
      ok, bad, by_len[8], by_len[12], by_len[16], by_len[4], by_len[13], by_len[15]);
}

}  // namespace
}  // namespace ipsec::rtltest
