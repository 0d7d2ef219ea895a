// The driver test suite. It runs unchanged on every backend in backends.h (the functional model,
// and the RTL device once built). ESP output is checked by an independent decryption written
// here with OpenSSL (through AesGcm), not by the device's own decap.
#include "driver/driver.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "hw/model/aes_gcm.h"
#include "hw/util/endian.h"
#include "tests/models/packets.h"
#include "tests/unit/driver/backends.h"

namespace ipsec::driver {
namespace {

using hw::Opcode;
using hw::Status;
using testing::Ip;
using testing::MakeIpv4;

constexpr uint64_t kBudget = 1'000'000;
const uint32_t kGwA = Ip(192, 0, 2, 1), kGwB = Ip(192, 0, 2, 2);
const uint32_t kHostA = Ip(10, 1, 0, 5), kHostB = Ip(10, 2, 0, 7);

SaParams MakeSa(bool inbound, uint32_t spi, size_t key_len, bool tunnel, bool natt, bool esn,
                uint64_t seq = 0) {
  SaParams p;
  p.inbound = inbound;
  p.spi = spi;
  p.key = util::SecretBytes(key_len);
  for (size_t i = 0; i < key_len; ++i) p.key[i] = static_cast<uint8_t>(0x11 * (i + 1) + spi);
  for (int i = 0; i < 4; ++i) p.salt[i] = static_cast<uint8_t>(0xa0 + i);
  p.tunnel = tunnel;
  p.tun_src = inbound ? kGwB : kGwA;
  p.tun_dst = inbound ? kGwA : kGwB;
  p.natt = natt;
  p.esn = esn;
  p.seq = seq;
  return p;
}

struct Result1 {
  Status status;
  uint64_t seq;
  std::vector<uint8_t> data;
};

class DriverTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override { Open({}); }
  void Open(const Options& o) {
    drv_.reset();
    dev_ = GetParam().make();
    auto d = Driver::Open(*dev_, o);
    ASSERT_TRUE(d) << d.error().message;
    drv_ = std::move(*d);
  }
  // Posts one packet on queue q and returns its completion.
  Result1 Run1(Opcode op, uint32_t slot, const std::vector<uint8_t>& pkt, uint32_t q = 0,
               uint8_t flags = 0) {
    Result1 r{Status::kDmaError, 0, {}};
    EXPECT_TRUE(drv_->Post(q, op, slot, pkt, 77, flags));
    drv_->Flush(q);
    EXPECT_TRUE(drv_->WaitCompletion(q, kBudget)) << "no completion: the queue hung";
    EXPECT_EQ(drv_->Reap(q,
                         [&](const Completion& c) {
                           EXPECT_EQ(c.cookie, 77u);
                           r = {c.status, c.seq, {c.data.begin(), c.data.end()}};
                         }),
              1u);
    return r;
  }
  std::unique_ptr<hw::Device> dev_;
  std::unique_ptr<Driver> drv_;
  std::mt19937 rng_{1234};
};

// Decrypts an ESP packet written by the device with AesGcm, independently of the device's decap:
// checks the ESP header, IV = sequence number, the ICV (the SA's length: OpenSSL checks a
// truncated tag with EVP_CTRL_GCM_SET_TAG of that length), pad bytes, and returns the payload
// and next header.
struct Opened {
  bool ok = false;
  std::vector<uint8_t> payload;
  uint8_t next_header = 0;
};
Opened OpenEsp(const SaParams& sa, const std::vector<uint8_t>& pkt, uint64_t seq) {
  Opened o;
  size_t off = size_t{pkt[0] & 0xfu} * 4;
  EXPECT_EQ(pkt[9], sa.natt ? 17 : 50);
  EXPECT_EQ(util::LoadBe16(&pkt[2]), pkt.size());
  EXPECT_EQ(hw::model::Ipv4HeaderChecksum({pkt.data(), off}), 0) << "outer header checksum";
  if (sa.natt) {
    EXPECT_EQ(util::LoadBe16(&pkt[off]), sa.sport);
    EXPECT_EQ(util::LoadBe16(&pkt[off + 2]), sa.dport);
    EXPECT_EQ(util::LoadBe16(&pkt[off + 4]), pkt.size() - off);
    EXPECT_EQ(util::LoadBe16(&pkt[off + 6]), 0);
    off += 8;
  }
  EXPECT_EQ(util::LoadBe32(&pkt[off]), sa.spi);
  EXPECT_EQ(util::LoadBe32(&pkt[off + 4]), static_cast<uint32_t>(seq));
  EXPECT_EQ(util::LoadBe64(&pkt[off + 8]), seq) << "IV must be the 64-bit sequence number";
  uint8_t nonce[12], aad[12];
  std::memcpy(nonce, sa.salt, 4);
  std::memcpy(nonce + 4, &pkt[off + 8], 8);
  util::StoreBe32(aad, sa.spi);
  size_t aad_len = 8;
  if (sa.esn) {
    util::StoreBe64(aad + 4, seq);
    aad_len = 12;
  } else {
    util::StoreBe32(aad + 4, static_cast<uint32_t>(seq));
  }
  const size_t icv = sa.icv == hw::IcvLen::kIcv12 ? 12 : (sa.icv == hw::IcvLen::kIcv8 ? 8 : 16);
  const size_t ct_off = off + 16, ct_len = pkt.size() - ct_off - icv;
  std::vector<uint8_t> pt(ct_len);
  auto gcm = hw::model::AesGcm::Create(sa.key.span());
  if (!gcm->Open(nonce, {aad, aad_len}, {&pkt[ct_off], ct_len}, {&pkt[ct_off + ct_len], icv}, pt)) {
    return o;
  }
  EXPECT_EQ(ct_len % 4, 0u) << "ESP payload must end 4-byte aligned";
  const uint8_t pad = pt[ct_len - 2];
  EXPECT_LE(pad, 3) << "padding must be minimal";
  for (uint8_t i = 0; i < pad; ++i) EXPECT_EQ(pt[ct_len - 2 - pad + i], i + 1);
  o.ok = true;
  o.next_header = pt[ct_len - 1];
  o.payload.assign(pt.begin(), pt.begin() + (ct_len - 2 - pad));
  return o;
}

TEST_P(DriverTest, ReportsCapabilities) {
  EXPECT_GE(drv_->info().queues, 1u);
  EXPECT_GE(drv_->info().sa_slots, hw::kSaWays);
  EXPECT_EQ(drv_->info().max_window, hw::kMaxWindow);
}

TEST_P(DriverTest, KeysAreWriteOnlyAndSaStatsReadBack) {
  auto slot = drv_->InstallSa(MakeSa(false, 0x1000, 32, true, false, false, 5));
  ASSERT_TRUE(slot);
  for (uint32_t i = 0; i < hw::kSaKeyCount; ++i) EXPECT_EQ(dev_->Read32(hw::SaKeyOffset(i)), 0u);
  EXPECT_EQ(dev_->Read32(hw::kSaSaltOffset), 0u);
  auto st = drv_->ReadSaStats(*slot);
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->valid);
  EXPECT_EQ(st->seq, 5u);
  ASSERT_TRUE(drv_->RemoveSa(*slot));
  st = drv_->ReadSaStats(*slot);
  ASSERT_TRUE(st);
  EXPECT_FALSE(st->valid);
  // An invalidated SA no longer encrypts.
  auto pkt = MakeIpv4(kHostA, kHostB, 17, 100, rng_);
  EXPECT_EQ(Run1(Opcode::kEncap, *slot, pkt).status, Status::kSaExpired);
}

