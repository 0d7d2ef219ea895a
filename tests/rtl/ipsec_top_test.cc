// Testbench of rtl/ipsec_top.sv and of the front-end blocks tested through it (csr_regs,
// dma_queues, esp_sa_table, esp_engine: separate Verilated models of blocks that are mostly
// registers would cost more build time than they are worth). The driver suite
// (tests/unit/driver, rtl backend) and the scoreboard (tests/system/scoreboard_test.cc) cover
// the datapath against the model; this file covers what they do not reach: SA command errors
// and BUSY, SOFT_RESET, event FIFO overflow, CYCLES latching, queue enable rules, the IRQ
// descriptor flag, descriptors with unaligned buffers (compared with the model), STATUS.IDLE
// and the utilization ports. Cycle bounds everywhere: a hang fails.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "driver/driver.h"
#include "hw/gen/ipsec_regs.h"
#include "hw/model/device_model.h"
#include "hw/util/endian.h"
#include "sim/sim_device.h"
#include "tests/models/packets.h"

namespace ipsec {
namespace {

using hw::Opcode;
using hw::Status;
using testing::Ip;
using testing::MakeIpv4;

constexpr uint64_t kBudget = 200'000;

driver::SaParams Sa(bool inbound, uint32_t spi) {
  driver::SaParams p;
  p.inbound = inbound;
  p.spi = spi;
  p.key = util::SecretBytes(16);
  for (size_t i = 0; i < 16; ++i) p.key[i] = static_cast<uint8_t>(i * 7 + spi);
  p.tunnel = true;
  p.tun_src = Ip(192, 0, 2, 1);
  p.tun_dst = Ip(192, 0, 2, 2);
  return p;
}

class IpsecTopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = driver::Driver::Open(dev_, {.queues = 2, .ring_log2 = 4});
    ASSERT_TRUE(d) << d.error().message;
    drv_ = std::move(*d);
  }
  uint32_t SaCmd(uint32_t slot, uint32_t op) {
    dev_.Write32(hw::kSaSlotOffset, slot);
    dev_.Write32(hw::kSaCmdOffset, op);
    uint32_t st = 0;
    EXPECT_TRUE(dev_.RunUntil(
        [&] { return ((st = dev_.Read32(hw::kSaStatusOffset)) & hw::kSaStatusBusyMask) == 0; },
        kBudget));
    return st >> hw::kSaStatusErrShift & hw::kSaStatusErrMask;
  }
  sim::SimDevice dev_;
  std::unique_ptr<driver::Driver> drv_;
  std::mt19937 rng_{99};
};

TEST_F(IpsecTopTest, SaCommandErrorsAndBusy) {
  EXPECT_EQ(SaCmd(0, 0), static_cast<uint32_t>(hw::SaError::kNone));
  EXPECT_EQ(SaCmd(drv_->info().sa_slots, 1), static_cast<uint32_t>(hw::SaError::kBadSlot));
  EXPECT_EQ(SaCmd(3, 5), static_cast<uint32_t>(hw::SaError::kBadCmd));
  dev_.Write32(hw::kSaWindowOffset, hw::kMaxWindow + 1);
  EXPECT_EQ(SaCmd(3, 1), static_cast<uint32_t>(hw::SaError::kBadWindow));
  dev_.Write32(hw::kSaWindowOffset, 0);
  dev_.Write32(hw::kSaCtrlOffset, 3u << hw::kSaCtrlIcvShift);
  EXPECT_EQ(SaCmd(3, 1), static_cast<uint32_t>(hw::SaError::kBadIcv));
  // A WRITE takes clocks (key install into the lanes): BUSY is seen right after SA_CMD.
  dev_.Write32(hw::kSaCtrlOffset, 0);
  dev_.Write32(hw::kSaSlotOffset, 3);
  dev_.Write32(hw::kSaCmdOffset, 1);
  EXPECT_EQ(dev_.Read32(hw::kSaStatusOffset) & hw::kSaStatusBusyMask, 1u);
  EXPECT_TRUE(dev_.RunUntil([&] { return (dev_.Read32(hw::kSaStatusOffset) & 1) == 0; }, 1000));
  EXPECT_EQ(dev_.Read32(hw::kStatusOffset), 3u) << "READY and IDLE once the command is done";
}

