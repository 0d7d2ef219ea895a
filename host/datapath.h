// Runs batches of packets through the device (driver queue 0): post every packet of the batch,
// one doorbell, wait for the completions (bounded in device cycles so a hung device is an error,
// not a hang) and hand each completion to the caller in submission order. Works the same on the
// untimed model and the cycle-accurate RTL; device cycles spent are summed for the summary.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "driver/driver.h"

namespace ipsec::host {

struct DatapathPacket {
  uint32_t slot = 0;  // encap: the outbound SA's slot; decap: ignored (the device uses the SPI)
  std::span<const uint8_t> bytes;
};

class Datapath {
 public:
  explicit Datapath(driver::Driver& drv) : drv_(drv) {}

  // done(i, completion) for packet i. Packets larger than a DMA buffer complete as MALFORMED
  // without reaching the device. Errors: a device that does not complete within the budget.
  driver::Status Run(hw::Opcode op, std::span<const DatapathPacket> pkts,
                     const std::function<void(size_t, const driver::Completion&)>& done);

  uint64_t device_cycles() const { return cycles_; }
  uint64_t packets() const { return packets_; }
  uint64_t bytes() const { return bytes_; }

 private:
  driver::Driver& drv_;
  uint64_t cycles_ = 0, packets_ = 0, bytes_ = 0;
};

}  // namespace ipsec::host
