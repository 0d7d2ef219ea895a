// AXI4 slave over hw::HostMemory: the host memory (and PCIe path) the device's DMA master
// reaches, with a latency and bandwidth model and fault injection. Cycle-based and independent
// of Verilator: the harness gives it the master's pins at each clock edge (Clock) and drives
// its outputs (out()) into the model before the edge.
//
// Bus width: beats of timing.beat_bytes bytes (16 by default: the 128-bit bus of ipsec_top;
// 16, 32, 64 or 128, matching the Verilated master's data ports: AxiBeatBytes<Model>()).
// Bursts are INCR, ARSIZE/AWSIZE = one beat, beats at beat-aligned addresses from the burst's
// (aligned-down) address; this slave does not check the master's burst boundary rule (the
// dma_master testbench does).
//
// Timing: a read burst's first beat is available read_latency clocks after its AR handshake
// (plus delay_cycles for the burst chosen by delay_read_burst), and the R channel returns at
// most bytes_per_cycle bytes per clock on average (a beat every beat_bytes/bytes_per_cycle
// clocks), shared by all bursts, in order. Writes: W beats are taken as fast as the master
// gives them (bandwidth-limited the same way); B comes write_latency clocks after WLAST.
// Several read bursts may be outstanding (up to max_outstanding).
//
// Memory semantics: the bus works in beats of beat_bytes. A read beat is OKAY when its first
// byte (the aligned beat address, or ARADDR for an unaligned first beat) lies in a live
// allocation; bytes past the allocation's end read as 0. A write beat is OKAY when every byte
// its WSTRB enables lies in a live allocation (then they are written; otherwise nothing of the
// beat is). HostMemory allocations start 4 KiB aligned, so a packet that starts inside an
// allocation never has its first beat rejected. Fault injection turns responses into SLVERR.
// The functional model reads by the same beat rule (hw::HostMemory::ReadBeats with the same
// beat size), so the backends agree on which reads are DMA errors, but for one case: rtl's
// dma_master always puts the aligned beat address on ARADDR, so a read that starts past the end
// of an allocation but inside the beat holding its last byte is OKAY here (zeros) and an error
// for ReadBeats (rtl/doc/dma_master.md, Bus).
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <type_traits>
#include <utility>
#include <vector>

#include "hw/host_memory.h"

namespace ipsec::sim {

// Widest beat the pins carry (a 1024-bit bus).
inline constexpr uint32_t kAxiMaxBeatBytes = 128;

struct AxiTiming {
  uint32_t read_latency = 16;  // clocks from AR to the first R beat
  uint32_t write_latency = 4;  // clocks from WLAST to B
  uint32_t bytes_per_cycle =
      128;  // R (and W) bandwidth, at most beat_bytes (the default: a beat a clock)
  uint32_t max_outstanding = 128;  // read bursts accepted before ARREADY drops
  uint32_t beat_bytes = 16;        // bus width in bytes: 16, 32, 64 or 128 (set before
                                   // constructing AxiMemory, which checks it)
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
  std::array<uint8_t, kAxiMaxBeatBytes> wdata{};  // byte lane i = address offset i (mod beat)
  std::bitset<kAxiMaxBeatBytes> wstrb;            // bit i enables byte lane i
  bool wlast = false;
  bool bready = false;
};

// Slave outputs for the next edge.
struct AxiSlavePins {
  bool arready = false;
  bool rvalid = false;
  std::array<uint8_t, kAxiMaxBeatBytes> rdata{};  // lanes past the beat size are 0
  uint32_t rresp = 0;
  bool rlast = false;
  bool awready = false;
  bool wready = false;
  bool bvalid = false;
  uint32_t bresp = 0;
};

// The pins of a Verilated AXI master whose ports are named m_<signal>_i / m_<signal>_o (as
// ipsec_top and dma_master have them), for any data width of 128..1024 bits: Verilator gives
// such a bus as VlWide<DataW/32> (32-bit words, byte 0 in bits 7:0 of word 0: AXI little-endian
// byte lanes) and WSTRB as an integer up to 64 bits, VlWide beyond.
template <class Model>
constexpr uint32_t AxiBeatBytes() {
  return static_cast<uint32_t>(sizeof(std::declval<Model&>().m_rdata_i));
}

namespace axi_detail {

// Byte i (bits [8i +: 8]) and 64-bit word w (bits [64w +: 64], 0 past the port's width) of a
// Verilated port: an integer up to 64 bits, or VlWide (32-bit words, word 0 = bits 31:0).
template <class Port>
uint8_t PortByte(const Port& p, size_t i) {
  if constexpr (std::is_integral_v<Port>) {
    return static_cast<uint8_t>(p >> (8 * i));
  } else {
    return static_cast<uint8_t>(p[i / 4] >> (8 * (i % 4)));
  }
}
template <class Port>
uint64_t PortWord64(const Port& p, size_t w) {
  if constexpr (std::is_integral_v<Port>) {
    return w == 0 ? static_cast<uint64_t>(p) : 0;
  } else {
    constexpr size_t kWords = sizeof(Port) / 4;
    const uint64_t lo = 2 * w < kWords ? p[2 * w] : 0;
    const uint64_t hi = 2 * w + 1 < kWords ? p[2 * w + 1] : 0;
    return lo | hi << 32;
  }
}

}  // namespace axi_detail

template <class Model>
void DriveAxiSlave(Model& m, const AxiSlavePins& s) {
  constexpr size_t kWords = AxiBeatBytes<Model>() / 4;
  static_assert(kWords * 4 <= kAxiMaxBeatBytes && kWords >= 4, "AXI data is 128..1024 bits");
  m.m_arready_i = s.arready;
  m.m_rvalid_i = s.rvalid;
  m.m_rresp_i = s.rresp;
  m.m_rlast_i = s.rlast;
  for (size_t w = 0; w < kWords; ++w) {
    uint32_t v = 0;
    for (size_t b = 0; b < 4; ++b) v |= uint32_t{s.rdata[4 * w + b]} << (8 * b);
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
  constexpr size_t kBytes = AxiBeatBytes<Model>();
  for (size_t i = 0; i < kBytes; ++i) p.wdata[i] = axi_detail::PortByte(m.m_wdata_o, i);
  using Strb = std::remove_cvref_t<decltype(m.m_wstrb_o)>;
  static_assert(sizeof(Strb) * 8 >= kBytes, "WSTRB has a bit per byte");
  static_assert(kAxiMaxBeatBytes == 128, "WSTRB is read as two 64-bit words");
  p.wstrb = std::bitset<kAxiMaxBeatBytes>(axi_detail::PortWord64(m.m_wstrb_o, 0)) |
            std::bitset<kAxiMaxBeatBytes>(axi_detail::PortWord64(m.m_wstrb_o, 1)) << 64;
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
  // timing.beat_bytes must be 16, 32, 64 or 128 (std::invalid_argument otherwise).
  explicit AxiMemory(hw::HostMemory& mem, AxiTiming timing = {});

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
  uint32_t r_tokens_ = 0, w_tokens_ = 0;  // bytes the channel may move now (up to a beat)
  std::deque<ReadBurst> reads_;
  std::deque<WriteBurst> writes_;
  std::deque<Response> responses_;
};

}  // namespace ipsec::sim