// Every combination of key size, tunnel/transport, NAT-T and ESN: encap checked by independent
// decryption, then decap restores the original packet exactly.
TEST_P(DriverTest, EncapDecapAllModesAndSizes) {
  uint32_t spi = 0x2000;
  for (size_t key_len : {16, 32}) {
    for (bool tunnel : {true, false}) {
      for (bool natt : {false, true}) {
        for (bool esn : {false, true}) {
          SCOPED_TRACE(::testing::Message() << "key " << key_len << " tunnel " << tunnel << " natt "
                                            << natt << " esn " << esn);
          const uint64_t seq0 = esn ? 0xfffffffeull : 1;
          SaParams out = MakeSa(false, ++spi, key_len, tunnel, natt, esn, seq0);
          SaParams in = MakeSa(true, spi, key_len, tunnel, natt, esn, seq0 - 1);
          auto os = drv_->InstallSa(out);
          auto is = drv_->InstallSa(in);
          ASSERT_TRUE(os && is);
          uint64_t seq = seq0;
          for (size_t size : {20, 21, 22, 23, 24, 64, 100, 1400, 1500, 9000}) {
            auto pkt = MakeIpv4(kHostA, kHostB, 6, size, rng_, 0x2e, true);
            Result1 e = Run1(Opcode::kEncap, *os, pkt);
            ASSERT_EQ(e.status, Status::kOk) << size;
            EXPECT_EQ(e.seq, seq);
            Opened o = OpenEsp(out, e.data, seq);
            ASSERT_TRUE(o.ok) << "ICV did not verify, size " << size;
            if (tunnel) {
              EXPECT_EQ(o.next_header, 4);
              EXPECT_EQ(o.payload, pkt);
              EXPECT_EQ(util::LoadBe32(&e.data[12]), kGwA);
              EXPECT_EQ(util::LoadBe32(&e.data[16]), kGwB);
              EXPECT_EQ(e.data[1], 0x2e) << "DSCP and ECN(ECT0) copied";
              EXPECT_EQ(e.data[6] & 0x40, 0x40) << "DF copied";
              EXPECT_EQ(e.data[8], 64) << "TTL";
            } else {
              EXPECT_EQ(o.next_header, 6);
              EXPECT_EQ(o.payload, std::vector<uint8_t>(pkt.begin() + 20, pkt.end()));
              EXPECT_EQ(std::memcmp(&e.data[12], &pkt[12], 8), 0) << "addresses kept";
            }
            Result1 d = Run1(Opcode::kDecap, 0, e.data);
            ASSERT_EQ(d.status, Status::kOk) << size;
            EXPECT_EQ(d.seq, seq);
            EXPECT_EQ(d.data, pkt);
            ++seq;
          }
          auto st = drv_->ReadSaStats(*is);
          ASSERT_TRUE(st);
          EXPECT_EQ(st->pkts, 10u);
          EXPECT_EQ(st->seq, seq - 1);
          ASSERT_TRUE(drv_->RemoveSa(*os));
          ASSERT_TRUE(drv_->RemoveSa(*is));
        }
      }
    }
  }
}

