// Register-access trace for bring-up: a hw::Device that forwards every call to another device
// and reports each MMIO access as one line, with the register's name from the generated map
// (hw/gen/csr_table.inc):
//
//   ipsec::driver::TracingDevice traced(dev, [](std::string_view l) { std::cerr << l << '\n'; });
//   auto drv = ipsec::driver::Driver::Open(traced);
//
// Line format: "<cycle> W <NAME> 0x<offset> 0x<value>" or "<cycle> R <NAME> 0x<offset> ->
// 0x<value>". Key material is never written out: values of SA_KEY_* and SA_SALT show as "<secret>".
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "hw/device.h"

namespace ipsec::driver {

// The register at `offset` as named in hw/regmap.toml ("Q_SQ_TAIL_1", "STAT_STATUS_5"), or
// "UNMAPPED".
std::string_view RegisterName(uint32_t offset);

class TracingDevice final : public hw::Device {
 public:
  using Sink = std::function<void(std::string_view line)>;
  TracingDevice(hw::Device& inner, Sink sink) : inner_(inner), sink_(std::move(sink)) {}

  uint32_t Read32(uint32_t offset) override;
  void Write32(uint32_t offset, uint32_t value) override;
  hw::HostMemory& memory() override { return inner_.memory(); }
  bool IrqAsserted(unsigned vector) override { return inner_.IrqAsserted(vector); }
  void Advance(uint64_t cycles) override { inner_.Advance(cycles); }
  bool RunUntil(const std::function<bool()>& pred, uint64_t max_cycles) override {
    return inner_.RunUntil(pred, max_cycles);
  }
  uint64_t cycles() const override { return inner_.cycles(); }
  std::string_view backend_name() const override { return inner_.backend_name(); }

  uint64_t accesses() const { return accesses_; }

 private:
  void Emit(char dir, uint32_t offset, uint32_t value);

  hw::Device& inner_;
  Sink sink_;
  uint64_t accesses_ = 0;
};

}  // namespace ipsec::driver
