#include "sim/models/axi_mem.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ipsec::sim {
namespace {

constexpr uint32_t kSlvErr = 2;

}  // namespace

AxiMemory::AxiMemory(hw::HostMemory& mem, AxiTiming timing) : mem_(mem), timing_(timing) {
  const uint32_t b = timing_.beat_bytes;
  if (b != 16 && b != 32 && b != 64 && b != 128) {
    throw std::invalid_argument("AxiTiming::beat_bytes " + std::to_string(b) +
                                ": not 16, 32, 64 or 128");
  }
  r_tokens_ = w_tokens_ = b;
  Update();
}

bool AxiMemory::InErrorRange(uint64_t lo, uint64_t hi, bool write) const {
  for (const auto& r : faults_.error_ranges) {
    if ((write ? r.writes : r.reads) && lo < r.hi && r.lo < hi) return true;
  }
  return false;
}

void AxiMemory::Clock(const AxiMasterPins& in) {
  // Handshakes at this edge, against the outputs the master saw.
  if (in.arvalid && out_.arready) {
    ReadBurst b;
    b.addr = in.araddr;
    b.beats = in.arlen + 1;
    b.ready_at = now_ + timing_.read_latency;
    const auto idx = static_cast<int64_t>(rd_index_++);
    if (idx == faults_.delay_read_burst) b.ready_at += faults_.delay_cycles;
    b.error = idx == faults_.error_read_burst;
    if (!reads_.empty()) b.ready_at = std::max(b.ready_at, reads_.back().ready_at);
    reads_.push_back(b);
    ++stats_.read_bursts;
  }
  const uint32_t beat = timing_.beat_bytes;
  if (out_.rvalid && in.rready) {
    ReadBurst& b = reads_.front();
    ++b.done;
    ++stats_.read_beats;
    r_tokens_ -= beat;
    if (b.done == b.beats) reads_.pop_front();
  }
  if (in.awvalid && out_.awready) {
    WriteBurst b;
    b.addr = in.awaddr;
    b.beats = in.awlen + 1;
    b.error = static_cast<int64_t>(wr_index_++) == faults_.error_write_burst;
    writes_.push_back(b);
    ++stats_.write_bursts;
  }
  if (in.wvalid && out_.wready) {
    WriteBurst& b = writes_.front();
    const uint64_t beat_addr = (b.addr & ~uint64_t{beat - 1}) + uint64_t{b.done} * beat;
    bool ok = !b.error;
    uint32_t first = beat, last = 0;
    for (uint32_t i = 0; i < beat; ++i) {
      if (in.wstrb[i]) {
        first = std::min(first, i);
        last = i + 1;
      }
    }
    if (first < last) {
      // Every enabled byte must be inside an allocation: at once when the strobed range lies
      // in one (the usual case), else byte by byte (strobes are contiguous for this master but
      // checked byte by byte anyway).
      uint8_t* whole = mem_.Translate(beat_addr + first, last - first);
      for (uint32_t i = first; whole == nullptr && i < last && ok; ++i) {
        if (in.wstrb[i] && mem_.Translate(beat_addr + i, 1) == nullptr) ok = false;
      }
      if (InErrorRange(beat_addr + first, beat_addr + last, true)) ok = false;
      if (ok) {
        for (uint32_t i = first; i < last; ++i) {
          if (!in.wstrb[i]) continue;
          uint8_t* p = whole != nullptr ? whole + (i - first) : mem_.Translate(beat_addr + i, 1);
          *p = in.wdata[i];
        }
      }
    }
    if (!ok) b.error = true;
    ++b.done;
    ++stats_.write_beats;
    w_tokens_ -= beat;
    if (b.done == b.beats || in.wlast) {
      responses_.push_back({now_ + timing_.write_latency, b.error});
      if (b.error) ++stats_.write_errors;
      writes_.pop_front();
    }
  }
  if (out_.bvalid && in.bready) responses_.pop_front();

  ++now_;
  const uint32_t bw = std::clamp<uint32_t>(timing_.bytes_per_cycle, 1, beat);
  r_tokens_ = std::min(r_tokens_ + bw, beat);
  w_tokens_ = std::min(w_tokens_ + bw, beat);
  Update();
}

void AxiMemory::Update() {
  out_ = AxiSlavePins{};
  const uint32_t beat = timing_.beat_bytes;
  out_.arready = reads_.size() < timing_.max_outstanding;
  if (!reads_.empty() && reads_.front().ready_at <= now_ && r_tokens_ >= beat) {
    const ReadBurst& b = reads_.front();
    const uint64_t aligned = b.addr & ~uint64_t{beat - 1};
    const uint64_t beat_addr = aligned + uint64_t{b.done} * beat;
    const uint64_t first = b.done == 0 ? b.addr : beat_addr;
    out_.rvalid = true;
    out_.rlast = b.done + 1 == b.beats;
    bool ok = !b.error && !InErrorRange(first, beat_addr + beat, false) &&
              mem_.Translate(first, 1) != nullptr;
    if (ok) {
      if (const uint8_t* whole = mem_.Translate(beat_addr, beat); whole != nullptr) {
        std::memcpy(out_.rdata.data(), whole, beat);
      } else {
        // Lanes outside an allocation (before ARADDR, past the end) read as 0. Allocations
        // start 4 KiB aligned (HostMemory::Alloc), so from a byte in none the rest of its 4 KiB
        // page is in none either.
        for (uint32_t i = 0; i < beat;) {
          const uint64_t a = beat_addr + i;
          const std::span<uint8_t> t = mem_.Tail(a);
          if (t.empty()) {
            const uint64_t to_page = 4096 - (a & 4095);
            const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(to_page, beat - i));
            std::memset(out_.rdata.data() + i, 0, n);
            i += n;
            continue;
          }
          const uint32_t n = static_cast<uint32_t>(std::min<size_t>(t.size(), beat - i));
          std::memcpy(out_.rdata.data() + i, t.data(), n);
          i += n;
        }
      }
    } else {
      ++stats_.read_errors;
    }
    out_.rresp = ok ? 0 : kSlvErr;
  }
  out_.awready = writes_.size() < 4;
  out_.wready = !writes_.empty() && w_tokens_ >= beat;
  if (!responses_.empty() && responses_.front().at <= now_) {
    out_.bvalid = true;
    out_.bresp = responses_.front().error ? kSlvErr : 0;
  }
}

}  // namespace ipsec::sim