// RFC 4106 ICVs of 12 and 8 bytes: encap appends the truncated tag (verified here by OpenSSL with
// the truncated length), decap verifies it and restores the packet; a bit flipped in the first
// or the last ICV byte is AUTH_FAIL and leaves the window where it was.
TEST_P(DriverTest, ShortIcvs) {
  uint32_t spi = 0x5000;
  for (hw::IcvLen icv : {hw::IcvLen::kIcv12, hw::IcvLen::kIcv8}) {
    const size_t icv_len = icv == hw::IcvLen::kIcv12 ? 12 : 8;
    for (bool tunnel : {true, false}) {
      SCOPED_TRACE(::testing::Message() << "ICV " << icv_len << " tunnel " << tunnel);
      SaParams out = MakeSa(false, ++spi, 16 + 16 * tunnel, tunnel, !tunnel, tunnel, 1);
      SaParams in = MakeSa(true, spi, 16 + 16 * tunnel, tunnel, !tunnel, tunnel, 0);
      out.icv = in.icv = icv;
      auto os = drv_->InstallSa(out);
      auto is = drv_->InstallSa(in);
      ASSERT_TRUE(os && is);
      uint64_t seq = 1;
      for (size_t size : {20, 61, 1500}) {
        auto pkt = MakeIpv4(kHostA, kHostB, 17, size, rng_);
        Result1 e = Run1(Opcode::kEncap, *os, pkt);
        ASSERT_EQ(e.status, Status::kOk) << size;
        Opened o = OpenEsp(out, e.data, seq);
        ASSERT_TRUE(o.ok) << "truncated ICV did not verify, size " << size;
        EXPECT_EQ(e.data.size() % 4, icv_len % 4);  // ESP ends 4-aligned before the ICV
        for (size_t at : {e.data.size() - icv_len, e.data.size() - 1}) {
          auto forged = e.data;
          forged[at] ^= 0x10;
          EXPECT_EQ(Run1(Opcode::kDecap, 0, forged).status, Status::kAuthFail) << at;
        }
        Result1 d = Run1(Opcode::kDecap, 0, e.data);
        ASSERT_EQ(d.status, Status::kOk) << size;
        EXPECT_EQ(d.data, pkt);
        ++seq;
      }
      auto st = drv_->ReadSaStats(*is);
      ASSERT_TRUE(st);
      EXPECT_EQ(st->pkts, 3u);
      EXPECT_EQ(st->auth_fail, 6u);
      EXPECT_EQ(st->seq, 3u);
    }
  }
}

