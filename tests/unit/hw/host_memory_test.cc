// HostMemory: the exact host-side rule (Read/Write) and the device's beat read rule (ReadBeats:
// 16-byte beats by default, or a wider bus's beat size), which the functional model uses so that
// it agrees with the RTL's AXI bus (sim/models/axi_mem.h) on which reads are DMA errors.
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

// The same 100-byte buffer on wider buses (beat_bytes 32, 64, 128: sim/models/axi_mem.h with
// AxiTiming::beat_bytes): the last good beat is the one holding byte 99, so the overrun allowed
// grows with the beat; the default is the 16-byte beat.
TEST(HostMemory, ReadBeatsFollowsTheBeatSize) {
  HostMemory mem;
  DmaBuffer b = mem.Alloc(100);
  ASSERT_EQ(b.bus() % 128, 0u);
  for (size_t i = 0; i < 100; ++i) b.data()[i] = static_cast<uint8_t>(i + 1);
  // Bytes good from the start: up to the end of the beat holding byte 99.
  for (uint32_t beat : {16u, 32u, 64u, 128u}) {
    const size_t end = (99 / beat + 1) * beat;
    std::vector<uint8_t> out(end, 0xee);
    ASSERT_TRUE(mem.ReadBeats(b.bus(), out, beat)) << beat;
    for (size_t i = 0; i < end; ++i) ASSERT_EQ(out[i], i < 100 ? i + 1 : 0) << beat << " " << i;
    out.assign(end + 1, 0);
    EXPECT_FALSE(mem.ReadBeats(b.bus(), out, beat)) << beat;
  }
  // An unaligned read ending at byte 127: its last beat starts at 112 (bad) with 16-byte beats,
  // at 96 with 32, at 64 with 64, at 0 with 128.
  std::vector<uint8_t> out(58);
  EXPECT_FALSE(mem.ReadBeats(b.bus() + 70, out, 16));
  EXPECT_TRUE(mem.ReadBeats(b.bus() + 70, out, 32));
  EXPECT_TRUE(mem.ReadBeats(b.bus() + 70, out, 64));
  EXPECT_TRUE(mem.ReadBeats(b.bus() + 70, out, 128));
  EXPECT_EQ(out[29], 100);
  EXPECT_EQ(out[30], 0);
  // The default beat is 16 bytes.
  std::vector<uint8_t> a(112), c(113);
  EXPECT_TRUE(mem.ReadBeats(b.bus(), a));
  EXPECT_FALSE(mem.ReadBeats(b.bus(), c));
  EXPECT_TRUE(mem.ReadBeats(b.bus(), c, 32));
  // Whatever the beat, a read starting past the end or before the buffer is bad.
  for (uint32_t beat : {16u, 32u, 64u, 128u}) {
    EXPECT_FALSE(mem.ReadBeats(b.bus() + 100, std::span<uint8_t>(out).first(1), beat)) << beat;
    EXPECT_FALSE(mem.ReadBeats(b.bus() - 1, std::span<uint8_t>(out).first(2), beat)) << beat;
  }
}

}  // namespace
}  // namespace ipsec::hw
