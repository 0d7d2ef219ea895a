// Testbench of rtl/dma_master.sv against sim/models/axi_mem (AXI4 slave over hw::HostMemory),
// a typed suite run on every Verilated host bus width (DataW 128, 256, 512, 1024: beats of BB =
// 16, 32, 64, 128 bytes; sim/CMakeLists.txt): byte-exact reads and writes at every alignment
// and many lengths (bursts split at 16-beat window boundaries, never across 4 KiB), small
// requests at every byte offset of a beat with every length up to 3 beats + 1, WSTRB enabling
// exactly the written bytes, several reads outstanding (a long read finishes in about latency +
// beats clocks, not bursts x latency), bandwidth limits, and error responses reported on the
// last beat / with wr_done (read errors by the bus's beat rule, as hw::HostMemory::ReadBeats
// gives them at the same beat size), writes taken while earlier ones wait for B (wr_done once
// per write, in order) with no idle clock between the bursts of a long write, and writes
// posted back to back with no idle W clock between them. The reference is the host memory
// itself, written and read with memcpy. Lengths that set the number of bursts scale with the
// beat (k = BB/16), so that every width sees the same burst patterns; at 128 bits every test
// is the one it was before the width became a parameter.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "Vdma_master.h"
#include "Vdma_master_w1024.h"
#include "Vdma_master_w256.h"
#include "Vdma_master_w512.h"
#include "hw/host_memory.h"
#include "sim/harness/tb.h"
#include "sim/models/axi_mem.h"

namespace ipsec::sim {
namespace {

constexpr uint64_t kMaxClocks = 100'000;

struct Burst {
  uint64_t addr;
  uint32_t beats;
  bool operator==(const Burst&) const = default;
};

template <class V>
class DmaMasterTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kBB = AxiBeatBytes<V>();  // bytes per beat
  static constexpr uint32_t kDataW = 8 * kBB;
  static constexpr uint32_t kK = kBB / 16;       // beat size relative to 128 bits
  static constexpr uint64_t kWindow = 16 * kBB;  // bursts never cross a multiple of this
  using Beat = std::array<uint8_t, kBB>;

  static AxiTiming Timing() {
    AxiTiming t;
    t.beat_bytes = kBB;
    t.bytes_per_cycle = kBB;
    return t;
  }

  DmaMasterTest() : axi_(mem_, Timing()), tb_("dma_master_w" + std::to_string(kDataW)) {
    tb_.Reset();
    buf_ = mem_.Alloc(8192);
    for (size_t i = 0; i < buf_.size(); ++i) buf_.data()[i] = static_cast<uint8_t>(rng_());
  }

  // A buffer of n random bytes (from its own generator: rng_ stays as it was).
  hw::DmaBuffer RandomBuffer(size_t n) {
    hw::DmaBuffer b = mem_.Alloc(n);
    std::mt19937 r(7);
    for (size_t i = 0; i < n; ++i) b.data()[i] = static_cast<uint8_t>(r());
    return b;
  }

  // One clock with the AXI slave model attached (as SimDevice does for ipsec_top): Drive puts
  // the slave's outputs on the ports and settles the model (the test samples the master's
  // outputs then), Edge clocks both. Every AR/AW handshake is checked against the burst rule
  // and recorded; W beats are recorded while log_w_.
  void Tick() {
    Drive();
    Edge();
  }
  void Drive() {
    auto& m = tb_.model();
    DriveAxiSlave(m, axi_.out());
    tb_.Eval();
  }
  void CheckBurst(uint64_t addr, uint32_t len, const char* ch) {
    EXPECT_EQ(addr % kBB, 0u) << ch;
    EXPECT_LE((addr % kWindow) / kBB + len + 1, 16u) << ch << " burst crosses 16 beats";
    EXPECT_EQ(addr / 4096, (addr + (len + 1) * kBB - 1) / 4096) << ch << " crosses 4 KiB";
  }
  void Edge() {
    auto& m = tb_.model();
    const AxiMasterPins p = SampleAxiMaster(m);
    if (p.arvalid && axi_.out().arready) {
      CheckBurst(p.araddr, p.arlen, "AR");
      ars_.push_back({p.araddr, p.arlen + 1});
    }
    if (p.awvalid && axi_.out().awready) {
      CheckBurst(p.awaddr, p.awlen, "AW");
      aws_.push_back({p.awaddr, p.awlen + 1});
    }
    if (log_w_ && p.wvalid && axi_.out().wready) w_log_.push_back(p);
    tb_.Tick();
    axi_.Clock(p);
  }