// The tunnel header's ECN follows RFC 6040 normal mode: CE inside becomes ECT(0) outside.
TEST_P(DriverTest, TunnelEcnCeBecomesEct0) {
  SaParams out = MakeSa(false, 0x3000, 16, true, false, false);
  auto os = drv_->InstallSa(out);
  ASSERT_TRUE(os);
  auto pkt = MakeIpv4(kHostA, kHostB, 17, 60, rng_, 0xb8 | 0x3);
  Result1 e = Run1(Opcode::kEncap, *os, pkt);
  ASSERT_EQ(e.status, Status::kOk);
  EXPECT_EQ(e.data[1], 0xb8 | 0x2);
}

class BadInputTest : public DriverTest {
 protected:
  void SetUp() override {
    DriverTest::SetUp();
    out_ = MakeSa(false, 0x4000, 16, true, false, false);
    in_ = MakeSa(true, 0x4000, 16, true, false, false);
    auto o = drv_->InstallSa(out_);
    auto i = drv_->InstallSa(in_);
    ASSERT_TRUE(o && i);
    out_slot_ = *o;
    in_slot_ = *i;
  }
  std::vector<uint8_t> GoodEsp() {
    return Run1(Opcode::kEncap, out_slot_, MakeIpv4(kHostA, kHostB, 17, 200, rng_)).data;
  }
  // After each bad packet the queue must still carry a good one.
  void ExpectQueueAlive() {
    Result1 r = Run1(Opcode::kDecap, 0, GoodEsp());
    EXPECT_EQ(r.status, Status::kOk);
  }
  SaParams out_, in_;
  uint32_t out_slot_ = 0, in_slot_ = 0;
};

TEST_P(BadInputTest, TruncatedPacketIsMalformed) {
  auto esp = GoodEsp();
  for (size_t cut : {1, 10, 20, 30, 40, 43}) {
    std::vector<uint8_t> t(esp.begin(), esp.begin() + cut);
    EXPECT_EQ(Run1(Opcode::kDecap, 0, t).status, Status::kMalformed) << cut;
  }
  // IPv4 total length larger than the buffer.
  std::vector<uint8_t> t(esp.begin(), esp.end() - 5);
  EXPECT_EQ(Run1(Opcode::kDecap, 0, t).status, Status::kMalformed);
  ExpectQueueAlive();
}

TEST_P(BadInputTest, UnknownSpi) {
  auto esp = GoodEsp();
  esp[20 + 3] ^= 0x55;
  EXPECT_EQ(Run1(Opcode::kDecap, 0, esp).status, Status::kUnknownSpi);
  ExpectQueueAlive();
}

TEST_P(BadInputTest, FlippedIcvBitIsAuthFailAndWindowUnchanged) {
  auto esp = GoodEsp();
  auto forged = esp;
  forged.back() ^= 0x01;
  EXPECT_EQ(Run1(Opcode::kDecap, 0, forged).status, Status::kAuthFail);
  // The window did not move: the genuine packet with the same number still passes.
  EXPECT_EQ(Run1(Opcode::kDecap, 0, esp).status, Status::kOk);
  EXPECT_EQ(Run1(Opcode::kDecap, 0, esp).status, Status::kReplay);
  auto flipped_ct = GoodEsp();
  flipped_ct[50] ^= 0x80;
  EXPECT_EQ(Run1(Opcode::kDecap, 0, flipped_ct).status, Status::kAuthFail);
  auto st = drv_->ReadSaStats(in_slot_);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->auth_fail, 2u);
  EXPECT_EQ(st->replay, 1u);
  ExpectQueueAlive();
}

