#include "sim/sim_device.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "Vipsec_top.h"
#include "sim/harness/tb.h"

namespace ipsec::sim {
namespace {

constexpr uint32_t kCsrBytes = 0x2000;
constexpr unsigned kIrqVectors = 9;
constexpr uint64_t kPollStep = 4;  // RunUntil checks its predicate every kPollStep clocks

uint32_t EnvU32(const char* name, uint32_t def) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return def;
  return static_cast<uint32_t>(std::strtoul(v, nullptr, 0));
}

}  // namespace

SimConfig SimConfig::FromEnv() {
  SimConfig c;
  c.axi.read_latency = EnvU32("IPSEC_SIM_READ_LATENCY", c.axi.read_latency);
  c.axi.bytes_per_cycle =
      std::clamp<uint32_t>(EnvU32("IPSEC_SIM_BYTES_PER_CYCLE", c.axi.bytes_per_cycle), 1, 16);
  return c;
}

struct SimDevice::Impl {
  Tb<Vipsec_top> tb{"ipsec_top"};
};

SimDevice::SimDevice(SimConfig cfg)
    : axi_(std::make_unique<AxiMemory>(memory_, cfg.axi)), impl_(std::make_unique<Impl>()) {
  auto& m = impl_->tb.model();
  m.csr_valid_i = 0;
  m.csr_write_i = 0;
  m.csr_addr_i = 0;
  m.csr_wdata_i = 0;
  impl_->tb.Reset(4);
}

SimDevice::~SimDevice() = default;

// One clock: the AXI slave's outputs go in, the master's outputs are sampled, the edge happens,
// then the slave sees the handshakes of that edge.
void SimDevice::Tick() {
  auto& m = impl_->tb.model();
  DriveAxiSlave(m, axi_->out());
  impl_->tb.Eval();
  const AxiMasterPins p = SampleAxiMaster(m);
  impl_->tb.Tick();
  axi_->Clock(p);
}

uint32_t SimDevice::Read32(uint32_t offset) {
  if (offset % 4 != 0 || offset >= kCsrBytes) return 0;
  auto& m = impl_->tb.model();
  m.csr_valid_i = 1;
  m.csr_write_i = 0;
  m.csr_addr_i = offset;
  Tick();
  m.csr_valid_i = 0;
  return m.csr_rdata_o;
}

void SimDevice::Write32(uint32_t offset, uint32_t value) {
  if (offset % 4 != 0 || offset >= kCsrBytes) return;
  auto& m = impl_->tb.model();
  m.csr_valid_i = 1;
  m.csr_write_i = 1;
  m.csr_addr_i = offset;
  m.csr_wdata_i = value;
  Tick();
  m.csr_valid_i = 0;
  m.csr_write_i = 0;
}

bool SimDevice::IrqAsserted(unsigned vector) {
  return vector < kIrqVectors && (impl_->tb.model().irq_o >> vector & 1) != 0;
}

void SimDevice::Advance(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) Tick();
}

bool SimDevice::RunUntil(const std::function<bool()>& pred, uint64_t max_cycles) {
  for (uint64_t waited = 0; !pred(); waited += kPollStep) {
    if (waited >= max_cycles) return false;
    Advance(std::min(kPollStep, max_cycles - waited));
  }
  return true;
}

uint64_t SimDevice::cycles() const { return impl_->tb.cycles(); }

SimPerf SimDevice::perf() {
  auto& m = impl_->tb.model();
  SimPerf p;
  p.cycles = m.perf_cycles_o;
  p.engine_busy = m.perf_engine_busy_o;
  p.lane_busy = m.perf_lane_busy_o;
  p.dma_read_busy = m.perf_rd_busy_o;
  p.dma_write_busy = m.perf_wr_busy_o;
  p.packets = m.perf_pkts_o;
  return p;
}

}  // namespace ipsec::sim
