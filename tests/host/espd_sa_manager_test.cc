// SaManager (IKE child events -> device SAs) and the SPD, on the functional model: SPIs refused
// when their hash bucket is full, make-before-break rekey in both roles, retiring inbound SAs,
// zeroizing removal, soft-lifetime events turned into rekey requests; SPD lookup order.
#include <gtest/gtest.h>

#include "host/sa_manager.h"
#include "hw/model/device_model.h"
#include "hw/spi_hash.h"

namespace ipsec::host {
namespace {

ike::ChildSa MakeChild(uint32_t id, uint32_t spi_in, uint32_t spi_out, bool initiator = true) {
  ike::ChildSa c;
  c.connection = "c";
  c.child = "net";
  c.unique_id = id;
  c.initiator = initiator;
  c.spi_in = spi_in;
  c.spi_out = spi_out;
  c.key_bits = 128;
  c.key_in = util::SecretBytes(16);
  c.key_out = util::SecretBytes(16);
  c.salt_in = util::SecretBytes(4);
  c.salt_out = util::SecretBytes(4);
  c.local_ts = {*ike::ParseTs("10.1.0.0/24", 0)};
  c.remote_ts = {*ike::ParseTs("10.2.0.0/24", 0)};
  c.local = {0xc0000201, 500};
  c.remote = {0xc0000202, 500};
  return c;
}

ike::ChildSaId IdOf(const ike::ChildSa& c) {
  return {c.connection, c.child, c.unique_id, c.spi_in, c.spi_out};
}

class SaManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = driver::Driver::Open(dev_);
    ASSERT_TRUE(d);
    drv_ = std::move(*d);
    cfg_.device["c/net"].rekey_packets = 2;
    cfg_.device["c/net"].life_packets = 100;
    sam_ = std::make_unique<SaManager>(*drv_, spd_, cfg_, [](int, const std::string&) {});
  }
  // The slot the SPD sends 10.1.0.5 -> 10.2.0.5 through, or -1.
  int OutSlot() {
    auto d = spd_.Lookup({0x0a010005, 0x0a020005, 17, 1, 2});
    return d.action == PolicyAction::kProtect ? static_cast<int>(d.policy->slot) : -1;
  }
  bool Valid(uint32_t slot) { return drv_->ReadSaStats(slot).value().valid; }

  hw::model::ModelDevice dev_;
  std::unique_ptr<driver::Driver> drv_;
  Spd spd_;
  EspdConfig cfg_;
  std::unique_ptr<SaManager> sam_;
};

TEST_F(SaManagerTest, RefusesSpisWhoseBucketIsFullOrPromised) {
  const uint32_t slots = drv_->info().sa_slots;
  const uint32_t a = 0xc0000100;
  // Two more SPIs in a's bucket (kSaWays = 2 per bucket).
  std::vector<uint32_t> same;
  for (uint32_t s = a + 1; same.size() < 2; ++s) {
    if (hw::SpiBucket(s, slots) == hw::SpiBucket(a, slots)) same.push_back(s);
  }
  EXPECT_TRUE(sam_->AcceptSpiIn(a));
  EXPECT_FALSE(sam_->AcceptSpiIn(same[0])) << "bucket promised to an SPI not yet installed";
  sam_->ChildUp(MakeChild(1, a, 0x1000));
  EXPECT_TRUE(sam_->AcceptSpiIn(same[0]));
  sam_->ChildUp(MakeChild(2, same[0], 0x1001));
  EXPECT_FALSE(sam_->AcceptSpiIn(same[1])) << "both ways taken: driver kSlotCollision";
  EXPECT_EQ(sam_->install_failures(), 0u);
}

TEST_F(SaManagerTest, RekeyInitiatorSwitchesAtOnceResponderAfterDelete) {
  auto a = MakeChild(1, 0xc0000001, 0x2001);
  sam_->ChildUp(a);
  const uint32_t a_out = sam_->sas().at(1).slot_out, a_in = sam_->sas().at(1).slot_in;
  EXPECT_EQ(OutSlot(), static_cast<int>(a_out));

  // We initiated the rekey: new SA carries traffic at once; old inbound stays.
  auto b = MakeChild(2, 0xc0000002, 0x2002, /*initiator=*/true);
  sam_->ChildRekeyed(b, IdOf(a));
  EXPECT_EQ(OutSlot(), static_cast<int>(sam_->sas().at(2).slot_out));
  EXPECT_TRUE(Valid(a_in));
  sam_->ChildDown(IdOf(a), ike::DownReason::kDeleted);
  EXPECT_FALSE(Valid(a_out)) << "old outbound removed";
  EXPECT_TRUE(Valid(a_in)) << "old inbound retires after the grace period";
  ASSERT_TRUE(sam_->sas().at(1).retire_at.has_value());

  // The peer initiated the next rekey: we keep sending on B until B is deleted.
  auto c = MakeChild(3, 0xc0000003, 0x2003, /*initiator=*/false);
  sam_->ChildRekeyed(c, IdOf(b));
  EXPECT_EQ(OutSlot(), static_cast<int>(sam_->sas().at(2).slot_out));
  sam_->ChildDown(IdOf(b), ike::DownReason::kPeerDeleted);
  EXPECT_EQ(OutSlot(), static_cast<int>(sam_->sas().at(3).slot_out));

  // Teardown: everything invalidated (the device zeroizes the keys).
  std::vector<uint32_t> slots;
  for (const auto& [id, sa] : sam_->sas()) slots.insert(slots.end(), {sa.slot_in, sa.slot_out});
  sam_->RemoveAll();
  for (uint32_t s : slots) EXPECT_FALSE(Valid(s)) << "slot " << s;
  EXPECT_EQ(OutSlot(), -1);
}