TEST_P(BadInputTest, BadPadAfterGoodIcv) {
  // Build an ESP packet whose ICV is right but whose pad bytes are not 1,2,3: encrypt by hand.
  std::vector<uint8_t> inner = MakeIpv4(kHostA, kHostB, 17, 41, rng_);  // pad 1 with 41+2
  std::vector<uint8_t> pt = inner;
  pt.insert(pt.end(), {0x09, 0x01, 0x04});  // pad byte 9 instead of 1, pad_len 1, next 4
  std::vector<uint8_t> pkt = MakeIpv4(kGwB, kGwA, 50, 20 + 16 + pt.size() + 16, rng_);
  util::StoreBe32(&pkt[20], 0x4000);
  util::StoreBe32(&pkt[24], 9);
  util::StoreBe64(&pkt[28], 9);
  uint8_t nonce[12], aad[8];
  std::memcpy(nonce, in_.salt, 4);
  std::memcpy(nonce + 4, &pkt[28], 8);
  std::memcpy(aad, &pkt[20], 8);
  auto gcm = hw::model::AesGcm::Create(in_.key.span());
  ASSERT_TRUE(gcm->Seal(nonce, aad, pt, {&pkt[36], pt.size()}, {&pkt[36 + pt.size()], 16}));
  EXPECT_EQ(Run1(Opcode::kDecap, 0, pkt).status, Status::kBadPad);
  ExpectQueueAlive();
}

TEST_P(BadInputTest, OversizePacketIsMalformed) {
  auto pkt = MakeIpv4(kHostA, kHostB, 17, hw::kMaxPacket, rng_);
  pkt.resize(hw::kMaxPacket + 1);
  EXPECT_EQ(Run1(Opcode::kEncap, out_slot_, pkt).status, Status::kMalformed);
  ExpectQueueAlive();
}

TEST_P(BadInputTest, BadDescriptors) {
  auto pkt = MakeIpv4(kHostA, kHostB, 17, 64, rng_);
  EXPECT_EQ(Run1(static_cast<Opcode>(7), out_slot_, pkt).status, Status::kBadDescriptor);
  EXPECT_EQ(Run1(Opcode::kEncap, drv_->info().sa_slots, pkt).status, Status::kBadDescriptor);
  EXPECT_EQ(Run1(Opcode::kEncap, out_slot_, pkt, 0, 0x80).status, Status::kBadDescriptor);
  EXPECT_EQ(Run1(Opcode::kDecap, 0, pkt, 0, hw::kSqDescFlagsExplicitIv).status,
            Status::kBadDescriptor);
  // Encap on an inbound SA's slot, or an empty slot.
  EXPECT_EQ(Run1(Opcode::kEncap, in_slot_, pkt).status, Status::kSaExpired);
  EXPECT_EQ(Run1(Opcode::kEncap, out_slot_ - 1, pkt).status, Status::kSaExpired);
  ExpectQueueAlive();
}

TEST_P(BadInputTest, NotEspIsMalformed) {
  auto pkt = MakeIpv4(kGwB, kGwA, 6, 80, rng_);  // TCP
  EXPECT_EQ(Run1(Opcode::kDecap, 0, pkt).status, Status::kMalformed);
  auto ike = MakeIpv4(kGwB, kGwA, 17, 80, rng_);  // UDP 4500 with the non-ESP marker
  util::StoreBe16(&ike[22], 4500);
  util::StoreBe16(&ike[24], 60);
  util::StoreBe32(&ike[28], 0);
  EXPECT_EQ(Run1(Opcode::kDecap, 0, ike).status, Status::kMalformed);
  ExpectQueueAlive();
}

TEST_P(BadInputTest, CountersByCause) {
  auto esp = GoodEsp();
  EXPECT_EQ(Run1(Opcode::kDecap, 0, esp).status, Status::kOk);
  EXPECT_EQ(Run1(Opcode::kDecap, 0, esp).status, Status::kReplay);
  esp[20] ^= 1;
  EXPECT_EQ(Run1(Opcode::kDecap, 0, esp).status, Status::kUnknownSpi);
  auto c = drv_->StatusCounters();
  EXPECT_EQ(c[static_cast<size_t>(Status::kReplay)], 1u);
  EXPECT_EQ(c[static_cast<size_t>(Status::kUnknownSpi)], 1u);
  EXPECT_EQ(c[static_cast<size_t>(Status::kOk)], 2u);  // one encap, one decap
}

