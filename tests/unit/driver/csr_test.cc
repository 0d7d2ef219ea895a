// Generic CSR test over hw/gen/csr_table.inc (generated from hw/regmap.toml): reset values,
// read-write masks, write-only registers reading 0, read-only registers ignoring writes.
// Runs on every backend, so the RTL's hand-written decoder is held to the same map.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hw/gen/ipsec_regs.h"
#include "tests/unit/driver/backends.h"

namespace ipsec::hw {
namespace {

struct Csr {
  std::string name;
  uint32_t offset, reset;
  int access;
  uint32_t mask;
};

const std::vector<Csr>& AllCsrs() {
  static const std::vector<Csr> v = {
#define IPSEC_CSR(name, offset, reset, access, mask) {#name, offset, reset, access, mask},
#include "hw/gen/csr_table.inc"
#undef IPSEC_CSR
  };
  return v;
}

enum Access { kRo = 0, kRw = 1, kWo = 2, kRw1c = 3, kRc = 4, kWc = 5 };

// Registers whose reset value is a build parameter or live state, not the map's default.
bool IsLive(const Csr& c) {
  return c.offset == kCapLanesOffset || c.offset == kCapQueuesOffset ||
         c.offset == kCapSaSlotsOffset || c.offset == kCapMaxWindowOffset ||
         c.offset == kCyclesLoOffset || c.offset == kCyclesHiOffset;
}

// Queue blocks beyond CAP_QUEUES are not implemented and read 0.
bool InUnimplementedQueue(const Csr& c, uint32_t queues) {
  return c.offset >= kQueueBase && (c.offset - kQueueBase) / kQueueStride >= queues;
}

class CsrTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    dev_ = GetParam().make();
    queues_ = dev_->Read32(kCapQueuesOffset);
  }
  std::unique_ptr<Device> dev_;
  uint32_t queues_ = 0;
};

TEST_P(CsrTest, ResetValues) {
  EXPECT_EQ(dev_->Read32(kIdOffset), kDeviceId);
  EXPECT_EQ(dev_->Read32(kVersionOffset), kVersion);
  int checked = 0;
  for (const Csr& c : AllCsrs()) {
    if (IsLive(c) || c.access == kRc || InUnimplementedQueue(c, queues_)) continue;
    const uint32_t want = (c.access == kWo || c.access == kWc) ? 0 : c.reset;
    EXPECT_EQ(dev_->Read32(c.offset), want) << c.name;
    ++checked;
  }
  EXPECT_GT(checked, 60);
}

TEST_P(CsrTest, ReadWriteMasksAndWriteOnly) {
  for (const Csr& c : AllCsrs()) {
    // CTRL starts the device and queue registers have side effects; they get their own tests.
    if (c.access != kRw || c.offset == kCtrlOffset || c.offset == kSaSlotOffset ||
        c.offset >= kQueueBase) {
      continue;
    }
    for (uint32_t pattern : {0xffffffffu, 0xa5a5a5a5u, 0u}) {
      dev_->Write32(c.offset, pattern);
      EXPECT_EQ(dev_->Read32(c.offset), pattern & c.mask) << c.name;
    }
  }
  for (const Csr& c : AllCsrs()) {
    if (c.access != kWo) continue;
    dev_->Write32(c.offset, 0x12345678);
    EXPECT_EQ(dev_->Read32(c.offset), 0u) << c.name << " is write-only";
  }
}

TEST_P(CsrTest, ReadOnlyIgnoresWrites) {
  for (const Csr& c : AllCsrs()) {
    if (c.access != kRo || IsLive(c) || c.offset == kStatusOffset ||
        InUnimplementedQueue(c, queues_)) {
      continue;
    }
    const uint32_t before = dev_->Read32(c.offset);
    dev_->Write32(c.offset, ~before);
    EXPECT_EQ(dev_->Read32(c.offset), before) << c.name;
  }
}

TEST_P(CsrTest, QueueRegistersHoldTheirValues) {
  for (uint32_t q = 0; q < queues_; ++q) {
    dev_->Write32(QSqBaseLoOffset(q), 0x1000 + q);
    dev_->Write32(QCqBaseHiOffset(q), 0x20 + q);
    EXPECT_EQ(dev_->Read32(QSqBaseLoOffset(q)), 0x1000 + q);
    EXPECT_EQ(dev_->Read32(QCqBaseHiOffset(q)), 0x20 + q);
  }
  EXPECT_EQ(dev_->Read32(0x1ffc), 0u) << "unmapped offsets read 0";
}

INSTANTIATE_TEST_SUITE_P(Backends, CsrTest, ::testing::ValuesIn(testing::AllBackends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ipsec::hw