  struct ReadResult {
    std::vector<uint8_t> bytes;
    bool err = false;
    uint64_t clocks = 0;
  };
  ReadResult Read(uint64_t addr, uint16_t len) {
    auto& m = tb_.model();
    ReadResult r;
    m.rd_req_valid_i = 1;
    m.rd_req_addr_i = addr;
    m.rd_req_len_i = len;
    const uint64_t t0 = tb_.cycles();
    tb_.Eval();
    EXPECT_TRUE(m.rd_req_ready_o);
    Tick();
    m.rd_req_valid_i = 0;
    const size_t beats = (len + kBB - 1) / kBB;
    size_t got = 0;
    while (got < beats && tb_.cycles() - t0 < kMaxClocks) {
      Drive();
      if (m.rd_valid_o) {
        Beat b;
        GetBytes(m.rd_data_o, kDataW, b);
        const size_t n = std::min<size_t>(kBB, len - kBB * got);
        r.bytes.insert(r.bytes.end(), b.begin(), b.begin() + n);
        ++got;
        EXPECT_EQ(m.rd_last_o, got == beats);
        if (got == beats) r.err = m.rd_err_o;
      }
      Edge();
    }
    EXPECT_EQ(got, beats) << "read hung";
    r.clocks = tb_.cycles() - t0;
    for (int i = 0; i < 4; ++i) {
      Drive();
      EXPECT_FALSE(m.rd_valid_o) << "extra beat";
      Edge();
    }
    return r;
  }

  // Writes `data` at addr; returns the error flag. Input beats offered with random gaps. The W
  // beats must be the aligned beats of [addr, addr + len), each with WSTRB enabling exactly
  // its bytes of that range.
  bool Write(uint64_t addr, const std::vector<uint8_t>& data) {
    auto& m = tb_.model();
    m.wr_req_valid_i = 1;
    m.wr_req_addr_i = addr;
    m.wr_req_len_i = static_cast<uint16_t>(data.size());
    tb_.Eval();
    EXPECT_TRUE(m.wr_req_ready_o);
    w_log_.clear();
    log_w_ = true;
    Tick();
    m.wr_req_valid_i = 0;
    const size_t beats = (data.size() + kBB - 1) / kBB;
    size_t sent = 0;
    bool done = false, err = false;
    for (uint64_t t = 0; t < kMaxClocks && !done; ++t) {
      m.wr_data_valid_i = sent < beats && rng_() % 4 != 0;
      Beat b{};
      for (size_t i = 0; i < kBB && kBB * sent + i < data.size(); ++i) b[i] = data[kBB * sent + i];
      SetBytes(m.wr_data_i, kDataW, b);
      Drive();
      if (m.wr_data_valid_i && m.wr_data_ready_o) ++sent;
      if (m.wr_done_o) {
        done = true;
        err = m.wr_err_o;
      }
      Edge();
    }
    log_w_ = false;
    m.wr_data_valid_i = 0;
    EXPECT_TRUE(done) << "write hung";
    EXPECT_EQ(sent, beats);
    const uint64_t a0 = addr & ~uint64_t{kBB - 1};
    const uint64_t end = addr + data.size();
    EXPECT_EQ(w_log_.size(), (end - a0 + kBB - 1) / kBB) << "W beats";
    for (size_t j = 0; j < w_log_.size(); ++j) {
      for (uint32_t i = 0; i < kBB; ++i) {
        const uint64_t pos = a0 + j * kBB + i;
        if (w_log_[j].wstrb[i] != (pos >= addr && pos < end)) {
          ADD_FAILURE() << "WSTRB of W beat " << j << " byte " << i << " (addr " << addr << " len "
                        << data.size() << ")";
          return err;
        }
      }
    }
    return err;
  }

  void ReadsEveryAlignmentAndLength();
  void WritesEveryAlignmentAndLengthExactly();
  void SmallRequestsAtEveryOffset();
  void BurstsSplitAtTheWindowBoundary();
  void SeveralReadsOutstanding();
  void BandwidthLimitsTheReadRate();
  void ErrorsAreReportedAndTheMasterRecovers();
  void ReadErrorsFollowTheBeatRule();
  void WritesOverlapTheirBResponses();
  void ReadsQueueBehindEachOther();
  void ReadsInsideOneBeatComeOneAClock();
  void LongWriteHasNoGapsBetweenBursts();
  void StreamWrites(bool stalls, size_t* w_beats, uint64_t* w_clocks);