TEST_P(DriverTest, SequenceOverflowStopsAndRaisesEvent) {
  auto os = drv_->InstallSa(MakeSa(false, 0x5000, 16, true, false, false, 0xffffffffull));
  ASSERT_TRUE(os);
  auto pkt = MakeIpv4(kHostA, kHostB, 17, 64, rng_);
  Result1 a = Run1(Opcode::kEncap, *os, pkt);
  EXPECT_EQ(a.status, Status::kOk);
  EXPECT_EQ(a.seq, 0xffffffffull);
  EXPECT_EQ(Run1(Opcode::kEncap, *os, pkt).status, Status::kSeqOverflow);
  EXPECT_EQ(Run1(Opcode::kEncap, *os, pkt).status, Status::kSeqOverflow);
  auto ev = drv_->PollEvent();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, hw::Event::kSeqOverflow);
  EXPECT_EQ(ev->slot, *os);
  EXPECT_FALSE(drv_->PollEvent());
  auto st = drv_->ReadSaStats(*os);
  EXPECT_TRUE(st->seq_exhausted);
}

TEST_P(DriverTest, EsnCrossesTheLowWordWrap) {
  SaParams out = MakeSa(false, 0x5100, 16, true, false, true, 0xffffffffull);
  SaParams in = MakeSa(true, 0x5100, 16, true, false, true, 0xfffffff0ull);
  auto os = drv_->InstallSa(out);
  ASSERT_TRUE(os && drv_->InstallSa(in));
  for (uint64_t want : {0xffffffffull, 0x100000000ull, 0x100000001ull}) {
    auto pkt = MakeIpv4(kHostA, kHostB, 17, 80, rng_);
    Result1 e = Run1(Opcode::kEncap, *os, pkt);
    ASSERT_EQ(e.status, Status::kOk);
    EXPECT_EQ(e.seq, want);
    Result1 d = Run1(Opcode::kDecap, 0, e.data);
    EXPECT_EQ(d.status, Status::kOk);
    EXPECT_EQ(d.seq, want);
  }
}

TEST_P(DriverTest, LifetimesRaiseSoftThenHardEvents) {
  SaParams p = MakeSa(false, 0x6000, 16, true, false, false);
  p.soft_pkts = 2;
  p.hard_pkts = 3;
  auto os = drv_->InstallSa(p);
  ASSERT_TRUE(os);
  auto pkt = MakeIpv4(kHostA, kHostB, 17, 64, rng_);
  EXPECT_EQ(Run1(Opcode::kEncap, *os, pkt).status, Status::kOk);
  EXPECT_FALSE(drv_->PollEvent());
  EXPECT_EQ(Run1(Opcode::kEncap, *os, pkt).status, Status::kOk);
  auto ev = drv_->PollEvent();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, hw::Event::kSoftLifetime);
  EXPECT_EQ(Run1(Opcode::kEncap, *os, pkt).status, Status::kOk);
  ev = drv_->PollEvent();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, hw::Event::kHardLifetime);
  EXPECT_EQ(Run1(Opcode::kEncap, *os, pkt).status, Status::kSaExpired);
  // Bytes limit: 3 packets of 64 bytes cross a 150-byte soft limit on the third.
  SaParams b = MakeSa(false, 0x6001, 16, true, false, false);
  b.soft_bytes = 150;
  auto bs = drv_->InstallSa(b);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(Run1(Opcode::kEncap, *bs, pkt).status, Status::kOk);
  EXPECT_FALSE(drv_->PollEvent());
  EXPECT_EQ(Run1(Opcode::kEncap, *bs, pkt).status, Status::kOk);
  ev = drv_->PollEvent();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, hw::Event::kSoftLifetime);
  EXPECT_EQ(ev->slot, *bs);
}

