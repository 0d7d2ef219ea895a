// Two engines in one process: every exchange, lost messages, collisions, diagnostics.
#include <gtest/gtest.h>

#include "tests/ike/harness.h"

namespace ipsec::ike::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Both ends of the newest child agree on SPIs and keys, and return it (a's view).
const Event* ExpectPaired(const TwoPeers& t) {
  auto ia = t.a.sink.Installed(), ib = t.b.sink.Installed();
  EXPECT_FALSE(ia.empty());
  EXPECT_FALSE(ib.empty());
  if (ia.empty() || ib.empty()) return nullptr;
  const Event* ea = ia.back();
  const Event* eb = nullptr;
  for (const Event* e : ib)
    if (e->spi_in == ea->spi_out) eb = e;
  EXPECT_NE(eb, nullptr) << "b has no SA with inbound SPI " << ea->spi_out;
  if (!eb) return nullptr;
  EXPECT_EQ(ea->spi_in, eb->spi_out);
  EXPECT_EQ(ea->key_out, eb->key_in);
  EXPECT_EQ(ea->key_in, eb->key_out);
  EXPECT_EQ(ea->salt_out, eb->salt_in);
  EXPECT_EQ(ea->salt_in, eb->salt_out);
  EXPECT_NE(ea->key_in, ea->key_out);
  EXPECT_EQ(ea->salt_in.size(), 8u);
  EXPECT_EQ(ea->esn, eb->esn);
  EXPECT_EQ(ea->mode, eb->mode);
  return ea;
}

class ProposalTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ProposalTest, InitAuthAndFirstChild) {
  TwoPeers t;
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true, GetParam()),
                       TwoPeers::DefaultConfig(false, GetParam())));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_EQ(t.a.sink.ike_up, 1);
  EXPECT_EQ(t.b.sink.ike_up, 1);
  const Event* e = ExpectPaired(t);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->key_in.size(), 64u);  // aes256gcm16 ESP
  EXPECT_EQ(e->local_ts[0].ToString(), "10.1.0.0/24");
  EXPECT_EQ(e->remote_ts[0].ToString(), "10.2.0.0/24");
  EXPECT_FALSE(e->encap);
  EXPECT_EQ(t.sent[0], 2);  // IKE_SA_INIT + IKE_AUTH: no retransmission
  auto list = t.a.engine->List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].proposal, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Ike, ProposalTest,
                         ::testing::Values("aes256gcm16-prfsha256-ecp256",
                                           "aes128gcm16-prfsha384-x25519",
                                           "aes256-sha256-prfsha256-modp2048",
                                           "aes128gcm16-prfsha512-ecp384"));

TEST(ExchangeTest, InvalidKePayloadRetry) {
  TwoPeers t;
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true, "aes128gcm16-prfsha384-ecp256-x25519"),
                       TwoPeers::DefaultConfig(false, "aes128gcm16-prfsha384-x25519")));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(t.a.Logged("peer prefers DH group x25519 over ecp256"));
  EXPECT_TRUE(t.b.Logged("answering INVALID_KE_PAYLOAD"));
  ASSERT_NE(ExpectPaired(t), nullptr);
  EXPECT_EQ(t.a.engine->List()[0].proposal, "aes128gcm16-prfsha384-x25519");
}

TEST(ExchangeTest, CookieRetry) {
  TwoPeers t;
  auto cb = TwoPeers::DefaultConfig(false);
  cb.cookie_threshold = 0;  // always demand a cookie
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true), cb));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(t.a.Logged("responder demands a COOKIE"));
  ASSERT_NE(ExpectPaired(t), nullptr);
  EXPECT_EQ(t.sent[0], 3);
}

