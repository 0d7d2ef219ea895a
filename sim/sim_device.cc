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
  const AxiSlavePins& s = axi_->out();
  m.m_arready_i = s.arready;
  m.m_rvalid_i = s.rvalid;
  m.m_rresp_i = s.rresp;
  m.m_rlast_i = s.rlast;
  for (int w = 0; w < 4; ++w) {
    m.m_rdata_i[w] = static_cast<uint32_t>(s.rdata[4 * w]) |
                     static_cast<uint32_t>(s.rdata[4 * w + 1]) << 8 |
                     static_cast<uint32_t>(s.rdata[4 * w + 2]) << 16 |
                     static_cast<uint32_t>(s.rdata[4 * w + 3]) << 24;
  }
  m.m_awready_i = s.awready;
  m.m_wready_i = s.wready;
  m.m_bvalid_i = s.bvalid;
  m.m_bresp_i = s.bresp;
  impl_->tb.Eval();
  AxiMasterPins p;
  p.arvalid = m.m_arvalid_o;
  p.araddr = m.m_araddr_o;
  p.arlen = m.m_arlen_o;
  p.rready = m.m_rready_o;
  p.awvalid = m.m_awvalid_o;
  p.awaddr = m.m_awaddr_o;
  p.awlen = m.m_awlen_o;
  p.wvalid = m.m_wvalid_o;
  for (int i = 0; i < 16; ++i)
    p.wdata[i] = static_cast<uint8_t>(m.m_wdata_o[i / 4] >> (8 * (i % 4)));
  p.wstrb = m.m_wstrb_o;
  p.wlast = m.m_wlast_o;
  p.bready = m.m_bready_o;
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