TEST_P(DriverTest, InboundSlotCollisionIsReported) {
  // Find three SPIs of the same bucket: the third has no way left.
  const uint32_t slots = drv_->info().sa_slots;
  std::vector<uint32_t> spis;
  for (uint32_t spi = 0x7000; spis.size() < hw::kSaWays + 1; ++spi) {
    if (hw::SpiBucket(spi, slots) == hw::SpiBucket(0x7000, slots)) spis.push_back(spi);
  }
  for (size_t i = 0; i < hw::kSaWays; ++i) {
    ASSERT_TRUE(drv_->InstallSa(MakeSa(true, spis[i], 16, true, false, false)));
  }
  auto r = drv_->InstallSa(MakeSa(true, spis.back(), 16, true, false, false));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kSlotCollision);
}

TEST_P(DriverTest, BatchesWrapTheRingAndKeepOrder) {
  Open({.queues = 1, .ring_log2 = 3});
  auto os = drv_->InstallSa(MakeSa(false, 0x8000, 16, true, false, false));
  ASSERT_TRUE(os);
  uint32_t next_cookie = 0, expect = 0;
  for (int round = 0; round < 10; ++round) {
    const size_t room = drv_->SubmitRoom(0);
    EXPECT_EQ(room, 7u);
    for (size_t i = 0; i < room; ++i) {
      auto pkt = MakeIpv4(kHostA, kHostB, 17, 60 + i, rng_);
      ASSERT_TRUE(drv_->Post(0, Opcode::kEncap, *os, pkt, next_cookie++));
    }
    auto full = drv_->Post(0, Opcode::kEncap, *os, MakeIpv4(kHostA, kHostB, 17, 60, rng_), 0);
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().code, Errc::kRingFull);
    drv_->Flush(0);
    while (drv_->InFlight(0) > 0) {
      ASSERT_TRUE(drv_->WaitCompletion(0, kBudget));
      drv_->Reap(0, [&](const Completion& c) {
        EXPECT_EQ(c.cookie, expect++);
        EXPECT_EQ(c.status, Status::kOk);
        EXPECT_EQ(c.seq, expect);
      });
    }
  }
  EXPECT_EQ(expect, 70u);
}

TEST_P(DriverTest, CompletionRingFullIsReportedAndResumes) {
  Open({.queues = 1, .ring_log2 = 2});
  auto os = drv_->InstallSa(MakeSa(false, 0x8100, 16, true, false, false));
  for (uint32_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(drv_->Post(0, Opcode::kEncap, *os, MakeIpv4(kHostA, kHostB, 17, 64, rng_), i));
  }
  drv_->Flush(0);
  ASSERT_TRUE(drv_->WaitCompletion(0, kBudget));
  ASSERT_TRUE(dev_->RunUntil([&] { return dev_->Read32(hw::QCqTailOffset(0)) == 3; }, kBudget));
  EXPECT_EQ(dev_->Read32(hw::QStatusOffset(0)) >> hw::kQStatusCqFullShift & 1, 1u);
  EXPECT_EQ(drv_->Reap(0, [](const Completion&) {}), 3u);
  EXPECT_EQ(dev_->Read32(hw::QStatusOffset(0)) >> hw::kQStatusCqFullShift & 1, 0u);
  Result1 r = Run1(Opcode::kEncap, *os, MakeIpv4(kHostA, kHostB, 17, 64, rng_));
  EXPECT_EQ(r.status, Status::kOk);
  EXPECT_EQ(r.seq, 4u);
}

TEST_P(DriverTest, PacketDmaErrorIsReportedAndQueueContinues) {
  auto os = drv_->InstallSa(MakeSa(false, 0x8200, 16, true, false, false));
  // Write a descriptor by hand whose input address no buffer covers.
  ASSERT_TRUE(drv_->Post(0, Opcode::kEncap, *os, MakeIpv4(kHostA, kHostB, 17, 64, rng_), 5));
  // The device reads the ring from host memory; patch in_addr of the entry just written.
  const uint64_t sq_lo = dev_->Read32(hw::QSqBaseLoOffset(0));
  const uint64_t sq = sq_lo | uint64_t{dev_->Read32(hw::QSqBaseHiOffset(0))} << 32;
  uint8_t* desc = dev_->memory().Translate(sq, sizeof(hw::SqDesc));
  ASSERT_NE(desc, nullptr);
  util::StoreLe64(desc + offsetof(hw::SqDesc, in_addr), 0x10);
  drv_->Flush(0);
  ASSERT_TRUE(drv_->WaitCompletion(0, kBudget));
  drv_->Reap(0, [](const Completion& c) { EXPECT_EQ(c.status, Status::kDmaError); });
  EXPECT_EQ(Run1(Opcode::kEncap, *os, MakeIpv4(kHostA, kHostB, 17, 64, rng_)).status, Status::kOk);
}