TEST_F(IpsecTopTest, SoftResetInvalidatesEverythingAndZeroizes) {
  auto slot = drv_->InstallSa(Sa(false, 0x100));
  ASSERT_TRUE(slot);
  dev_.Write32(hw::kIrqMaskOffset, 0x1ff);
  dev_.Write32(hw::kCtrlOffset, 1u << hw::kCtrlSoftResetShift);
  EXPECT_EQ(dev_.Read32(hw::kCtrlOffset), 0u);
  EXPECT_EQ(dev_.Read32(hw::kIrqMaskOffset), 0u);
  EXPECT_EQ(dev_.Read32(hw::QCtrlOffset(0)), 0u);
  // The sweep over every slot runs with BUSY set, then the slot reads empty.
  EXPECT_EQ(dev_.Read32(hw::kSaStatusOffset) & 1, 1u);
  EXPECT_EQ(SaCmd(*slot, 3), 0u);
  EXPECT_EQ(dev_.Read32(hw::kSaStatFlagsOffset), 0u);
  EXPECT_EQ(dev_.Read32(hw::kSaStatSeqOffset), 1u);
}

TEST_F(IpsecTopTest, EventFifoOverflowSetsLost) {
  // 70 SAs with a soft limit of one packet: 70 SOFT_LIFETIME events into a 64-entry FIFO.
  auto pkt = MakeIpv4(Ip(10, 0, 0, 1), Ip(10, 0, 0, 2), 17, 40, rng_);
  for (uint32_t i = 0; i < 70; ++i) {
    auto p = Sa(false, 0x200 + i);
    p.soft_pkts = 1;
    auto slot = drv_->InstallSa(p);
    ASSERT_TRUE(slot);
    ASSERT_TRUE(drv_->Post(0, Opcode::kEncap, *slot, pkt, i));
    drv_->Flush(0);
    ASSERT_TRUE(drv_->WaitCompletion(0, kBudget));
    drv_->Reap(0, [](const driver::Completion& c) { EXPECT_EQ(c.status, Status::kOk); });
  }
  uint32_t n = 0;
  bool lost = false;
  for (;;) {
    const uint32_t v = dev_.Read32(hw::kEventOffset);
    lost |= (v >> hw::kEventLostShift & 1) != 0;
    if ((v >> hw::kEventTypeShift & hw::kEventTypeMask) == 0) break;
    EXPECT_EQ(v >> hw::kEventTypeShift & hw::kEventTypeMask,
              static_cast<uint32_t>(hw::Event::kSoftLifetime));
    ++n;
  }
  EXPECT_EQ(n, 64u);
  EXPECT_TRUE(lost);
  EXPECT_EQ(dev_.Read32(hw::kEventOffset), 0u) << "LOST is cleared by the read that returned it";
}

TEST_F(IpsecTopTest, CyclesHighWordIsLatchedByTheLowRead) {
  const uint32_t lo1 = dev_.Read32(hw::kCyclesLoOffset);
  const uint32_t hi1 = dev_.Read32(hw::kCyclesHiOffset);
  dev_.Advance(1000);
  const uint32_t lo2 = dev_.Read32(hw::kCyclesLoOffset);
  EXPECT_EQ(hi1, 0u);
  EXPECT_GE(lo2 - lo1, 1000u);
  EXPECT_LE(lo2 - lo1, 1010u);
  EXPECT_EQ(dev_.perf().cycles >> 32, dev_.Read32(hw::kCyclesHiOffset));
}

TEST_F(IpsecTopTest, QueueEnableRules) {
  const uint32_t q = 1;
  dev_.Write32(hw::QCtrlOffset(q), 0);  // disabled: doorbells are ignored
  dev_.Write32(hw::QSqTailOffset(q), 3);
  EXPECT_EQ(dev_.Read32(hw::QSqTailOffset(q)), 0u);
  for (uint32_t log2 : {0u, 13u}) {  // outside 1..MAX_RING_LOG2: not enabled
    dev_.Write32(hw::QCtrlOffset(q), 1u | log2 << hw::kQCtrlSizeLog2Shift);
    dev_.Write32(hw::QSqTailOffset(q), 1);
    EXPECT_EQ(dev_.Read32(hw::QSqTailOffset(q)), 0u) << log2;
  }
  dev_.Write32(hw::QCtrlOffset(q), 1u | 2u << hw::kQCtrlSizeLog2Shift);
  dev_.Write32(hw::QCqHeadOffset(q), 7);  // masked to the ring size
  EXPECT_EQ(dev_.Read32(hw::QCqHeadOffset(q)), 3u);
}

