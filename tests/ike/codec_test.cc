// Codec round trips for every payload type, and rejection of malformed messages.
#include <gtest/gtest.h>

#include "hw/util/endian.h"
#include "ike/crypto/algorithms.h"
#include "ike/crypto/random.h"
#include "ike/crypto/sk_cipher.h"
#include "ike/message/message.h"

namespace ipsec::ike {
namespace {

Message RichMessage() {
  Message m;
  m.header = {0x0102030405060708ull,
              0x1112131415161718ull,
              PayloadType::kNone,
              kIkeVersion2,
              ExchangeType::kIkeAuth,
              kFlagInitiator,
              7,
              0};
  SaPayload sa;
  sa.proposals.push_back(
      {1, kProtoIke, {}, {{1, kEncrAesGcm16, 256}, {2, kPrfHmacSha256, 0}, {4, 19, 0}}});
  sa.proposals.push_back(
      {2, kProtoEsp, {1, 2, 3, 4}, {{1, kEncrAesCbc, 128}, {3, 12, 0}, {5, 0, 0}, {5, 1, 0}}});
  m.Add(PayloadType::kSa, sa);
  m.Add(PayloadType::kKe, KePayload{19, std::vector<uint8_t>(64, 0xab)});
  m.Add(PayloadType::kNonce, NoncePayload{std::vector<uint8_t>(32, 0x5a)});
  m.Add(PayloadType::kIdi, IdPayload{kIdFqdn, {0, 0, 0}, {'a', '.', 'b'}});
  m.Add(PayloadType::kIdr, IdPayload{kIdIpv4Addr, {0, 0, 0}, {192, 0, 2, 1}});
  m.Add(PayloadType::kCert, CertPayload{4, {1, 2, 3}});
  m.Add(PayloadType::kCertReq, CertPayload{4, std::vector<uint8_t>(20, 9)});
  m.Add(PayloadType::kAuth, AuthPayload{kAuthPsk, std::vector<uint8_t>(32, 1)});
  m.AddNotify(notify::kRekeySa, {}, kProtoEsp, {9, 9, 9, 9});
  m.AddNotify(notify::kNatDetectionSourceIp, std::vector<uint8_t>(20, 3));
  m.Add(PayloadType::kDelete, DeletePayload{kProtoEsp, 4, {{1, 2, 3, 4}, {5, 6, 7, 8}}});
  m.Add(PayloadType::kVendor, VendorPayload{{'v', 'i', 'd'}});
  TrafficSelector ts{kTsIpv4AddrRange, 0, 0, 65535, {10, 1, 0, 0}, {10, 1, 0, 255}};
  TrafficSelector ts6{
      kTsIpv6AddrRange, 6, 80, 80, std::vector<uint8_t>(16, 0), std::vector<uint8_t>(16, 0xff)};
  m.Add(PayloadType::kTsi, TsPayload{{ts, ts6}});
  m.Add(PayloadType::kTsr, TsPayload{{ts}});
  m.Add(PayloadType::kCp, RawPayload{{1, 0, 0, 0}});
  return m;
}

TEST(CodecTest, PlainRoundTrip) {
  Message m = RichMessage();
  auto bytes = SerializeMessage(m);
  auto back = ParseMessage(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->payloads, m.payloads);
  EXPECT_EQ(back->header.spi_i, m.header.spi_i);
  EXPECT_EQ(back->header.message_id, 7u);
  EXPECT_EQ(SerializeMessage(*back), bytes);
  EXPECT_NE(back->Summary().find("N(REKEY_SA)"), std::string::npos);
}

TEST(CodecTest, EncryptedRoundTrip) {
  DeterministicRandom rnd(5);
  util::SecretBytes key(36);
  rnd.Fill(key.span());
  auto c = SkCipher::Create(kEncrAesGcm16, 256, kIntegNone, key.Clone(), {});
  ASSERT_TRUE(c);
  Message m = RichMessage();
  auto bytes = SerializeEncrypted(m, *c, rnd);
  ASSERT_TRUE(bytes);
  auto outer = ParseMessage(*bytes);
  ASSERT_TRUE(outer);
  ASSERT_EQ(outer->payloads.size(), 1u);
  EXPECT_EQ(outer->payloads[0].type, PayloadType::kSk);
  ASSERT_TRUE(DecryptMessage(*bytes, *c, *outer));
  EXPECT_EQ(outer->payloads, m.payloads);
  // Any flipped bit of header or body fails the ICV.
  for (size_t i : {size_t{0}, size_t{19}, bytes->size() - 1, size_t{40}}) {
    auto bad = *bytes;
    bad[i] ^= 0x10;
    auto p = ParseMessage(bad);
    if (p) {
      EXPECT_FALSE(DecryptMessage(bad, *c, *p)) << i;
    }
  }
}

// Each truncation (with the header length fixed up to match) must give an error, not a crash.
TEST(CodecTest, RejectsEveryTruncation) {
  auto bytes = SerializeMessage(RichMessage());
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> t(bytes.begin(), bytes.begin() + n);
    if (n >= kHeaderSize) util::StoreBe32(&t[24], static_cast<uint32_t>(n));
    EXPECT_FALSE(ParseMessage(t)) << "prefix " << n;
  }
}

TEST(CodecTest, RejectsSpecificMalformations) {
  Message m;
  m.header.exchange = ExchangeType::kIkeSaInit;
  m.Add(PayloadType::kNonce, NoncePayload{std::vector<uint8_t>(16, 1)});
  auto good = SerializeMessage(m);
  ASSERT_TRUE(ParseMessage(good));
  {  // header length disagrees with the datagram
    auto b = good;
    b.push_back(0);
    EXPECT_EQ(ParseMessage(b).error().code, Errc::kMalformed);
  }
  {  // major version 3
    auto b = good;
    b[17] = 0x30;
    EXPECT_EQ(ParseMessage(b).error().code, Errc::kUnsupported);
  }
  {  // payload length 3 (< generic header)
    auto b = good;
    util::StoreBe16(&b[kHeaderSize + 2], 3);
    EXPECT_FALSE(ParseMessage(b));
  }
  {  // payload length beyond the message
    auto b = good;
    util::StoreBe16(&b[kHeaderSize + 2], 200);
    EXPECT_FALSE(ParseMessage(b));
  }
  {  // nonce shorter than 16 bytes
    Message s;
    s.Add(PayloadType::kNonce, NoncePayload{std::vector<uint8_t>(8, 1)});
    EXPECT_FALSE(ParseMessage(SerializeMessage(s)));
  }
  {  // unknown critical payload -> kUnsupported; unknown non-critical -> kept raw
    Message s;
    s.payloads.push_back({static_cast<PayloadType>(200), true, RawPayload{{1, 2}}});
    EXPECT_EQ(ParseMessage(SerializeMessage(s)).error().code, Errc::kUnsupported);
    s.payloads[0].critical = false;
    auto p = ParseMessage(SerializeMessage(s));
    ASSERT_TRUE(p);
    EXPECT_EQ(std::get<RawPayload>(p->payloads[0].body).data, (std::vector<uint8_t>{1, 2}));
  }
  {  // delete: SPI count does not fill the payload
    Message s;
    s.Add(PayloadType::kDelete, DeletePayload{kProtoEsp, 4, {{1, 2, 3, 4}}});
    auto b = SerializeMessage(s);
    b[kHeaderSize + 4 + 3] = 2;  // num SPIs = 2
    EXPECT_FALSE(ParseMessage(b));
  }
  {  // TS with a bad selector length
    Message s;
    s.Add(PayloadType::kTsi,
          TsPayload{{{kTsIpv4AddrRange, 0, 0, 65535, {1, 1, 1, 1}, {2, 2, 2, 2}}}});
    auto b = SerializeMessage(s);
    b[kHeaderSize + 4 + 4 + 3] = 17;
    EXPECT_FALSE(ParseMessage(b));
  }
  {  // SA: proposal length too long, and transform count disagreeing with the flags
    Message s;
    s.Add(PayloadType::kSa, SaPayload{{{1, kProtoIke, {}, {{1, 20, 128}, {2, 5, 0}}}}});
    auto b = SerializeMessage(s);
    auto c = b;
    util::StoreBe16(&c[kHeaderSize + 4 + 2], 100);
    EXPECT_FALSE(ParseMessage(c));
    c = b;
    c[kHeaderSize + 4 + 7] = 3;  // 3 transforms announced, 2 present
    EXPECT_FALSE(ParseMessage(c));
  }
}

TEST(CodecTest, RandomMutationsNeverCrash) {
  auto bytes = SerializeMessage(RichMessage());
  DeterministicRandom rnd(11);
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    auto b = bytes;
    for (int k = 0; k < 3; ++k) b[rnd.U32() % b.size()] = static_cast<uint8_t>(rnd.U32());
    if (auto m = ParseMessage(b)) {
      ++parsed;
      (void)SerializeMessage(*m);
    }
  }
  RecordProperty("parsed", parsed);
}

}  // namespace
}  // namespace ipsec::ike
