// AXI4 slave over hw::HostMemory: the host memory (and PCIe path) the device's DMA master
// reaches, with a latency and bandwidth model and fault injection. Cycle-based and independent
// of Verilator: the harness gives it the master's pins at each clock edge (Clock) and drives
// its outputs (out()) into the model before the edge.
//
// Timing: a read burst's first beat is available read_latency clocks after its AR handshake
// (plus delay_cycles for the burst chosen by delay_read_burst), and the R channel returns at
// most bytes_per_cycle bytes per clock on average (a 16-byte beat every 16/bytes_per_cycle
// clocks), shared by all bursts, in order. Writes: W beats are taken as fast as the master
// gives them (bandwidth-limited the same way); B comes write_latency clocks after WLAST.
// Several read bursts may be outstanding (up to max_outstanding).
//
// Memory semantics: the bus works in 16-byte beats. A read beat is OKAY when its first byte
// (the aligned beat address, or ARADDR for an unaligned first beat) lies in a live allocation;
// bytes past the allocation's end read as 0. A write beat is OKAY when every byte its WSTRB
// enables lies in a live allocation (then they are written; otherwise nothing of the beat is).
// HostMemory allocations start 4 KiB aligned, so a packet that starts inside an allocation
// never has its first beat rejected. Fault injection turns responses into SLVERR. The functional
// model reads by the same beat rule (hw::HostMemory::ReadBeats), so the backends agree on which
// reads are DMA errors.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "hw/host_memory.h"

namespace ipsec::sim {

struct AxiTiming {
  uint32_t read_latency = 16;     // clocks from AR to the first R beat
  uint32_t write_latency = 4;     // clocks from WLAST to B
  uint32_t bytes_per_cycle = 16;  // 1..16: R (and W) bandwidth
  uint32_t max_outstanding = 128;  // read bursts accepted before ARREADY drops
};

struct AxiFaults {
  struct Range {
    uint64_t lo = 0, hi = 0;  // [lo, hi)
    bool reads = true, writes = true;
  };
  std::vector<Range> error_ranges;  // any beat touching a range gets SLVERR
  int64_t error_read_burst = -1;    // 0-based index of the AR burst that gets SLVERR
  int64_t error_write_burst = -1;   // 0-based index of the AW burst that gets SLVERR
  int64_t delay_read_burst = -1;    // 0-based index of the AR burst that is delayed
  uint32_t delay_cycles = 0;
};

// Master outputs at a clock edge.
struct AxiMasterPins {
  bool arvalid = false;
  uint64_t araddr = 0;
  uint32_t arlen = 0;
  bool rready = false;
  bool awvalid = false;
  uint64_t awaddr = 0;
  uint32_t awlen = 0;
  bool wvalid = false;
  uint8_t wdata[16] = {};  // byte lane i = address offset i
  uint16_t wstrb = 0;
  bool wlast = false;
  bool bready = false;
};

// Slave outputs for the next edge.
struct AxiSlavePins {
  bool arready = false;
  bool rvalid = false;
  uint8_t rdata[16] = {};
  uint32_t rresp = 0;
  bool rlast = false;
  bool awready = false;
  bool wready = false;
  bool bvalid = false;
  uint32_t bresp = 0;
};

// The pins of a Verilated AXI master whose ports are named m_<signal>_i / m_<signal>_o (as
// ipsec_top and dma_master have them): data buses are 4 x 32-bit words, byte 0 in bits 7:0
// of word 0 (AXI little-endian byte lanes).
template <class Model>
void DriveAxiSlave(Model& m, const AxiSlavePins& s) {
  m.m_arready_i = s.arready;
  m.m_rvalid_i = s.rvalid;
  m.m_rresp_i = s.rresp;
  m.m_rlast_i = s.rlast;
  for (int w = 0; w < 4; ++w) {
    uint32_t v = 0;
    for (int b = 0; b < 4; ++b) v |= uint32_t{s.rdata[4 * w + b]} << (8 * b);
    m.m_rdata_i[w] = v;
  }
  m.m_awready_i = s.awready;
  m.m_wready_i = s.wready;
  m.m_bvalid_i = s.bvalid;
  m.m_bresp_i = s.bresp;
}

template <class Model>
AxiMasterPins SampleAxiMaster(const Model& m) {
  AxiMasterPins p;
  p.arvalid = m.m_arvalid_o;
  p.araddr = m.m_araddr_o;
  p.arlen = m.m_arlen_o;
  p.rready = m.m_rready_o;
  p.awvalid = m.m_awvalid_o;
  p.awaddr = m.m_awaddr_o;
  p.awlen = m.m_awlen_o;
  p.wvalid = m.m_wvalid_o;
  for (int i = 0; i < 16; ++i) {
    p.wdata[i] = static_cast<uint8_t>(m.m_wdata_o[i / 4] >> (8 * (i % 4)));
  }
  p.wstrb = m.m_wstrb_o;
  p.wlast = m.m_wlast_o;
  p.bready = m.m_bready_o;
  return p;
}

struct AxiStats {
  uint64_t read_bursts = 0, read_beats = 0, write_bursts = 0, write_beats = 0;
  uint64_t read_errors = 0, write_errors = 0;
};

class AxiMemory {
 public:
  explicit AxiMemory(hw::HostMemory& mem, AxiTiming timing = {}) : mem_(mem), timing_(timing) {
    Update();
  }

  AxiTiming& timing() { return timing_; }
  AxiFaults& faults() { return faults_; }
  const AxiStats& stats() const { return stats_; }
  const AxiSlavePins& out() const { return out_; }

  // One clock edge: the handshakes between `in` and out() happen, then out() is recomputed.
  void Clock(const AxiMasterPins& in);

 private:
  struct ReadBurst {
    uint64_t addr;
    uint32_t beats;
    uint32_t done = 0;
    uint64_t ready_at;
    bool error;
  };
  struct WriteBurst {
    uint64_t addr;
    uint32_t beats;
    uint32_t done = 0;
    bool error;
  };
  struct Response {
    uint64_t at;
    bool error;
  };

  bool InErrorRange(uint64_t lo, uint64_t hi, bool write) const;
  void Update();

  hw::HostMemory& mem_;
  AxiTiming timing_;
  AxiFaults faults_;
  AxiStats stats_;
  AxiSlavePins out_;
  uint64_t now_ = 0;
  uint64_t rd_index_ = 0, wr_index_ = 0;
  uint32_t r_tokens_ = 16, w_tokens_ = 16;  // bytes the channel may move now
  std::deque<ReadBurst> reads_;
  std::deque<WriteBurst> writes_;
  std::deque<Response> responses_;
};

}  // namespace ipsec::sim
