// Known answers for the crypto layer: RFC 4868 2.7 (PRF-HMAC-SHA2), RFC 5903 8 (ECP DH),
// RFC 7748 6.1 (X25519); plus MODP-2048 agreement and SK payload round trips.
#include <gtest/gtest.h>

#include <string>

#include "hw/util/hex.h"
#include "ike/crypto/algorithms.h"
#include "ike/crypto/dh.h"
#include "ike/crypto/prf.h"
#include "ike/crypto/random.h"
#include "ike/crypto/sk_cipher.h"
#include "ike/keymat/keymat.h"

namespace ipsec::ike {
namespace {

std::vector<uint8_t> H(std::string_view s) { return *util::FromHex(s); }
std::vector<uint8_t> Str(std::string_view s) { return {s.begin(), s.end()}; }
std::string Hex(const util::SecretBytes& b) { return util::ToHex(b.span()); }

struct PrfCase {
  const char* name;
  std::vector<uint8_t> key, data;
  const char *sha256, *sha384, *sha512;
};

// RFC 4868 section 2.7.1 (PRF test vectors, the same as RFC 4231 cases 1, 2 and 6).
TEST(PrfTest, Rfc4868KnownAnswers) {
  const PrfCase cases[] = {
      {"case 1", std::vector<uint8_t>(20, 0x0b), Str("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
       "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
       "faea9ea9076ede7f4af152e8b2fa9cb6",
       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
       "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
      {"case 2", Str("Jefe"), Str("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
       "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
       "8e2240ca5e69e2c78b3239ecfab21649",
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
       "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
  };
  for (const auto& c : cases) {
    for (auto [id, want] :
         {std::pair{kPrfHmacSha256, c.sha256}, std::pair{kPrfHmacSha384, c.sha384},
          std::pair{kPrfHmacSha512, c.sha512}}) {
      auto prf = Prf::Create(id);
      ASSERT_TRUE(prf);
      auto out = prf->Compute(c.key, c.data);
      ASSERT_TRUE(out);
      EXPECT_EQ(Hex(*out), want) << c.name << " prf " << id;
    }
  }
}

TEST(PrfTest, PrfPlusMatchesDefinition) {
  auto prf = Prf::Create(kPrfHmacSha256);
  ASSERT_TRUE(prf);
  auto key = H("000102030405060708090a0b0c0d0e0f");
  auto seed = Str("seed");
  auto out = prf->PlusExpand(key, seed, 70);
  ASSERT_TRUE(out);
  // T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02), T3 = prf(K, T2 | S | 0x03).
  auto s1 = seed;
  s1.push_back(1);
  auto t1 = prf->Compute(key, s1);
  std::vector<uint8_t> s2(t1->span().begin(), t1->span().end());
  s2.insert(s2.end(), seed.begin(), seed.end());
  s2.push_back(2);
  auto t2 = prf->Compute(key, s2);
  std::vector<uint8_t> s3(t2->span().begin(), t2->span().end());
  s3.insert(s3.end(), seed.begin(), seed.end());
  s3.push_back(3);
  auto t3 = prf->Compute(key, s3);
  EXPECT_EQ(Hex(*out), Hex(*t1) + Hex(*t2) + util::ToHex(t3->span().first(6)));
}

struct DhCase {
  DhGroup group;
  const char *i, *gi, *r, *gr, *gir;
};

// RFC 5903 section 8.1 (ECP-256) and 8.2 (ECP-384); RFC 7748 section 6.1 (X25519).
TEST(DhTest, KnownAnswers) {
  const DhCase cases[] = {
      {DhGroup::kEcp256, "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
       "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
       "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
       "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
       "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
       "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
       "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"},
      {DhGroup::kEcp384,
       "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655"
       "e35b538041e649ee3faef896783ab194",
       "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6"
       "de3ac808acb4bdb4c88732aee95f41aa"
       "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38e"
       "eb9fcff3c2c947dae69b4c634573a81c",
       "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942"
       "e0308312916b8ed2960e4bd55a7448fc",
       "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d"
       "0d1ac43a0336def96fda41d0774a3571"
       "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1ff"
       "f83fa40142209dff5eaad96db9e6386c",
       "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4"
       "d603135569b9e9d09cf5d4a270f59746"},
      {DhGroup::kCurve25519, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
       "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
       "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
       "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
       "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(TransformName(TransformType::kDh, uint16_t(c.group), 0));
    auto i = DhKey::FromPrivate(c.group, H(c.i));
    auto r = DhKey::FromPrivate(c.group, H(c.r));
    ASSERT_TRUE(i && r);
    EXPECT_EQ(util::ToHex(i->PublicValue()), c.gi);
    EXPECT_EQ(util::ToHex(r->PublicValue()), c.gr);
    auto s1 = i->Derive(r->PublicValue());
    auto s2 = r->Derive(i->PublicValue());
    ASSERT_TRUE(s1 && s2);
    EXPECT_EQ(Hex(*s1), c.gir);
    EXPECT_EQ(Hex(*s2), c.gir);
  }
}

TEST(DhTest, Modp2048AgreesAndChecksRange) {
  // x = 1 gives g^x = 2: a known answer for the encoding (256 bytes, big-endian, zero-padded).
  auto one = DhKey::FromPrivate(DhGroup::kModp2048, H("01"));
  ASSERT_TRUE(one);
  std::vector<uint8_t> two(256, 0);
  two[255] = 2;
  EXPECT_EQ(util::ToHex(one->PublicValue()), util::ToHex(two));
  DeterministicRandom rnd(7);
  auto a = DhKey::Generate(DhGroup::kModp2048, rnd);
  auto b = DhKey::Generate(DhGroup::kModp2048, rnd);
  ASSERT_TRUE(a && b);
  auto s1 = a->Derive(b->PublicValue());
  auto s2 = b->Derive(a->PublicValue());
  ASSERT_TRUE(s1 && s2);
  EXPECT_EQ(Hex(*s1), Hex(*s2));
  EXPECT_EQ(s1->size(), 256u);
  std::vector<uint8_t> bad(256, 0);
  bad[255] = 1;
  EXPECT_FALSE(a->Derive(bad));                              // y = 1
  EXPECT_FALSE(a->Derive(std::vector<uint8_t>(256, 0xff)));  // y > p
  EXPECT_FALSE(a->Derive(std::vector<uint8_t>(255, 2)));     // wrong length
}

TEST(DhTest, RejectsInvalidPeerValues) {
  DeterministicRandom rnd(1);
  auto e = DhKey::Generate(DhGroup::kEcp256, rnd);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->Derive(std::vector<uint8_t>(64, 1)));  // not on the curve
  EXPECT_FALSE(e->Derive(std::vector<uint8_t>(65, 1)));  // wrong length
  auto x = DhKey::Generate(DhGroup::kCurve25519, rnd);
  ASSERT_TRUE(x);
  EXPECT_FALSE(x->Derive(std::vector<uint8_t>(32, 0)));  // low order point -> zero secret
}

TEST(SkCipherTest, RoundTripAndTamper) {
  DeterministicRandom rnd(3);
  for (auto [encr, bits, integ] :
       {std::tuple{kEncrAesGcm16, 128, kIntegNone}, std::tuple{kEncrAesGcm16, 256, kIntegNone},
        std::tuple{kEncrAesCbc, 256, kIntegHmacSha256_128}}) {
    util::SecretBytes ek(SkCipher::EncrKeySize(encr, bits)), ik(SkCipher::IntegKeySize(integ));
    rnd.Fill(ek.span());
    rnd.Fill(ik.span());
    auto c = SkCipher::Create(encr, bits, integ, ek.Clone(), ik.Clone());
    ASSERT_TRUE(c);
    auto aad = Str("header and SK header");
    auto pt = Str("inner payloads of some length");
    auto body = c->Seal(aad, pt, rnd);
    ASSERT_TRUE(body);
    EXPECT_EQ(body->size(), c->BodySize(pt.size()));
    auto back = c->Open(aad, *body);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, pt);
    (*body)[body->size() / 2] ^= 1;
    EXPECT_FALSE(c->Open(aad, *body));
    (*body)[body->size() / 2] ^= 1;
    aad[0] ^= 1;
    EXPECT_FALSE(c->Open(aad, *body));
    EXPECT_FALSE(c->Open(aad, std::span(*body).first(10)));
  }
}

TEST(KeymatTest, ChildKeysSplitInOrder) {
  auto prf = Prf::Create(kPrfHmacSha256);
  auto skd = H("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  auto ni = H("aa"), nr = H("bb");
  auto k = DeriveChildKeys(*prf, skd, {}, ni, nr, 36, 0);
  ASSERT_TRUE(k);
  auto all = prf->PlusExpand(skd, H("aabb"), 72);
  EXPECT_EQ(Hex(k->encr_i) + Hex(k->encr_r), Hex(*all));
  EXPECT_TRUE(k->integ_i.empty());
}

}  // namespace
}  // namespace ipsec::ike
