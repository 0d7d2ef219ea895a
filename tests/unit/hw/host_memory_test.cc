// HostMemory: the exact host-side rule (Read/Write) and the device's 16-byte-beat read rule
// (ReadBeats), which the functional model uses so that it agrees with the RTL's AXI bus
// (sim/models/axi_mem.h) on which reads are DMA errors.
#include "hw/host_memory.h"

#include <gtest/gtest.h>

#include <vector>

namespace ipsec::hw {
namespace {

TEST(HostMemory, ReadIsExact) {
  HostMemory mem;
  DmaBuffer b = mem.Alloc(100);
  std::vector<uint8_t> out(100);
  EXPECT_TRUE(mem.Read(b.bus(), out));
  EXPECT_FALSE(mem.Read(b.bus() + 1, out));
  EXPECT_FALSE(mem.Read(b.bus() - 1, std::span<uint8_t>(out).first(1)));
}

// A 100-byte buffer at a 4 KiB bus address: beats start at 0, 16, .., 96; bytes 100..111 of the
// beat at 96 lie past the end, the beat at 112 starts past it.
TEST(HostMemory, ReadBeatsChecksTheFirstByteOfEveryBeat) {
  HostMemory mem;
  DmaBuffer b = mem.Alloc(100);
  ASSERT_EQ(b.bus() % 16, 0u);
  for (size_t i = 0; i < 100; ++i) b.data()[i] = static_cast<uint8_t>(i + 1);
  std::vector<uint8_t> out(112, 0xee);
  // Whole buffer, and up to the end of the beat at 96: good, the overrun reads as 0.
  ASSERT_TRUE(mem.ReadBeats(b.bus(), out));
  for (size_t i = 0; i < 112; ++i) EXPECT_EQ(out[i], i < 100 ? i + 1 : 0) << i;
  // One byte into the next beat: bad.
  out.assign(113, 0);
  EXPECT_FALSE(mem.ReadBeats(b.bus(), out));
  // Unaligned start: the first beat starts at addr.
  out.assign(12, 0);
  EXPECT_TRUE(mem.ReadBeats(b.bus() + 99, std::span<uint8_t>(out).first(12)));
  EXPECT_EQ(out[0], 100);
  EXPECT_EQ(out[1], 0);
  EXPECT_TRUE(mem.ReadBeats(b.bus() + 97, std::span<uint8_t>(out).first(10)));
  // A read starting past the end, or before the buffer, is bad even if it is short.
  EXPECT_FALSE(mem.ReadBeats(b.bus() + 100, std::span<uint8_t>(out).first(1)));
  EXPECT_FALSE(mem.ReadBeats(b.bus() - 1, std::span<uint8_t>(out).first(2)));
  // Where Read is good, ReadBeats is good with the same bytes.
  std::vector<uint8_t> a(37), c(37);
  ASSERT_TRUE(mem.Read(b.bus() + 63, a));
  ASSERT_TRUE(mem.ReadBeats(b.bus() + 63, c));
  EXPECT_EQ(a, c);
  // A freed buffer is gone.
  const uint64_t bus = b.bus();
  b.Reset();
  EXPECT_FALSE(mem.ReadBeats(bus, std::span<uint8_t>(out).first(1)));
}

}  // namespace
}  // namespace ipsec::hw