TEST(ExchangeTest, SecondChildAndNarrowing) {
  TwoPeers t;
  auto ca = TwoPeers::DefaultConfig(true);
  auto cb = TwoPeers::DefaultConfig(false);
  ChildConfig c2;
  c2.name = "wide";
  c2.local_ts = {"10.1.0.0/16"};
  c2.remote_ts = {"10.0.0.0/8"};  // b narrows it to its 10.2.0.0/24
  c2.esp_proposals = "aes128gcm16-esn";
  c2.mode = Mode::kTransport;
  ca.connections[0].children.push_back(c2);
  cb.connections[0].children[0].esp_proposals = "aes256gcm16,aes128gcm16-esn";
  cb.connections[0].children[0].mode = Mode::kTransport;
  ASSERT_TRUE(t.Create(ca, cb));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  ASSERT_TRUE(t.a.engine->Initiate("wide"));
  t.Pump();
  const Event* e = ExpectPaired(t);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->child, "wide");
  EXPECT_EQ(e->remote_ts[0].ToString(), "10.2.0.0/24");
  EXPECT_EQ(e->local_ts[0].ToString(), "10.1.0.0/24");
  EXPECT_TRUE(e->esn);
  EXPECT_EQ(e->key_in.size(), 32u);
  EXPECT_EQ(e->mode, Mode::kTransport);
  EXPECT_EQ(t.a.sink.Installed().size(), 2u);
}

class RekeyTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RekeyTest, ChildRekeyThenDelete) {
  TwoPeers t;
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true, "aes256gcm16-prfsha256-ecp256", GetParam()),
                       TwoPeers::DefaultConfig(false, "aes256gcm16-prfsha256-ecp256", GetParam())));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  const Event* first = ExpectPaired(t);
  ASSERT_NE(first, nullptr);
  const uint32_t old_in = first->spi_in;
  const std::string old_key = first->key_in;
  ASSERT_TRUE(t.a.engine->OnSoftLifetime(old_in));
  t.Pump();
  EXPECT_EQ(t.a.sink.Count(Event::kRekeyed), 1);
  EXPECT_EQ(t.b.sink.Count(Event::kRekeyed), 1);
  EXPECT_EQ(t.a.sink.Count(Event::kDown), 1);  // the old SA, deleted after the rekey
  EXPECT_EQ(t.b.sink.Count(Event::kDown), 1);
  ASSERT_EQ(t.a.sink.Installed().size(), 1u);
  const Event* now = ExpectPaired(t);
  ASSERT_NE(now, nullptr);
  EXPECT_NE(now->spi_in, old_in);
  EXPECT_NE(now->key_in, old_key);
  // Then b rekeys (responder of the IKE SA initiates), then a deletes.
  ASSERT_TRUE(t.b.engine->OnSoftLifetime(t.b.sink.Installed().back()->spi_in));
  t.Pump();
  ASSERT_NE(ExpectPaired(t), nullptr);
  ASSERT_TRUE(t.a.engine->Terminate("net"));
  t.Pump();
  EXPECT_TRUE(t.a.sink.Installed().empty());
  EXPECT_TRUE(t.b.sink.Installed().empty());
  EXPECT_EQ(t.b.sink.events.back().reason, DownReason::kPeerDeleted);
}

INSTANTIATE_TEST_SUITE_P(Pfs, RekeyTest,
                         ::testing::Values("aes256gcm16", "aes256gcm16-ecp256",
                                           "aes128gcm16-x25519-esn"));

TEST(ExchangeTest, PfsInvalidKeRetry) {
  TwoPeers t;
  ASSERT_TRUE(t.Create(
      TwoPeers::DefaultConfig(true, "aes256gcm16-prfsha256-ecp256", "aes256gcm16-ecp256-x25519"),
      TwoPeers::DefaultConfig(false, "aes256gcm16-prfsha256-ecp256", "aes256gcm16-x25519")));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  ASSERT_NE(ExpectPaired(t), nullptr);
  ASSERT_TRUE(t.a.engine->OnSoftLifetime(t.a.sink.Installed().back()->spi_in));
  t.Pump();
  EXPECT_TRUE(t.a.Logged("peer prefers PFS group x25519 (INVALID_KE_PAYLOAD), retrying"));
  EXPECT_EQ(t.a.sink.Count(Event::kRekeyed), 1);
  ASSERT_EQ(t.a.sink.Installed().size(), 1u);
  ASSERT_NE(ExpectPaired(t), nullptr);
}

