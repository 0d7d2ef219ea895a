// The AES-GCM-ESP known-answer packets of draft-mcgrew-gcm-test-01 (tests/vectors/rfc4106_esp.json)
// through the model's AesGcm: nonce = salt || IV, AAD as given, plaintext -> ciphertext || ICV
// must be the ESP packet body, and the packet must open back to the plaintext. Also checks that
// the file's fields agree with each other, so a transcription slip cannot hide in one of them.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "hw/model/aes_gcm.h"
#include "hw/util/endian.h"
#include "hw/util/openssl_ptr.h"
#include "tests/vectors/rfc4106_esp.h"

namespace ipsec::hw::model {
namespace {

using testvec::Rfc4106Case;
using Bytes = std::vector<uint8_t>;

constexpr size_t kIcvLen = 16;
constexpr size_t kEspHeaderLen = 8;  // SPI || sequence number (low half)
constexpr size_t kIvLen = 8;

Bytes Concat(std::initializer_list<std::span<const uint8_t>> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes Be32(uint32_t v) {
  Bytes b(4);
  util::StoreBe32(b.data(), v);
  return b;
}

const std::vector<Rfc4106Case>& Cases() {
  static const auto* cases = [] {
    auto loaded = testvec::LoadRfc4106Vectors();
    EXPECT_TRUE(loaded) << loaded.error().message;
    return new std::vector<Rfc4106Case>(loaded ? std::move(*loaded) : std::vector<Rfc4106Case>{});
  }();
  return *cases;
}

int CaseNumber(const Rfc4106Case& c) { return std::stoi(c.name.substr(c.name.rfind(' ') + 1)); }

// AES-192 is not in the model (the device does AES-128/256 only): OpenSSL directly, same layout.
Bytes SealAes192(const Rfc4106Case& c) {
  util::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  Bytes nonce = c.nonce();
  Bytes out(c.plaintext.size() + kIcvLen);
  int n = 0;
  bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_192_gcm(), nullptr, nullptr, nullptr) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, c.key.data(), nonce.data()) &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, c.aad.data(), int(c.aad.size())) &&
      EVP_EncryptUpdate(ctx.get(), out.data(), &n, c.plaintext.data(), int(c.plaintext.size())) &&
      EVP_EncryptFinal_ex(ctx.get(), out.data() + c.plaintext.size(), &n) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kIcvLen,
                          out.data() + c.plaintext.size());
  EXPECT_TRUE(ok);
  return out;
}

TEST(Rfc4106Vectors, FileHoldsEveryGcmCaseOfTheDraft) {
  const auto& cases = Cases();
  ASSERT_EQ(cases.size(), 16u);  // 17 cases in section 4, one of them GMAC (left out)
  std::set<int> numbers, esn, aes256, aes192;
  for (const auto& c : cases) {
    numbers.insert(CaseNumber(c));
    if (c.esn) esn.insert(CaseNumber(c));
    if (c.key.size() == 32) aes256.insert(CaseNumber(c));
    if (c.key.size() == 24) aes192.insert(CaseNumber(c));
  }
  EXPECT_EQ(numbers, (std::set<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17}));
  EXPECT_EQ(esn, (std::set<int>{1, 5, 6, 8, 9, 10, 11, 13, 14, 16, 17}));
  EXPECT_EQ(aes256, (std::set<int>{3, 9, 11, 14}));
  EXPECT_EQ(aes192, (std::set<int>{7}));
}

TEST(Rfc4106Vectors, FieldsAgree) {
  for (const auto& c : Cases()) {
    SCOPED_TRACE(c.name);
    // AAD = SPI || seq (RFC 4106 section 5): 32-bit without ESN, 64-bit with.
    const Bytes seq_hi = Be32(static_cast<uint32_t>(c.seq >> 32));
    const Bytes seq_lo = Be32(static_cast<uint32_t>(c.seq));
    if (c.esn) {
      EXPECT_EQ(c.aad, Concat({Be32(c.spi), seq_hi, seq_lo}));
    } else {
      EXPECT_EQ(c.seq >> 32, 0u);
      EXPECT_EQ(c.aad, Concat({Be32(c.spi), seq_lo}));
    }
    // Plaintext = inner || pad || pad_len || next_header.
    ASSERT_EQ(c.plaintext.size(), c.inner.size() + c.pad_len + 2);
    EXPECT_TRUE(std::equal(c.inner.begin(), c.inner.end(), c.plaintext.begin()));
    EXPECT_EQ(c.plaintext[c.plaintext.size() - 2], c.pad_len);
    EXPECT_EQ(c.plaintext.back(), c.next_header);
    // pad_is_standard recomputed: 1, 2, 3, ... and the least that aligns to 4 bytes.
    bool standard = c.pad_len == (4 - (c.inner.size() + 2) % 4) % 4;
    for (size_t i = 0; i < c.pad_len; ++i) standard &= c.plaintext[c.inner.size() + i] == i + 1;
    EXPECT_EQ(c.pad_is_standard, standard);
    // ESP packet = SPI || seq_lo || IV || ciphertext || ICV.
    ASSERT_EQ(c.esp.size(), kEspHeaderLen + kIvLen + c.plaintext.size() + kIcvLen);
    EXPECT_EQ(util::LoadBe32(c.esp.data()), c.spi);
    EXPECT_EQ(util::LoadBe32(c.esp.data() + 4), static_cast<uint32_t>(c.seq));
    EXPECT_TRUE(std::equal(c.iv.begin(), c.iv.end(), c.esp.begin() + kEspHeaderLen));
  }
}