TEST_P(DriverTest, RingDmaErrorStopsQueueAndRecovers) {
  auto os = drv_->InstallSa(MakeSa(false, 0x8300, 16, true, false, false));
  dev_->Write32(hw::QSqBaseLoOffset(0), 0x40);  // ring base no buffer covers
  dev_->Write32(hw::QSqBaseHiOffset(0), 0);
  ASSERT_TRUE(drv_->Post(0, Opcode::kEncap, *os, MakeIpv4(kHostA, kHostB, 17, 64, rng_), 9));
  drv_->Flush(0);
  ASSERT_TRUE(dev_->RunUntil([&] { return drv_->QueueStopped(0); }, kBudget));
  auto ev = drv_->PollEvent();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, hw::Event::kQueueError);
  EXPECT_EQ(ev->slot, 0u);
  auto lost = drv_->RecoverQueue(0);
  ASSERT_TRUE(lost);
  EXPECT_EQ(*lost, std::vector<uint32_t>{9});
  EXPECT_FALSE(drv_->QueueStopped(0));
  EXPECT_EQ(Run1(Opcode::kEncap, *os, MakeIpv4(kHostA, kHostB, 17, 64, rng_)).status, Status::kOk);
}

TEST_P(DriverTest, SeveralQueuesAndInterrupts) {
  Open({.queues = 4, .ring_log2 = 4, .interrupts = true, .coalesce_count = 4});
  auto os = drv_->InstallSa(MakeSa(false, 0x8400, 16, true, false, false));
  for (uint32_t q = 0; q < 4; ++q) {
    EXPECT_FALSE(dev_->IrqAsserted(q));
    for (uint32_t i = 0; i < 3; ++i) {
      ASSERT_TRUE(drv_->Post(q, Opcode::kEncap, *os, MakeIpv4(kHostA, kHostB, 17, 64, rng_), i));
    }
    drv_->Flush(q);
    // Three completions are below the coalescing count of 4: no interrupt yet.
    EXPECT_FALSE(drv_->WaitCompletion(q, 2000));
    ASSERT_TRUE(drv_->Post(q, Opcode::kEncap, *os, MakeIpv4(kHostA, kHostB, 17, 64, rng_), 3));
    drv_->Flush(q);
    ASSERT_TRUE(drv_->WaitCompletion(q, kBudget));
    EXPECT_TRUE(dev_->IrqAsserted(q));
    EXPECT_EQ(drv_->Reap(q, [](const Completion& c) { EXPECT_EQ(c.status, Status::kOk); }), 4u);
    EXPECT_FALSE(dev_->IrqAsserted(q));
  }
}

TEST_P(DriverTest, CoalescingTimerFires) {
  Open({.queues = 1,
        .ring_log2 = 4,
        .interrupts = true,
        .coalesce_count = 8,
        .coalesce_timer = 500});
  auto os = drv_->InstallSa(MakeSa(false, 0x8500, 16, true, false, false));
  ASSERT_TRUE(drv_->Post(0, Opcode::kEncap, *os, MakeIpv4(kHostA, kHostB, 17, 64, rng_), 1));
  drv_->Flush(0);
  const uint64_t t0 = dev_->cycles();
  ASSERT_TRUE(drv_->WaitCompletion(0, 100'000));
  EXPECT_GE(dev_->cycles() - t0, 500u);
  EXPECT_EQ(drv_->Reap(0, [](const Completion&) {}), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverTest, ::testing::ValuesIn(testing::AllBackends()),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Backends, BadInputTest, ::testing::ValuesIn(testing::AllBackends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ipsec::driver