TEST(ExchangeTest, RekeyTimerFires) {
  TwoPeers t;
  auto ca = TwoPeers::DefaultConfig(true);
  ca.connections[0].children[0].rekey_time = seconds(100);
  ASSERT_TRUE(t.Create(ca, TwoPeers::DefaultConfig(false)));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Run(seconds(101));
  EXPECT_EQ(t.a.sink.Count(Event::kRekeyed), 1);
  EXPECT_EQ(t.b.sink.Count(Event::kRekeyed), 1);
  ASSERT_NE(ExpectPaired(t), nullptr);
}

TEST(ExchangeTest, ChildRekeyCollision) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(seed);
    TwoPeers t;
    t.a.random = DeterministicRandom(seed * 11);
    t.b.random = DeterministicRandom(seed * 13);
    ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true), TwoPeers::DefaultConfig(false)));
    ASSERT_TRUE(t.a.engine->Initiate("net"));
    t.Pump();
    const uint32_t a_in = t.a.sink.Installed().back()->spi_in;
    const uint32_t b_in = t.b.sink.Installed().back()->spi_in;
    // Both ends start a rekey before either request is delivered.
    ASSERT_TRUE(t.a.engine->OnSoftLifetime(a_in));
    ASSERT_TRUE(t.b.engine->OnSoftLifetime(b_in));
    t.Pump();
    EXPECT_TRUE(t.a.Logged("rekey collision"));
    EXPECT_TRUE(t.b.Logged("rekey collision"));
    // One child survives on each side, and it is the same SA pair.
    ASSERT_EQ(t.a.sink.Installed().size(), 1u);
    ASSERT_EQ(t.b.sink.Installed().size(), 1u);
    ASSERT_NE(ExpectPaired(t), nullptr);
    EXPECT_NE(t.a.sink.Installed()[0]->spi_in, a_in);
  }
}

TEST(ExchangeTest, IkeRekeyMovesChildren) {
  TwoPeers t;
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true), TwoPeers::DefaultConfig(false)));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  auto before = t.a.engine->List();
  ASSERT_TRUE(t.a.engine->RekeyIke("peer"));
  t.Pump();
  auto after = t.a.engine->List();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after[0].spi_i, before[0].spi_i);
  EXPECT_EQ(after[0].children.size(), 1u);
  EXPECT_EQ(t.b.engine->List().size(), 1u);
  EXPECT_EQ(t.a.sink.Count(Event::kDown), 0);
  // The new IKE SA works: b rekeys the child through it.
  ASSERT_TRUE(t.b.engine->OnSoftLifetime(t.b.sink.Installed().back()->spi_in));
  t.Pump();
  EXPECT_EQ(t.a.sink.Count(Event::kRekeyed), 1);
  ASSERT_NE(ExpectPaired(t), nullptr);
  // And b can rekey the IKE SA too.
  ASSERT_TRUE(t.b.engine->RekeyIke("peer"));
  t.Pump();
  EXPECT_EQ(t.a.engine->List().size(), 1u);
  EXPECT_EQ(t.b.engine->List().size(), 1u);
  ASSERT_TRUE(t.a.engine->Terminate("net"));
  t.Pump();
  EXPECT_TRUE(t.b.sink.Installed().empty());
}

