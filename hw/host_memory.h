// Host memory that a simulated device reaches by DMA: allocations with bus addresses.
// The driver owns DmaBuffers (move-only, freed on destruction); the device side reads and writes
// through Read/Write by bus address and gets false for an address no live buffer covers,
// which the device turns into DMA_ERROR. Both backends (model and Verilator harness) use it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

namespace ipsec::hw {

class HostMemory;

class DmaBuffer {
 public:
  DmaBuffer() = default;
  DmaBuffer(const DmaBuffer&) = delete;
  DmaBuffer& operator=(const DmaBuffer&) = delete;
  DmaBuffer(DmaBuffer&& o) noexcept { *this = std::move(o); }
  DmaBuffer& operator=(DmaBuffer&& o) noexcept;
  ~DmaBuffer() { Reset(); }

  uint64_t bus() const { return bus_; }
  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<uint8_t> span() const { return {data_, size_}; }
  explicit operator bool() const { return data_ != nullptr; }
  void Reset();

 private:
  friend class HostMemory;
  HostMemory* mem_ = nullptr;
  uint64_t bus_ = 0;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

class HostMemory {
 public:
  // Bus addresses start here so that 0 and small values are never valid (a bad descriptor
  // pointing at 0 gets a DMA error, as it would on a real IOMMU).
  static constexpr uint64_t kBusBase = 0x1'0000'0000ull;

  HostMemory() = default;
  HostMemory(const HostMemory&) = delete;
  HostMemory& operator=(const HostMemory&) = delete;

  // Zero-filled, 64-byte aligned in bus space.
  DmaBuffer Alloc(size_t bytes);

  // Device-side access. False if [addr, addr+len) is not inside one live allocation.
  bool Read(uint64_t addr, std::span<uint8_t> out) const;
  // Device-side read as a bus of beat_bytes-byte beats sees it (the Verilator harness's AXI
  // slave, sim/models/axi_mem.h, with AxiTiming::beat_bytes the same; 16 for the 128-bit bus
  // of ipsec_top; a power of two): the read takes the beats from addr's beat to
  // (addr+len-1)'s, and a beat is good when its first byte (addr for the first beat, else the
  // beat-aligned beat address) lies in a live allocation. So the read fails if any of those
  // beats starts outside the allocation holding addr; bytes past its end, in the last beat,
  // read as 0. A read can overrun its buffer by up to beat_bytes - 1 bytes without an error: AXI
  // reads have no byte strobes, and a real IOMMU would not see it either. The functional model
  // reads by this rule so that it and the RTL agree on DMA_ERROR (Read's exact rule is for the
  // host side and for writes, whose byte strobes the bus checks byte by byte). One case
  // differs: the RTL's master puts the aligned beat address on ARADDR, so a read that starts
  // past the end of a buffer but inside the beat holding its last byte is OKAY on the bus
  // (zeros) and false here (rtl/doc/dma_master.md, Bus).
  bool ReadBeats(uint64_t addr, std::span<uint8_t> out, uint32_t beat_bytes = 16) const;
  bool Write(uint64_t addr, std::span<const uint8_t> in);
  // Direct pointer for a range inside one allocation, or nullptr.
  uint8_t* Translate(uint64_t addr, size_t len) const;
  // The bytes from addr to the end of the allocation holding it (empty if none holds it).
  std::span<uint8_t> Tail(uint64_t addr) const;

  size_t live_allocations() const { return regions_.size(); }

 private:
  friend class DmaBuffer;
  void Free(uint64_t bus);

  struct Region {
    std::unique_ptr<uint8_t[]> bytes;
    size_t size;
  };
  std::map<uint64_t, Region> regions_;  // by bus address
  uint64_t next_bus_ = kBusBase;
};

}  // namespace ipsec::hw