TEST_F(IpsecTopTest, IrqFlagBypassesCoalescing) {
  dev_.Write32(hw::kIrqCoalOffset, 8);  // 8 completions per interrupt
  dev_.Write32(hw::kIrqMaskOffset, 1);
  auto slot = drv_->InstallSa(Sa(false, 0x300));
  auto pkt = MakeIpv4(Ip(10, 0, 0, 1), Ip(10, 0, 0, 2), 17, 64, rng_);
  ASSERT_TRUE(drv_->Post(0, Opcode::kEncap, *slot, pkt, 1));
  drv_->Flush(0);
  ASSERT_TRUE(drv_->WaitCompletion(0, kBudget));
  dev_.Advance(100);
  EXPECT_FALSE(dev_.IrqAsserted(0));
  ASSERT_TRUE(drv_->Post(0, Opcode::kEncap, *slot, pkt, 2, hw::kSqDescFlagsIrq));
  drv_->Flush(0);
  EXPECT_TRUE(dev_.WaitIrq(0, kBudget));
}

// Descriptors written by hand with buffers at every 16-byte misalignment: the output must equal
// the model's for the same descriptors (exercises dma_master's realignment inside the device).
TEST_F(IpsecTopTest, UnalignedBuffersMatchTheModel) {
  hw::model::ModelDevice model;
  auto mdrv = driver::Driver::Open(model, {.queues = 2, .ring_log2 = 4});
  ASSERT_TRUE(mdrv);
  auto ms = (*mdrv)->InstallSa(Sa(false, 0x400));
  auto rs = drv_->InstallSa(Sa(false, 0x400));
  ASSERT_TRUE(ms && rs);
  ASSERT_EQ(*ms, *rs);
  for (uint32_t off = 0; off < 16; ++off) {
    const size_t len = 20 + rng_() % 700;
    auto pkt = MakeIpv4(Ip(10, 0, 0, 1), Ip(10, 0, 0, 2), 17, len, rng_);
    std::vector<uint8_t> outs[2];
    hw::Device* devs[2] = {&model, &dev_};
    for (int k = 0; k < 2; ++k) {
      hw::Device& d = *devs[k];
      hw::DmaBuffer sq = d.AllocDma(2 * sizeof(hw::SqDesc));
      hw::DmaBuffer cq = d.AllocDma(2 * sizeof(hw::CqEntry));
      hw::DmaBuffer in = d.AllocDma(len + 32);
      hw::DmaBuffer out = d.AllocDma(len + 200);
      std::memcpy(in.data() + off, pkt.data(), len);
      hw::SqDesc desc{};
      desc.opcode = static_cast<uint8_t>(Opcode::kEncap);
      desc.sa = static_cast<uint16_t>(*rs);
      desc.cookie = off;
      desc.in_addr = in.bus() + off;
      desc.out_addr = out.bus() + 15 - off;
      desc.in_len = static_cast<uint16_t>(len);
      desc.out_cap = static_cast<uint16_t>(len + 150);
      std::memcpy(sq.data(), &desc, sizeof(desc));
      const uint32_t q = 1;
      d.Write32(hw::QCtrlOffset(q), 0);
      d.Write32(hw::QSqBaseLoOffset(q), static_cast<uint32_t>(sq.bus()));
      d.Write32(hw::QSqBaseHiOffset(q), static_cast<uint32_t>(sq.bus() >> 32));
      d.Write32(hw::QCqBaseLoOffset(q), static_cast<uint32_t>(cq.bus()));
      d.Write32(hw::QCqBaseHiOffset(q), static_cast<uint32_t>(cq.bus() >> 32));
      d.Write32(hw::QCtrlOffset(q), 1u | 1u << hw::kQCtrlSizeLog2Shift);
      d.Write32(hw::QSqTailOffset(q), 1);
      ASSERT_TRUE(d.RunUntil([&] { return (cq.data()[7] & hw::kCqEntryFlagsPhase) != 0; }, kBudget))
          << d.backend_name() << " offset " << off;
      hw::CqEntry c;
      std::memcpy(&c, cq.data(), sizeof(c));
      ASSERT_EQ(c.status, 0) << d.backend_name();
      EXPECT_EQ(c.cookie, off);
      outs[k].assign(out.data(), out.data() + out.size());
      d.Write32(hw::QCtrlOffset(q), 0);
    }
    EXPECT_EQ(outs[1], outs[0]) << "offset " << off << ": output or bytes around it differ";
  }
  // IDLE once the last write response is in (the host may see the entry a few clocks before).
  EXPECT_TRUE(dev_.RunUntil([&] { return dev_.Read32(hw::kStatusOffset) == 3u; }, 100));
  const sim::SimPerf p = dev_.perf();
  EXPECT_GT(p.engine_busy, 0u);
  EXPECT_GT(p.lane_busy, 0u);
  EXPECT_GT(p.dma_read_busy, 0u);
  EXPECT_GT(p.dma_write_busy, 0u);
  EXPECT_EQ(p.packets, 16u);
  EXPECT_LE(p.engine_busy, p.cycles);
}

}  // namespace
}  // namespace ipsec