TEST(Rfc4106Vectors, SealGivesThePacket) {
  int checked = 0;
  for (const auto& c : Cases()) {
    SCOPED_TRACE(c.name);
    const std::span<const uint8_t> body(c.esp.begin() + kEspHeaderLen + kIvLen, c.esp.end());
    if (c.key.size() == 24) {
      EXPECT_FALSE(AesGcm::Create(c.key)) << "the model has no AES-192";
      EXPECT_EQ(SealAes192(c), Bytes(body.begin(), body.end()));
      ++checked;
      continue;
    }
    auto gcm = AesGcm::Create(c.key);
    ASSERT_TRUE(gcm);
    Bytes ct(c.plaintext.size()), icv(kIcvLen);
    ASSERT_TRUE(gcm->Seal(c.nonce(), c.aad, c.plaintext, ct, icv));
    EXPECT_EQ(Concat({ct, icv}), Bytes(body.begin(), body.end()));
    ++checked;
  }
  EXPECT_EQ(checked, 16);
}

TEST(Rfc4106Vectors, OpenRecoversPlaintextAndRejectsTampering) {
  for (const auto& c : Cases()) {
    if (c.key.size() == 24) continue;  // not in the model (see SealGivesThePacket)
    SCOPED_TRACE(c.name);
    auto gcm = AesGcm::Create(c.key);
    ASSERT_TRUE(gcm);
    const size_t ct_off = kEspHeaderLen + kIvLen;
    const size_t ct_len = c.esp.size() - ct_off - kIcvLen;
    std::span<const uint8_t> ct(c.esp.data() + ct_off, ct_len);
    std::span<const uint8_t> icv(c.esp.data() + ct_off + ct_len, kIcvLen);
    Bytes pt(ct_len);
    ASSERT_TRUE(gcm->Open(c.nonce(), c.aad, ct, icv, pt));
    EXPECT_EQ(pt, c.plaintext);
    // One flipped bit in the ciphertext, the ICV or the AAD's high sequence half: no.
    Bytes bad_ct(ct.begin(), ct.end());
    bad_ct[0] ^= 0x01;
    EXPECT_FALSE(gcm->Open(c.nonce(), c.aad, bad_ct, icv, pt));
    Bytes bad_icv(icv.begin(), icv.end());
    bad_icv[15] ^= 0x80;
    EXPECT_FALSE(gcm->Open(c.nonce(), c.aad, ct, bad_icv, pt));
    if (c.esn) {
      Bytes wrong_hi = c.aad;  // what a receiver that inferred the wrong high half would use
      wrong_hi[7] ^= 0x01;
      EXPECT_FALSE(gcm->Open(c.nonce(), wrong_hi, ct, icv, pt));
    }
  }
}

class Rfc4106LoaderTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    path_ = (std::filesystem::temp_directory_path() /
             ("rfc4106_loader_" + std::to_string(::getpid()) + "_" + name))
                .string();
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override {
    if (!path_.empty()) std::filesystem::remove(path_);
  }
  std::string path_;
};

TEST_F(Rfc4106LoaderTest, Errors) {
  auto missing = testvec::LoadRfc4106Vectors("/nonexistent/rfc4106_esp.json");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, testvec::VectorErrc::kOpen);

  auto junk = testvec::LoadRfc4106Vectors(Write("junk.json", "{ not json"));
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().code, testvec::VectorErrc::kParse);

  auto bad_salt = testvec::LoadRfc4106Vectors(
      Write("salt.json",
            R"({"source": "x", "cases": [{"name": "n", "key": "00112233445566778899aabbccddeeff",
                      "salt": "0011"}]})"));
  ASSERT_FALSE(bad_salt);
  EXPECT_EQ(bad_salt.error().code, testvec::VectorErrc::kField);
  EXPECT_NE(bad_salt.error().message.find("salt"), std::string::npos) << bad_salt.error().message;
}

}  // namespace
}  // namespace ipsec::hw::model
