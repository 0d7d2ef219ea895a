// The Device interface: the seam between the driver and everything below it (DESIGN.md).
// Backends: hw/model (functional model) and sim/ (Verilator over rtl/). The driver sees only this.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "hw/host_memory.h"

namespace ipsec::hw {

class Device {
 public:
  virtual ~Device() = default;

  // BAR0 MMIO, 32-bit, offsets from hw/gen/ipsec_regs.h.
  virtual uint32_t Read32(uint32_t offset) = 0;
  virtual void Write32(uint32_t offset, uint32_t value) = 0;

  // Host memory the device reaches by DMA at DmaBuffer::bus().
  virtual HostMemory& memory() = 0;
  DmaBuffer AllocDma(size_t bytes) { return memory().Alloc(bytes); }

  // Interrupt vector v (hw/regmap.toml IRQ_STATUS: queue q is vector q, events are vector 8)
  // is asserted: IRQ_STATUS & IRQ_MASK has its bit set.
  virtual bool IrqAsserted(unsigned vector) = 0;

  // Simulated time. Advance lets the device run `cycles` clocks (a no-op on real hardware).
  // RunUntil advances until pred() holds or max_cycles pass; returns pred()'s last value.
  virtual void Advance(uint64_t cycles) = 0;
  virtual bool RunUntil(const std::function<bool()>& pred, uint64_t max_cycles) = 0;
  virtual uint64_t cycles() const = 0;

  // Waits for interrupt vector v, up to max_cycles. True if it asserted.
  bool WaitIrq(unsigned vector, uint64_t max_cycles) {
    return RunUntil([&] { return IrqAsserted(vector); }, max_cycles);
  }

  virtual std::string_view backend_name() const = 0;
};

}  // namespace ipsec::hw