TEST(ExchangeTest, IkeRekeyCollision) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(seed);
    TwoPeers t;
    t.a.random = DeterministicRandom(seed * 17);
    t.b.random = DeterministicRandom(seed * 19);
    ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true), TwoPeers::DefaultConfig(false)));
    ASSERT_TRUE(t.a.engine->Initiate("net"));
    t.Pump();
    ASSERT_TRUE(t.a.engine->RekeyIke("peer"));
    ASSERT_TRUE(t.b.engine->RekeyIke("peer"));
    t.Pump();
    EXPECT_TRUE(t.a.Logged("IKE_SA rekey collision"));
    EXPECT_TRUE(t.b.Logged("IKE_SA rekey collision"));
    auto la = t.a.engine->List(), lb = t.b.engine->List();
    ASSERT_EQ(la.size(), 1u);
    ASSERT_EQ(lb.size(), 1u);
    EXPECT_EQ(la[0].spi_i, lb[0].spi_i);
    EXPECT_EQ(la[0].spi_r, lb[0].spi_r);
    EXPECT_EQ(la[0].children.size(), 1u);
    EXPECT_EQ(lb[0].children.size(), 1u);
    EXPECT_EQ(t.a.sink.Count(Event::kDown), 0);
    // The surviving IKE SA carries a child rekey.
    ASSERT_TRUE(t.a.engine->OnSoftLifetime(t.a.sink.Installed().back()->spi_in));
    t.Pump();
    EXPECT_EQ(t.b.sink.Count(Event::kRekeyed), 1);
    ASSERT_NE(ExpectPaired(t), nullptr);
  }
}

TEST(ExchangeTest, LostRequestAndLostResponse) {
  TwoPeers t;
  // Lose a's first IKE_AUTH request and b's first IKE_AUTH response.
  t.drop = [](const Peer& from, int n, const Datagram&) {
    return (from.name == "a" && n == 1) || (from.name == "b" && n == 1);
  };
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true), TwoPeers::DefaultConfig(false)));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Run(seconds(10), [&] { return !t.a.sink.Installed().empty(); });
  ASSERT_NE(ExpectPaired(t), nullptr);
  EXPECT_EQ(t.a.engine->stats().retransmits, 2u);  // after 1 s and after 2 s more
  EXPECT_EQ(t.b.engine->stats().retransmits, 1u);  // b re-sent its cached response
  EXPECT_EQ(t.b.sink.Count(Event::kUp), 1);        // and did not process the request twice
}

TEST(ExchangeTest, LostCreateChildAndInformational) {
  TwoPeers t;
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true), TwoPeers::DefaultConfig(false)));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  // a's messages 0, 1 were INIT and AUTH; lose the rekey request (2) and b's response to the
  // DELETE of the old SA (b's message 3).
  t.drop = [](const Peer& from, int n, const Datagram&) {
    return (from.name == "a" && n == 2) || (from.name == "b" && n == 3);
  };
  ASSERT_TRUE(t.a.engine->OnSoftLifetime(t.a.sink.Installed().back()->spi_in));
  t.Run(seconds(20), [&] { return t.a.sink.Count(Event::kDown) == 1; });
  EXPECT_EQ(t.a.sink.Count(Event::kRekeyed), 1);
  EXPECT_EQ(t.b.sink.Count(Event::kRekeyed), 1);  // processed once despite the retransmit
  EXPECT_EQ(t.a.sink.Count(Event::kDown), 1);
  EXPECT_EQ(t.b.sink.Count(Event::kDown), 1);
  EXPECT_EQ(t.a.engine->stats().retransmits, 2u);
  EXPECT_EQ(t.b.engine->stats().retransmits, 1u);  // cached DELETE response sent again
  ASSERT_NE(ExpectPaired(t), nullptr);
}

// Same seeds, same bytes: the in-memory peers are fully deterministic.
TEST(ExchangeTest, DeterministicReplay) {
  auto run = [] {
    TwoPeers t;
    std::vector<std::vector<uint8_t>> wire;
    t.drop = [&wire](const Peer&, int, const Datagram& d) {
      wire.push_back(d.data);
      return false;
    };
    EXPECT_TRUE(t.Create(TwoPeers::DefaultConfig(true), TwoPeers::DefaultConfig(false)));
    EXPECT_TRUE(t.a.engine->Initiate("net"));
    t.Pump();
    EXPECT_TRUE(t.a.engine->OnSoftLifetime(t.a.sink.Installed().back()->spi_in));
    t.Pump();
    return wire;
  };
  auto w1 = run(), w2 = run();
  EXPECT_EQ(w1.size(), 8u);
  EXPECT_EQ(w1, w2);
}

