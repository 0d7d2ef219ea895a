// SimDevice: hw::Device over the Verilated ipsec_top (the "rtl" backend). It clocks the RTL,
// turns Read32/Write32 into transactions on the CSR port, serves the DMA master from
// hw::HostMemory through sim/models/axi_mem (latency, bandwidth, fault injection), reads the
// interrupt lines and the utilization counters from the top's ports. Nothing here does the
// RTL's work: the harness only drives and samples ports.
//
// Environment (read by SimConfig::FromEnv, used by the default constructor):
//   IPSEC_SIM_READ_LATENCY   host read latency in clocks (default 16)
//   IPSEC_SIM_WRITE_LATENCY  clocks from the last W beat to B (default 4)
//   IPSEC_SIM_BYTES_PER_CYCLE host bandwidth in bytes per clock, 1..128 (default: a bus beat)
//   IPSEC_SIM_HOST_READS     read bursts the host takes outstanding (default 512)
//   IPSEC_SIM_LANES          which Verilated configuration: its number of lanes (default: the
//                            build's IPSEC_TOP_LANES; others exist when the build was configured
//                            with IPSEC_EXTRA_LANES, as make bench's is)
//   IPSEC_TRACE=1            write an FST waveform ipsec_top.fst (IPSEC_TRACE_DIR, default .)
//   IPSEC_TRACE_FROM / IPSEC_TRACE_TO  only clocks in [FROM, TO) go into the trace
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "hw/device.h"
#include "hw/host_memory.h"
#include "sim/models/axi_mem.h"

namespace ipsec::sim {

struct SimConfig {
  // The host takes 512 read bursts outstanding (a PCIe root with 10-bit tags; the 4-lane
  // device keeps up to 512 in flight to hide 500 clocks of read latency, the 1-lane one 128).
  AxiTiming axi{.max_outstanding = 512};
  uint32_t lanes = 0;  // 0: the default configuration
  static SimConfig FromEnv();
};

// Utilization, from the top's perf_* ports: clocks each block was busy since reset.
struct SimPerf {
  uint64_t cycles = 0;
  uint64_t engine_busy = 0, lane_busy = 0, dma_read_busy = 0, dma_write_busy = 0;
  uint64_t packets = 0;
};

class SimTop;
struct SimTopEntry;

class SimDevice final : public hw::Device {
 public:
  // The lane counts this build Verilated, the default first. Constructing a SimDevice with
  // lanes not in this list throws std::invalid_argument.
  static std::vector<uint32_t> BuiltLanes();

  explicit SimDevice(SimConfig cfg = SimConfig::FromEnv());
  ~SimDevice() override;
  SimDevice(const SimDevice&) = delete;
  SimDevice& operator=(const SimDevice&) = delete;

  uint32_t Read32(uint32_t offset) override;
  void Write32(uint32_t offset, uint32_t value) override;
  hw::HostMemory& memory() override { return memory_; }
  bool IrqAsserted(unsigned vector) override;
  void Advance(uint64_t cycles) override;
  bool RunUntil(const std::function<bool()>& pred, uint64_t max_cycles) override;
  uint64_t cycles() const override;
  std::string_view backend_name() const override { return "rtl"; }

  // Host memory timing and fault injection (takes effect for bursts issued from now on).
  AxiMemory& axi() { return *axi_; }
  SimPerf perf();

 private:
  SimDevice(const SimConfig& cfg, const SimTopEntry& top);  // top: the configuration's entry

  hw::HostMemory memory_;
  std::unique_ptr<AxiMemory> axi_;
  std::unique_ptr<SimTop> top_;
};

}  // namespace ipsec::sim