  std::mt19937 rng_{42};
  hw::HostMemory mem_;
  AxiMemory axi_;
  Tb<V> tb_;
  hw::DmaBuffer buf_;
  std::vector<Burst> ars_, aws_;
  bool log_w_ = false;
  std::vector<AxiMasterPins> w_log_;
};

struct WidthName {
  template <class V>
  static std::string GetName(int) {
    return "Bus" + std::to_string(8 * AxiBeatBytes<V>());
  }
};
using Widths = ::testing::Types<Vdma_master, Vdma_master_w256, Vdma_master_w512, Vdma_master_w1024>;
TYPED_TEST_SUITE(DmaMasterTest, Widths, WidthName);

template <class V>
void DmaMasterTest<V>::ReadsEveryAlignmentAndLength() {
  for (uint32_t off = 0; off < kBB; ++off) {
    for (uint16_t len : {1, 2, 15, 16, 17, 31, 32, 33, 255, 256, 257, 1000, 4000}) {
      auto r = Read(buf_.bus() + 512 + off, len);
      ASSERT_FALSE(r.err);
      ASSERT_EQ(r.bytes.size(), len);
      ASSERT_EQ(std::memcmp(r.bytes.data(), buf_.data() + 512 + off, len), 0)
          << "offset " << off << " len " << len;
    }
  }
}
TYPED_TEST(DmaMasterTest, ReadsEveryAlignmentAndLength) { this->ReadsEveryAlignmentAndLength(); }

template <class V>
void DmaMasterTest<V>::WritesEveryAlignmentAndLengthExactly() {
  for (int round = 0; round < 300; ++round) {
    const uint32_t off = rng_() % 2000;
    const uint16_t len = static_cast<uint16_t>(1 + rng_() % (round % 3 == 0 ? 3000 : 64));
    std::vector<uint8_t> before(buf_.data(), buf_.data() + buf_.size());
    std::vector<uint8_t> data(len);
    for (auto& b : data) b = static_cast<uint8_t>(rng_());
    ASSERT_FALSE(Write(buf_.bus() + off, data));
    std::memcpy(before.data() + off, data.data(), len);
    ASSERT_EQ(std::memcmp(before.data(), buf_.data(), buf_.size()), 0)
        << "offset " << off << " len " << len << ": wrong bytes or bytes outside written";
  }
}
TYPED_TEST(DmaMasterTest, WritesEveryAlignmentAndLengthExactly) {
  this->WritesEveryAlignmentAndLengthExactly();
}

// Every start offset in a beat with every length from 1 to 3 beats + 1: reads exact, writes
// exact with nothing outside written (and WSTRB exact, checked by Write).
template <class V>
void DmaMasterTest<V>::SmallRequestsAtEveryOffset() {
  std::vector<uint8_t> expect(buf_.data(), buf_.data() + buf_.size());
  for (uint32_t off = 0; off < kBB; ++off) {
    for (uint32_t len = 1; len <= 3 * kBB + 1; ++len) {
      const uint64_t at = 1024 + off;
      auto r = Read(buf_.bus() + at, static_cast<uint16_t>(len));
      ASSERT_FALSE(r.err);
      ASSERT_EQ(std::memcmp(r.bytes.data(), buf_.data() + at, len), 0)
          << "read offset " << off << " len " << len;
      std::vector<uint8_t> data(len);
      for (auto& b : data) b = static_cast<uint8_t>(rng_());
      ASSERT_FALSE(Write(buf_.bus() + at, data));
      std::memcpy(expect.data() + at, data.data(), len);
      ASSERT_EQ(std::memcmp(expect.data(), buf_.data(), buf_.size()), 0)
          << "write offset " << off << " len " << len;
    }
  }
}
TYPED_TEST(DmaMasterTest, SmallRequestsAtEveryOffset) { this->SmallRequestsAtEveryOffset(); }

// A request from 3 beats (+ 5 bytes) before a 4 KiB boundary, 20 beats long (21 aligned
// beats): bursts of exactly 3 beats up to the boundary, 16 beats (a whole window), 2 beats.
template <class V>
void DmaMasterTest<V>::BurstsSplitAtTheWindowBoundary() {
  hw::DmaBuffer big = RandomBuffer(8192);
  const uint64_t at = 4096 - 3 * kBB + 5;
  const uint16_t len = static_cast<uint16_t>(20 * kBB);
  const uint64_t a0 = big.bus() + 4096 - 3 * kBB;
  const std::vector<Burst> want = {
      {a0, 3}, {big.bus() + 4096, 16}, {big.bus() + 4096 + kWindow, 2}};
  ars_.clear();
  auto r = Read(big.bus() + at, len);
  ASSERT_FALSE(r.err);
  EXPECT_EQ(std::memcmp(r.bytes.data(), big.data() + at, len), 0);
  EXPECT_EQ(ars_, want);
  aws_.clear();
  std::vector<uint8_t> data(len);
  for (auto& b : data) b = static_cast<uint8_t>(rng_());
  std::vector<uint8_t> expect(big.data(), big.data() + big.size());
  ASSERT_FALSE(Write(big.bus() + at, data));
  std::memcpy(expect.data() + at, data.data(), len);
  EXPECT_EQ(std::memcmp(expect.data(), big.data(), big.size()), 0);
  EXPECT_EQ(aws_, want);
  // One beat short of the window's end: no split at all.
  ars_.clear();
  ASSERT_FALSE(Read(big.bus() + 4096 + 1, static_cast<uint16_t>(16 * kBB - 1)).err);
  EXPECT_EQ(ars_, (std::vector<Burst>{{big.bus() + 4096, 16}}));
}
TYPED_TEST(DmaMasterTest, BurstsSplitAtTheWindowBoundary) {
  this->BurstsSplitAtTheWindowBoundary();
}

template <class V>
void DmaMasterTest<V>::SeveralReadsOutstanding() {
  axi_.timing().read_latency = 200;
  hw::DmaBuffer big = RandomBuffer(256 * kBB);
  auto r = Read(big.bus(), static_cast<uint16_t>(256 * kBB));  // 16 bursts of 16 beats
  ASSERT_FALSE(r.err);
  EXPECT_EQ(std::memcmp(r.bytes.data(), big.data(), big.size()), 0);
  // Serial bursts would take 16 x (200 + 16) clocks; 4 outstanding hide most of the latency.
  EXPECT_LT(r.clocks, 4u * (200 + 16) + 16 * 16 + 50);
  EXPECT_GE(r.clocks, 200u + 256u);
}
TYPED_TEST(DmaMasterTest, SeveralReadsOutstanding) { this->SeveralReadsOutstanding(); }

template <class V>
void DmaMasterTest<V>::BandwidthLimitsTheReadRate() {
  axi_.timing().read_latency = 0;
  axi_.timing().bytes_per_cycle = kBB / 4;
  hw::DmaBuffer big = RandomBuffer(100 * kBB);
  auto r = Read(big.bus(), static_cast<uint16_t>(100 * kBB));  // 100 beats at 4 clocks each
  ASSERT_FALSE(r.err);
  EXPECT_GE(r.clocks, 395u);  // the first beats ride on the initial token allowance
  EXPECT_LT(r.clocks, 450u);
}
TYPED_TEST(DmaMasterTest, BandwidthLimitsTheReadRate) { this->BandwidthLimitsTheReadRate(); }

template <class V>
void DmaMasterTest<V>::ErrorsAreReportedAndTheMasterRecovers() {
  axi_.faults().error_read_burst = static_cast<int64_t>(axi_.stats().read_bursts) + 1;
  auto r = Read(buf_.bus() + 3, static_cast<uint16_t>(1000 * kK));  // the second of several
  EXPECT_TRUE(r.err);                                               // bursts fails
  EXPECT_FALSE(Read(buf_.bus(), 100).err);
  // An address no allocation covers.
  EXPECT_TRUE(Read(0x40, 32).err);
  axi_.faults().error_write_burst = static_cast<int64_t>(axi_.stats().write_bursts);
  EXPECT_TRUE(Write(buf_.bus() + 5, std::vector<uint8_t>(300, 0xab)));
  EXPECT_FALSE(Write(buf_.bus() + 5, std::vector<uint8_t>(300, 0xcd)));
  EXPECT_EQ(buf_.data()[5], 0xcd);
  EXPECT_TRUE(Write(0x1000, std::vector<uint8_t>(20, 1)));
}
TYPED_TEST(DmaMasterTest, ErrorsAreReportedAndTheMasterRecovers) {
  this->ErrorsAreReportedAndTheMasterRecovers();
}

// Reads around the end of a 100-byte buffer (and before it): rd_err exactly when
// hw::HostMemory::ReadBeats at this beat size fails, the same bytes when it does not. The beat
// rule depends on the width: 120 bytes from the start end in a beat that starts past the
// buffer (at 112) with 16-byte beats only.
// One known disagreement, at every width and left as it is (pinned here so that a change shows):
// a read that starts past the buffer's end but inside the beat holding its last byte. The
// master's ARADDR is the aligned beat address, which is in the buffer, so the bus answers OKAY
// (the bytes read as 0); ReadBeats takes addr itself as the first beat's first byte and fails.
template <class V>
void DmaMasterTest<V>::ReadErrorsFollowTheBeatRule() {
  hw::DmaBuffer small = RandomBuffer(100);
  size_t errors = 0, good = 0, start_past_end = 0;
  for (int64_t off = -1; off <= 100 + 1; ++off) {
    for (uint32_t len : {1u, 2u, kBB - 1, kBB, kBB + 1, 2 * kBB + 3}) {
      const uint64_t addr = small.bus() + off;
      std::vector<uint8_t> want(len);
      const bool ok = mem_.ReadBeats(addr, want, kBB);
      auto r = Read(addr, static_cast<uint16_t>(len));
      if (off >= 100 && (addr & ~uint64_t{kBB - 1}) < small.bus() + 100) {
        ASSERT_FALSE(ok);
        ASSERT_EQ(r.err, (addr + len - 1) / kBB != addr / kBB)
            << "offset " << off << " len " << len;
        if (!r.err) {
          ASSERT_EQ(r.bytes, std::vector<uint8_t>(len, 0)) << "offset " << off << " len " << len;
        }
        ++start_past_end;
        continue;
      }
      ASSERT_EQ(r.err, !ok) << "offset " << off << " len " << len;
      if (ok) {
        ASSERT_EQ(r.bytes, want) << "offset " << off << " len " << len;
      }
      ++(ok ? good : errors);
    }
  }
  EXPECT_GT(good, 0u);
  EXPECT_GT(errors, 0u);
  EXPECT_GT(start_past_end, 0u);
  EXPECT_EQ(Read(small.bus(), 120).err, kBB == 16);
  std::vector<uint8_t> out(120);
  EXPECT_FALSE(mem_.ReadBeats(small.bus(), out, 16));
  EXPECT_TRUE(mem_.ReadBeats(small.bus(), out, 32));
}
TYPED_TEST(DmaMasterTest, ReadErrorsFollowTheBeatRule) { this->ReadErrorsFollowTheBeatRule(); }

// Writes back to back: each request is made as soon as the master takes one (while earlier
// writes still wait for B); wr_done pulses once per write in order, with the error of its own
// bursts only; the bytes land exactly; the B latency is paid about once, not per write.
template <class V>
void DmaMasterTest<V>::WritesOverlapTheirBResponses() {
  auto& m = tb_.model();
  axi_.timing().write_latency = 40;
  struct Req {
    uint32_t off;
    std::vector<uint8_t> data;
    bool fail;
  };
  std::vector<Req> reqs;
  for (int i = 0; i < 12; ++i) {
    Req r;
    r.off = static_cast<uint32_t>(i * 600 + rng_() % kBB);
    r.data.resize(1 + rng_() % (i % 4 == 0 ? 500 : 40));
    for (auto& b : r.data) b = static_cast<uint8_t>(rng_());
    r.fail = i == 7;
    reqs.push_back(std::move(r));
  }
  std::vector<uint8_t> expect(buf_.data(), buf_.data() + buf_.size());
  size_t issued = 0, sent = 0, done = 0;
  bool in_req = false;
  const uint64_t t0 = tb_.cycles();
  while (done < reqs.size() && tb_.cycles() - t0 < kMaxClocks) {
    if (!in_req && issued < reqs.size()) {
      const Req& r = reqs[issued];
      m.wr_req_valid_i = 1;
      m.wr_req_addr_i = buf_.bus() + r.off;
      m.wr_req_len_i = static_cast<uint16_t>(r.data.size());
      // The failing write: its first burst gets SLVERR.
      if (r.fail) axi_.faults().error_write_burst = static_cast<int64_t>(axi_.stats().write_bursts);
    } else {
      m.wr_req_valid_i = 0;
    }
    const Req& cur = reqs[issued - (in_req ? 1 : 0) < reqs.size() ? issued - (in_req ? 1 : 0) : 0];
    const size_t beats = (cur.data.size() + kBB - 1) / kBB;
    m.wr_data_valid_i = in_req && sent < beats;
    Beat b{};
    for (size_t i = 0; in_req && i < kBB && kBB * sent + i < cur.data.size(); ++i) {
      b[i] = cur.data[kBB * sent + i];
    }
    SetBytes(m.wr_data_i, kDataW, b);
    Drive();
    if (m.wr_done_o) {
      ASSERT_LT(done, issued);
      EXPECT_EQ(m.wr_err_o != 0, reqs[done].fail) << "write " << done;
      ++done;
    }
    bool took = false;
    if (m.wr_req_valid_i && m.wr_req_ready_o) took = true;
    if (m.wr_data_valid_i && m.wr_data_ready_o && ++sent == beats) in_req = false;
    Edge();
    if (took) {
      ASSERT_FALSE(in_req);
      in_req = true;
      sent = 0;
      ++issued;
    }
  }
  m.wr_req_valid_i = 0;
  m.wr_data_valid_i = 0;
  ASSERT_EQ(done, reqs.size()) << "writes hung";
  const uint64_t clocks = tb_.cycles() - t0;
  size_t beats = 0;
  for (const Req& r : reqs) {
    beats += (r.off % kBB + r.data.size() + kBB - 1) / kBB;
    if (!r.fail) std::memcpy(expect.data() + r.off, r.data.data(), r.data.size());
  }
  // The failed write's bytes are undefined (the slave drops them here): compare the rest.
  const Req& f = reqs[7];
  std::memcpy(expect.data() + f.off, buf_.data() + f.off, f.data.size());
  EXPECT_EQ(std::memcmp(expect.data(), buf_.data(), buf_.size()), 0);
  // Serial writes would pay 12 x 40 clocks of B latency; overlapped, about one.
  EXPECT_LT(clocks, beats + 3 * reqs.size() + 4 * 40);
}
TYPED_TEST(DmaMasterTest, WritesOverlapTheirBResponses) { this->WritesOverlapTheirBResponses(); }

// Reads queued back to back (a request whenever the master takes one): every request's bytes
// come in request order, exactly ceil(len/BB) beats each with rd_last_o on its final one, the
// error on the failing request only, and the latency is paid about once, not per request.
template <class V>
void DmaMasterTest<V>::ReadsQueueBehindEachOther() {
  auto& m = tb_.model();
  axi_.timing().read_latency = 100;
  struct Req {
    uint32_t off;
    uint16_t len;
  };
  std::vector<Req> reqs;
  for (int i = 0; i < 40; ++i) {
    reqs.push_back({static_cast<uint32_t>(rng_() % 4000),
                    static_cast<uint16_t>(1 + rng_() % (i % 5 == 0 ? 600 : 40))});
  }
  // Request 23 reads a region of its own that answers SLVERR.
  const size_t bad = 23;
  reqs[bad] = {6000, 100};
  axi_.faults().error_ranges.push_back({buf_.bus() + 6000, buf_.bus() + 6100, true, false});
  size_t issued = 0, got_req = 0, got_beats = 0, beats_total = 0;
  std::vector<uint8_t> bytes;
  const uint64_t t0 = tb_.cycles();
  while (got_req < reqs.size() && tb_.cycles() - t0 < kMaxClocks) {
    m.rd_req_valid_i = issued < reqs.size();
    if (issued < reqs.size()) {
      m.rd_req_addr_i = buf_.bus() + reqs[issued].off;
      m.rd_req_len_i = reqs[issued].len;
    }
    Drive();
    const bool took = m.rd_req_valid_i && m.rd_req_ready_o;
    if (m.rd_valid_o) {
      ASSERT_LT(got_req, issued + (took ? 1 : 0));
      const Req& r = reqs[got_req];
      Beat b;
      GetBytes(m.rd_data_o, kDataW, b);
      const size_t n = std::min<size_t>(kBB, r.len - kBB * got_beats);
      bytes.insert(bytes.end(), b.begin(), b.begin() + n);
      ++got_beats;
      ++beats_total;
      const size_t want = (r.len + kBB - 1) / kBB;
      ASSERT_EQ(m.rd_last_o != 0, got_beats == want) << "request " << got_req;
      if (got_beats == want) {
        EXPECT_EQ(m.rd_err_o != 0, got_req == bad) << "request " << got_req;
        if (got_req != bad) {
          EXPECT_EQ(std::memcmp(bytes.data(), buf_.data() + r.off, r.len), 0)
              << "request " << got_req;
        }
        bytes.clear();
        got_beats = 0;
        ++got_req;
      }
    }
    Edge();
    if (took) ++issued;
  }
  m.rd_req_valid_i = 0;
  ASSERT_EQ(got_req, reqs.size()) << "reads hung";
  // Serial requests would pay 40 x 100 clocks of latency.
  EXPECT_LT(tb_.cycles() - t0, 12 * 100 + 2 * beats_total + 2 * reqs.size());
}
TYPED_TEST(DmaMasterTest, ReadsQueueBehindEachOther) { this->ReadsQueueBehindEachOther(); }

// Requests that each lie inside one bus beat (a descriptor or a small packet on a wide bus), at
// any offset in it, give their one output beat with their R beat: queued back to back, one a
// clock, RREADY never low (a flush clock per unaligned request made them one per two clocks).
template <class V>
void DmaMasterTest<V>::ReadsInsideOneBeatComeOneAClock() {
  auto& m = tb_.model();
  axi_.timing().read_latency = 0;  // 4 reads in flight (the default RdReqs) cover it
  constexpr size_t kReqs = 64;
  struct Req {
    uint32_t off;
    uint16_t len;
  };
  std::vector<Req> reqs;
  for (size_t i = 0; i < kReqs; ++i) {
    const uint32_t o = i < kBB ? static_cast<uint32_t>(i) : static_cast<uint32_t>(rng_() % kBB);
    const uint16_t len = static_cast<uint16_t>(1 + rng_() % (kBB - o));
    reqs.push_back({static_cast<uint32_t>((rng_() % (8192 / kBB)) * kBB + o), len});
  }
  size_t issued = 0, got = 0;
  uint64_t first = 0, last = 0, rready_low = 0;
  for (uint64_t t = 0; got < kReqs && t < kMaxClocks; ++t) {
    m.rd_req_valid_i = issued < kReqs;
    if (issued < kReqs) {
      m.rd_req_addr_i = buf_.bus() + reqs[issued].off;
      m.rd_req_len_i = reqs[issued].len;
    }
    Drive();
    const bool took = m.rd_req_valid_i && m.rd_req_ready_o;
    if (got > 0 && !m.m_rready_o) ++rready_low;
    if (m.rd_valid_o) {
      const Req& r = reqs[got];
      Beat b;
      GetBytes(m.rd_data_o, kDataW, b);
      EXPECT_TRUE(m.rd_last_o) << "request " << got;
      EXPECT_FALSE(m.rd_err_o) << "request " << got;
      EXPECT_EQ(std::memcmp(b.data(), buf_.data() + r.off, r.len), 0) << "request " << got;
      if (got == 0) first = tb_.cycles();
      last = tb_.cycles();
      ++got;
    }
    Edge();
    if (took) ++issued;
  }
  m.rd_req_valid_i = 0;
  ASSERT_EQ(got, kReqs) << "reads hung";
  EXPECT_EQ(last - first, kReqs - 1) << "one output beat a clock";
  EXPECT_EQ(rready_low, 0u);
}
TYPED_TEST(DmaMasterTest, ReadsInsideOneBeatComeOneAClock) {
  this->ReadsInsideOneBeatComeOneAClock();
}

// A long write streams its W beats with no gap between bursts (AW runs ahead).
template <class V>
void DmaMasterTest<V>::LongWriteHasNoGapsBetweenBursts() {
  auto& m = tb_.model();
  axi_.timing().write_latency = 4;
  constexpr size_t kBeats = 256;
  hw::DmaBuffer big = RandomBuffer(256 + kBeats * kBB);
  std::vector<uint8_t> data(kBeats * kBB);
  for (auto& b : data) b = static_cast<uint8_t>(rng_());
  m.wr_req_valid_i = 1;
  m.wr_req_addr_i = big.bus() + 256;
  m.wr_req_len_i = static_cast<uint16_t>(data.size());
  Tick();
  m.wr_req_valid_i = 0;
  size_t sent = 0;
  uint64_t first = 0, last = 0;
  bool done = false;
  for (uint64_t t = 0; t < kMaxClocks && !done; ++t) {
    m.wr_data_valid_i = sent < kBeats;
    Beat b{};
    for (size_t i = 0; sent < kBeats && i < kBB; ++i) b[i] = data[kBB * sent + i];
    SetBytes(m.wr_data_i, kDataW, b);
    Drive();
    if (m.wr_data_valid_i && m.wr_data_ready_o) {
      if (sent == 0) first = tb_.cycles();
      last = tb_.cycles();
      ++sent;
    }
    if (m.wr_done_o) {
      done = true;
      EXPECT_FALSE(m.wr_err_o);
    }
    Edge();
  }
  m.wr_data_valid_i = 0;
  ASSERT_TRUE(done);
  EXPECT_EQ(last - first, kBeats - 1) << "16 or 17 bursts, one beat per clock";
  EXPECT_EQ(std::memcmp(big.data() + 256, data.data(), data.size()), 0);
}
TYPED_TEST(DmaMasterTest, LongWriteHasNoGapsBetweenBursts) {
  this->LongWriteHasNoGapsBetweenBursts();
}

// Many writes of random lengths and alignments posted back to back (the engine's beats in
// request order); with `stalls` the request and data sources pause at random, the slave takes
// W at half a beat per clock and B comes 30 clocks after WLAST (so the B FIFO fills). Checks:
// AW stays at most 2 bursts ahead of W and every W burst has its AW; wr_done comes once per
// request in order with wr_err for the failing request only (one burst in the middle of it gets
// SLVERR); every byte lands exactly. Returns the W beats and the clocks from the first W beat
// to the last (both ends included).
template <class V>
void DmaMasterTest<V>::StreamWrites(bool stalls, size_t* w_beats, uint64_t* w_clocks) {
  auto& m = tb_.model();
  axi_.timing().write_latency = stalls ? 30 : 4;
  axi_.timing().bytes_per_cycle = stalls ? kBB / 2 : kBB;
  hw::DmaBuffer big = mem_.Alloc(128 * 1024 * kK);
  std::memset(big.data(), 0x5a, big.size());
  struct Req {
    uint64_t off;
    std::vector<uint8_t> data;
  };
  std::vector<Req> reqs;
  size_t cursor = 0, bursts_before_bad = 0;
  const size_t bad = 150;
  for (size_t i = 0; i < 300; ++i) {
    Req r;
    r.off = cursor + rng_() % 40;
    // Mostly short writes (1-beat completions, small packets), some of up to 12 bursts (their
    // AWs wait on W while later requests queue up behind them).
    const uint32_t kind = rng_() % 8;
    const size_t max_len = kind < 2 ? 16 : kind < 4 ? 64 : kind < 7 ? 300 : 3000 * kK;
    const size_t len = i == bad ? 700 * kK : 1 + rng_() % max_len;
    r.data.resize(len);
    for (auto& b : r.data) b = static_cast<uint8_t>(rng_());
    cursor = r.off + len;
    if (i < bad) bursts_before_bad += ((big.bus() + r.off) % kWindow + len - 1) / kWindow + 1;
    reqs.push_back(std::move(r));
  }
  ASSERT_LE(cursor, big.size());
  // The second burst of the bad request (700 x k bytes: 3 or 4 bursts) answers SLVERR.
  axi_.faults().error_write_burst =
      static_cast<int64_t>(axi_.stats().write_bursts + bursts_before_bad + 1);
  const uint64_t errors0 = axi_.stats().write_errors;
  size_t issued = 0, data_req = 0, data_beat = 0, done = 0, beats = 0, aw_ahead = 0;
  uint64_t first_w = 0, last_w = 0;
  const uint64_t t0 = tb_.cycles();
  while (done < reqs.size() && tb_.cycles() - t0 < kMaxClocks) {
    m.wr_req_valid_i = issued < reqs.size() && (!stalls || rng_() % 2 == 0);
    if (issued < reqs.size()) {
      m.wr_req_addr_i = big.bus() + reqs[issued].off;
      m.wr_req_len_i = static_cast<uint16_t>(reqs[issued].data.size());
    }
    m.wr_data_valid_i = data_req < issued && (!stalls || rng_() % 4 != 0);
    Beat b{};
    if (data_req < issued) {
      const auto& d = reqs[data_req].data;
      for (size_t i = 0; i < kBB && kBB * data_beat + i < d.size(); ++i) {
        b[i] = d[kBB * data_beat + i];
      }
    }
    SetBytes(m.wr_data_i, kDataW, b);
    Drive();
    if (m.wr_done_o) {
      ASSERT_LT(done, data_req) << "wr_done before the request's data was taken";
      EXPECT_EQ(m.wr_err_o != 0, done == bad) << "write " << done;
      ++done;
    }
    const bool took = m.wr_req_valid_i && m.wr_req_ready_o;
    if (m.wr_data_valid_i && m.wr_data_ready_o &&
        ++data_beat == (reqs[data_req].data.size() + kBB - 1) / kBB) {
      ++data_req;
      data_beat = 0;
    }
    if (m.m_wvalid_o && axi_.out().wready) {
      if (beats == 0) first_w = tb_.cycles();
      last_w = tb_.cycles();
      ++beats;
      if (m.m_wlast_o) {
        ASSERT_GT(aw_ahead, 0u) << "W burst without its AW";
        --aw_ahead;
      }
    }
    if (m.m_awvalid_o && axi_.out().awready) ++aw_ahead;
    ASSERT_LE(aw_ahead, 2u) << "AW more than 2 bursts ahead of W";
    Edge();
    if (took) ++issued;
  }
  m.wr_req_valid_i = 0;
  m.wr_data_valid_i = 0;
  ASSERT_EQ(done, reqs.size()) << "writes hung";
  for (int i = 0; i < 40; ++i) {
    Drive();
    EXPECT_FALSE(m.wr_done_o) << "extra wr_done";
    EXPECT_FALSE(m.m_wvalid_o) << "extra W beat";
    EXPECT_FALSE(m.m_awvalid_o) << "extra AW";
    Edge();
  }
  size_t aligned_beats = 0;
  std::vector<uint8_t> expect(big.size(), 0x5a);
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Req& r = reqs[i];
    aligned_beats += ((big.bus() + r.off) % kBB + r.data.size() + kBB - 1) / kBB;
    // The failed write's bytes are undefined (the slave drops the failing burst): skip them.
    const uint8_t* src = i == bad ? big.data() + r.off : r.data.data();
    std::memcpy(expect.data() + r.off, src, r.data.size());
  }
  EXPECT_EQ(std::memcmp(expect.data(), big.data(), big.size()), 0);
  EXPECT_EQ(beats, aligned_beats);
  EXPECT_EQ(axi_.stats().write_errors - errors0, 1u);  // the one failing burst
  *w_beats = beats;
  *w_clocks = last_w - first_w + 1;
}