TEST(ExchangeTest, DpdDeclaresPeerDead) {
  TwoPeers t;
  auto ca = TwoPeers::DefaultConfig(true);
  ca.connections[0].dpd_delay = seconds(30);
  ASSERT_TRUE(t.Create(ca, TwoPeers::DefaultConfig(false)));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Run(seconds(31));
  EXPECT_GE(t.b.engine->stats().rx, 3u);  // one DPD answered
  ASSERT_EQ(t.a.sink.Installed().size(), 1u);
  t.drop = [](const Peer& from, int, const Datagram&) { return from.name == "b"; };
  t.Run(seconds(60), [&] { return t.a.sink.Installed().empty(); });
  EXPECT_TRUE(t.a.sink.Installed().empty());
  EXPECT_EQ(t.a.sink.events.back().reason, DownReason::kPeerDead);
  EXPECT_TRUE(t.a.Logged("did not answer INFORMATIONAL after 3 retransmits (DPD): peer dead"));
  EXPECT_TRUE(t.a.engine->List().empty());
}

TEST(ExchangeTest, NatDetectionFloatsAndKeepalives) {
  TwoPeers t;
  t.nat = true;
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true), TwoPeers::DefaultConfig(false)));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  const Event* e = ExpectPaired(t);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->encap);
  EXPECT_EQ(e->local.port, 4500);
  EXPECT_EQ(e->remote.port, 4500);
  EXPECT_TRUE(t.b.sink.Installed()[0]->encap);
  EXPECT_EQ(t.b.sink.Installed()[0]->remote.addr, TwoPeers::kNat);
  EXPECT_EQ(t.b.sink.Installed()[0]->remote.port, 34500);
  EXPECT_TRUE(t.a.Logged("NAT detected: we are behind NAT"));
  t.Run(seconds(45));
  EXPECT_EQ(t.keepalives[0], 2);  // every 20 s from the NATed side only
  EXPECT_EQ(t.keepalives[1], 0);
}

TEST(ExchangeTest, ForcedEncap) {
  TwoPeers t;
  auto ca = TwoPeers::DefaultConfig(true);
  ca.connections[0].encap = true;
  ASSERT_TRUE(t.Create(ca, TwoPeers::DefaultConfig(false)));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  const Event* e = ExpectPaired(t);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->encap);
  EXPECT_TRUE(t.b.sink.Installed()[0]->encap);
  EXPECT_EQ(t.b.sink.Installed()[0]->remote.port, 4500);
}

// ---- Diagnostics: one line naming the dimension and both sides' offers ----

TEST(DiagnosticsTest, DhGroupMismatch) {
  TwoPeers t;
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true, "aes256-sha256-modp2048"),
                       TwoPeers::DefaultConfig(false, "aes256-sha256-ecp256-x25519")));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(t.b.Logged("no common DH group: peer offered {modp2048}, we accept {ecp256,x25519}"));
  EXPECT_TRUE(
      t.a.Logged("peer answered N(NO_PROPOSAL_CHOSEN) to our proposals {aes256-sha256-modp2048}"));
  EXPECT_TRUE(t.a.engine->List().empty());
  EXPECT_TRUE(t.b.engine->List().empty());
}

TEST(DiagnosticsTest, EncryptionMismatch) {
  TwoPeers t;
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true, "aes128gcm16-prfsha256-ecp256"),
                       TwoPeers::DefaultConfig(false, "aes256gcm16-prfsha256-ecp256")));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(t.b.Logged(
      "no common encryption algorithm: peer offered {aes128gcm16}, we accept {aes256gcm16}"));
}

