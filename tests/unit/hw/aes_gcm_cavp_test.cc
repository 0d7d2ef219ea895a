// The model's AES-GCM path against every NIST CAVP GCM vector with a 96-bit IV (all tag
// lengths), AES-128 and AES-256. Source: tests/vectors/cavp_gcm.h.
#include <gtest/gtest.h>

#include <string>

#include "hw/model/aes_gcm.h"
#include "tests/vectors/cavp_gcm.h"

namespace ipsec::hw::model {
namespace {

using testvec::GcmVector;

std::vector<GcmVector> Load(const std::string& name) {
  auto v = testvec::LoadCavpGcm(std::string(testvec::kCavpGcmDir) + "/" + name);
  EXPECT_FALSE(v.empty()) << "no vectors read from " << name << " (run make deps)";
  return v;
}

class CavpGcm : public ::testing::TestWithParam<const char*> {};

TEST_P(CavpGcm, EncryptMatches) {
  int checked = 0;
  for (const GcmVector& v : Load(std::string("gcmEncryptExtIV") + GetParam() + ".rsp")) {
    if (v.iv.size() != AesGcm::kIvLen) continue;
    auto gcm = AesGcm::Create(v.key);
    ASSERT_TRUE(gcm) << v.where;
    std::vector<uint8_t> ct(v.pt.size()), tag(v.tag.size());
    ASSERT_TRUE(gcm->Seal(v.iv, v.aad, v.pt, ct, tag)) << v.where;
    EXPECT_EQ(ct, v.ct) << v.where;
    EXPECT_EQ(tag, v.tag) << v.where;
    ++checked;
  }
  EXPECT_GT(checked, 1000);
}

TEST_P(CavpGcm, DecryptVerdictMatches) {
  int checked = 0, failures = 0;
  for (const GcmVector& v : Load(std::string("gcmDecrypt") + GetParam() + ".rsp")) {
    if (v.iv.size() != AesGcm::kIvLen) continue;
    auto gcm = AesGcm::Create(v.key);
    ASSERT_TRUE(gcm) << v.where;
    std::vector<uint8_t> pt(v.ct.size());
    bool ok = gcm->Open(v.iv, v.aad, v.ct, v.tag, pt);
    EXPECT_EQ(ok, !v.fail) << v.where;
    if (ok) {
      EXPECT_EQ(pt, v.pt) << v.where;
    }
    failures += v.fail;
    ++checked;
  }
  EXPECT_GT(checked, 1000);
  EXPECT_GT(failures, 100);  // the files do contain must-fail cases
}

INSTANTIATE_TEST_SUITE_P(KeySizes, CavpGcm, ::testing::Values("128", "256"));

TEST(AesGcm, RejectsBadKeyLength) {
  std::vector<uint8_t> key(24);
  EXPECT_FALSE(AesGcm::Create(key));  // AES-192 is not offered by the device
  key.resize(15);
  EXPECT_FALSE(AesGcm::Create(key));
}

}  // namespace
}  // namespace ipsec::hw::model
