#include "sim/sim_device.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "sim/sim_top.h"

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

const SimTopEntry& FindTop(uint32_t lanes) {
  const auto tops = SimTops();
  if (lanes == 0) return tops.front();
  for (const SimTopEntry& e : tops) {
    if (e.lanes == lanes) return e;
  }
  std::string built;
  for (const SimTopEntry& e : tops) built += (built.empty() ? "" : ", ") + std::to_string(e.lanes);
  throw std::invalid_argument("no Verilated ipsec_top with " + std::to_string(lanes) +
                              " lane(s) in this build (built: " + built +
                              "; configure with -DIPSEC_EXTRA_LANES=" + std::to_string(lanes) +
                              ")");
}

}  // namespace

SimConfig SimConfig::FromEnv() {
  SimConfig c;
  c.axi.read_latency = EnvU32("IPSEC_SIM_READ_LATENCY", c.axi.read_latency);
  c.axi.write_latency = EnvU32("IPSEC_SIM_WRITE_LATENCY", c.axi.write_latency);
  c.axi.bytes_per_cycle =
      std::clamp<uint32_t>(EnvU32("IPSEC_SIM_BYTES_PER_CYCLE", c.axi.bytes_per_cycle), 1, 128);
  c.axi.max_outstanding =
      std::max<uint32_t>(1, EnvU32("IPSEC_SIM_HOST_READS", c.axi.max_outstanding));
  c.lanes = EnvU32("IPSEC_SIM_LANES", 0);
  return c;
}

std::vector<uint32_t> SimDevice::BuiltLanes() {
  std::vector<uint32_t> v;
  for (const SimTopEntry& e : SimTops()) v.push_back(e.lanes);
  return v;
}

namespace {
// The host memory's bus is the configuration's (its beat: the top's AXI data width).
AxiTiming WithBeat(AxiTiming t, const SimTopEntry& e) {
  t.beat_bytes = e.beat_bytes;
  return t;
}
}  // namespace

SimDevice::SimDevice(SimConfig cfg) : SimDevice(cfg, FindTop(cfg.lanes)) {}

SimDevice::SimDevice(const SimConfig& cfg, const SimTopEntry& top)
    : axi_(std::make_unique<AxiMemory>(memory_, WithBeat(cfg.axi, top))), top_(top.make()) {}

SimDevice::~SimDevice() = default;

uint32_t SimDevice::Read32(uint32_t offset) {
  if (offset % 4 != 0 || offset >= kCsrBytes) return 0;
  top_->SetCsr(true, false, offset, 0);
  top_->Advance(*axi_, 1);
  top_->SetCsr(false, false, offset, 0);
  return top_->CsrRdata();
}

void SimDevice::Write32(uint32_t offset, uint32_t value) {
  if (offset % 4 != 0 || offset >= kCsrBytes) return;
  top_->SetCsr(true, true, offset, value);
  top_->Advance(*axi_, 1);
  top_->SetCsr(false, false, offset, 0);
}

bool SimDevice::IrqAsserted(unsigned vector) {
  return vector < kIrqVectors && (top_->Irq() >> vector & 1) != 0;
}

void SimDevice::Advance(uint64_t n) { top_->Advance(*axi_, n); }

bool SimDevice::RunUntil(const std::function<bool()>& pred, uint64_t max_cycles) {
  for (uint64_t waited = 0; !pred(); waited += kPollStep) {
    if (waited >= max_cycles) return false;
    Advance(std::min(kPollStep, max_cycles - waited));
  }
  return true;
}

uint64_t SimDevice::cycles() const { return top_->Cycles(); }

SimPerf SimDevice::perf() {
  SimPerf p;
  top_->Perf(p);
  return p;
}

}  // namespace ipsec::sim