TEST_F(SaManagerTest, DeviceSoftLifetimeRequestsRekeyOnce) {
  std::vector<uint32_t> rekeys;
  sam_->set_on_rekey_needed([&](uint32_t spi) { rekeys.push_back(spi); });
  auto a = MakeChild(1, 0xc0000011, 0x3001);
  sam_->ChildUp(a);
  // rekey_packets = 2: two packets through the outbound SA raise SOFT_LIFETIME.
  std::vector<uint8_t> pkt(60, 0);  // IPv4 10.1.0.5 -> 10.2.0.5, UDP, valid header checksum
  const uint8_t hdr[20] = {0x45, 0, 0, 60, 0, 1, 0, 0, 64, 17, 0, 0, 10, 1, 0, 5, 10, 2, 0, 5};
  std::copy(hdr, hdr + 20, pkt.begin());
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += pkt[i] << 8 | pkt[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  pkt[10] = static_cast<uint8_t>(~sum >> 8);
  pkt[11] = static_cast<uint8_t>(~sum);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(drv_->Post(0, hw::Opcode::kEncap, sam_->sas().at(1).slot_out, pkt, i));
  }
  drv_->Flush(0);
  ASSERT_TRUE(drv_->WaitCompletion(0, 100000));
  drv_->Reap(0, [](const driver::Completion&) {});
  EXPECT_EQ(sam_->PollDeviceEvents(), 1u);
  EXPECT_EQ(rekeys, std::vector<uint32_t>{0xc0000011});
}

TEST(SpdTest, ShuntsBeforeProtectBeforeTrapsDefaultDiscard) {
  Spd spd;
  auto ts = [](const char* t) { return std::vector<ike::TsRange>{*ike::ParseTs(t, 0)}; };
  spd.AddTrap({PolicyAction::kTrap, "c/t", ts("10.1.0.0/16"), ts("10.2.0.0/16"), 0, 0});
  spd.SetProtect({PolicyAction::kProtect, "c/net", ts("10.1.0.0/24"), ts("10.2.0.0/24"), 7, 42});
  spd.AddShunt(
      {PolicyAction::kBypass, "c/dns", ts("10.1.0.0/24"), ts("10.2.0.53/32[udp/53]"), 0, 0});
  EXPECT_EQ(spd.Lookup({0x0a010001, 0x0a020035, 17, 999, 53}).action, PolicyAction::kBypass);
  EXPECT_EQ(spd.Lookup({0x0a010001, 0x0a020035, 6, 999, 53}).action, PolicyAction::kProtect);
  EXPECT_EQ(spd.Lookup({0x0a010001, 0x0a020001, 1, 0, 0}).policy->slot, 42u);
  EXPECT_EQ(spd.Lookup({0x0a010101, 0x0a020101, 1, 0, 0}).action, PolicyAction::kTrap);
  const auto none = spd.Lookup({0x0b000001, 0x0a020001, 1, 0, 0});
  EXPECT_EQ(none.action, PolicyAction::kDiscard);
  EXPECT_EQ(none.policy, nullptr);
  spd.RemoveProtect(7);
  EXPECT_EQ(spd.Lookup({0x0a010001, 0x0a020001, 1, 0, 0}).action, PolicyAction::kTrap);
  // Inbound check: the peer's packet must come from remote_ts to local_ts.
  EXPECT_TRUE(InboundAllowed(ts("10.1.0.0/24"), ts("10.2.0.0/24"), {0x0a020001, 0x0a010001, 1}));
  EXPECT_FALSE(InboundAllowed(ts("10.1.0.0/24"), ts("10.2.0.0/24"), {0x0a030001, 0x0a010001, 1}));
}

}  // namespace
}  // namespace ipsec::host