TEST(DiagnosticsTest, EspMismatchKeepsIkeSa) {
  TwoPeers t;
  ASSERT_TRUE(
      t.Create(TwoPeers::DefaultConfig(true, "aes256gcm16-prfsha256-ecp256", "aes128gcm16-esn"),
               TwoPeers::DefaultConfig(false, "aes256gcm16-prfsha256-ecp256", "aes128gcm16")));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(t.b.Logged("no common ESN setting: peer offered {esn}, we accept {noesn}"));
  EXPECT_TRUE(
      t.a.Logged("peer answered N(NO_PROPOSAL_CHOSEN) to our ESP proposals {aes128gcm16-esn}"));
  EXPECT_EQ(t.a.sink.ike_up, 1);
  EXPECT_TRUE(t.a.sink.Installed().empty());
}

TEST(DiagnosticsTest, TsMismatch) {
  TwoPeers t;
  auto ca = TwoPeers::DefaultConfig(true);
  ca.connections[0].children[0].local_ts = {"10.0.1.0/24"};
  auto cb = TwoPeers::DefaultConfig(false);
  cb.connections[0].children[0].remote_ts = {"10.0.2.0/24"};
  ASSERT_TRUE(t.Create(ca, cb));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(
      t.b.Logged("TS mismatch: peer TSi {10.0.1.0/24} is not inside our remote_ts {10.0.2.0/24}"));
  EXPECT_TRUE(
      t.a.Logged("peer answered N(TS_UNACCEPTABLE) to our TSi {10.0.1.0/24} TSr {10.2.0.0/24}"));
}

TEST(DiagnosticsTest, WrongPsk) {
  TwoPeers t;
  auto cb = TwoPeers::DefaultConfig(false);
  cb.secrets[0].secret = "wrong";
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true), cb));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(t.b.Logged("AUTH mismatch: peer '192.0.2.1' did not prove the PSK"));
  EXPECT_TRUE(t.a.Logged("peer rejected our authentication (AUTHENTICATION_FAILED)"));
  EXPECT_TRUE(t.a.engine->List().empty());
  EXPECT_TRUE(t.b.engine->List().empty());
}

TEST(DiagnosticsTest, IdentityMismatch) {
  TwoPeers t;
  auto cb = TwoPeers::DefaultConfig(false);
  cb.connections[0].remote.id = "@alice.example";
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true), cb));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(
      t.b.Logged("identity mismatch: peer IDi '192.0.2.1' but connection 'peer' expects "
                 "remote id 'alice.example'"));
}

TEST(DiagnosticsTest, ConfigErrorsNameTheKeyword) {
  TwoPeers t;
  auto ca = TwoPeers::DefaultConfig(true, "aes256gcm16-prfsha256-ecp999");
  Engine::Deps deps{&t.a.out, &t.clock, &t.a.sink, &t.a.random, nullptr, {}};
  auto e = Engine::Create(ca, deps);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message,
            "connection 'peer': unknown or unsupported IKE algorithm keyword 'ecp999' in proposal "
            "'aes256gcm16-prfsha256-ecp999'");
}

TEST(ExchangeTest, MalformedAndUnknownDatagramsAreCounted) {
  TwoPeers t;
  ASSERT_TRUE(t.Create(TwoPeers::DefaultConfig(true), TwoPeers::DefaultConfig(false)));
  Datagram junk{{TwoPeers::kB, 500}, {TwoPeers::kA, 500}, {1, 2, 3}};
  t.b.engine->OnDatagram(junk);
  EXPECT_EQ(t.b.engine->stats().dropped_malformed, 1u);
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  // A replayed IKE_AUTH request with a flipped ciphertext bit is dropped by the ICV check.
  EXPECT_EQ(t.b.engine->stats().dropped_crypto, 0u);
}

}  // namespace
}  // namespace ipsec::ike::test