// With the request and data sources always valid, the W channel never idles between the first
// and the last W beat: the next request is taken and its AW sent while the previous one's W
// beats go out, and its first W beat follows the previous one's last directly.
TYPED_TEST(DmaMasterTest, BackToBackWritesHaveNoIdleWClock) {
  size_t beats = 0;
  uint64_t clocks = 0;
  this->StreamWrites(false, &beats, &clocks);
  EXPECT_EQ(clocks, beats) << "idle W clocks between the first and the last beat";
}

// The same stream with random pauses on every side: still exact, in order, errors per request.
TYPED_TEST(DmaMasterTest, BackToBackWritesWithStallsStayExact) {
  size_t beats = 0;
  uint64_t clocks = 0;
  this->StreamWrites(true, &beats, &clocks);
  EXPECT_GT(clocks, beats);  // the stalls did stall W
}

TEST(AxiMemory, BeatBytesMustBeABusWidth) {
  hw::HostMemory mem;
  for (uint32_t b : {0u, 8u, 24u, 256u}) {
    AxiTiming t;
    t.beat_bytes = b;
    EXPECT_THROW(AxiMemory(mem, t), std::invalid_argument) << b;
  }
  for (uint32_t b : {16u, 32u, 64u, 128u}) {
    AxiTiming t;
    t.beat_bytes = b;
    EXPECT_NO_THROW(AxiMemory(mem, t)) << b;
  }
}

}  // namespace
}  // namespace ipsec::sim
