// esp_fetch testbench: rtl/esp_fetch.sv (the packet engine's fetcher and feeder; Slots = 16,
// NRec = 32) alone, driven by C++ models of its neighbours and checked against a reference
// (hw/model/device_model.cc Execute's descriptor checks; rtl/doc/esp_engine.md, Fetcher).
// Built as esp_fetch_test (vesp_fetch: DataW 128, 1 lane) and esp_fetch_w1024_test
// (ESP_FETCH_W1024: vesp_fetch_w1024, DataW 1024, 4 lanes; vesp_fetch too, to compare): BB = DataW
// / 8 bytes a DMA beat and packet buffer word, one lane model per feeder.
//   queues  dma_queues' side: a few queues of descriptors, each with its next index to request
//           and its head, epoch and stopped flag; pick_* offers a random queue with descriptors
//           left; f_take = same epoch and not stopped; a stopped queue is reset a while later
//           (new epoch, requests again from its head) and queues are also reset at random, so
//           descriptors whose reads are on their way are refused (f_take = 0);
//   DMA     the DMA master's read port: requests with random ready, whole answers in request
//           order after a random latency with random gaps between beats (ceil(len / BB) beats,
//           byte 0 in the top bits),
//           a bus error on chosen requests (rd_err with the last beat);
//   front   takes the oldest record (s_*) after a random delay: starts a feed with the
//           descriptor's in_len (sometimes fewer bytes, as for an IPv4 total length below it,
//           or no job at all) on the next lane in turn once that lane's feeder is free, and
//           hands it on a random delay later (so several feeds run at once);
//   lanes   one per feeder, random in_ready each; every fed byte checked per lane.
// The reference expects, per descriptor read that the queue takes, one record at the front in
// request order, with its descriptor, queue and epoch, and its pre-status: PreFetchErr after a
// failed descriptor read (with f_stop, and nothing of that queue behind it), PreStatus with
// BAD_DESCRIPTOR / MALFORMED per Execute's checks, DMA_ERROR after a failed packet read, else
// PreOk with the packet's first header beats. Packet reads are requested in record order for
// exactly the records whose descriptor passed the checks, at in_addr for in_len bytes, each
// into the packet buffer words after the previous one's, which must be free (released word by
// word as fed, the rest of the span at the feed's end, all of it when handed on without a
// job); fed beats are the packet's bytes with in_keep / in_last right. A run must end with every
// descriptor taken and the fetcher idle, and never go 20000 clocks without progress.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "Vesp_fetch.h"
#if defined(ESP_FETCH_W1024)
#include "Vesp_fetch_w1024.h"
#endif
#include "hw/gen/ipsec_regs.h"
#include "sim/harness/tb.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {
namespace {

using hw::Status;

constexpr int kSlots = 16;    // -GSlots=16 (sim/CMakeLists.txt)
constexpr int kHdrBeats = 6;  // esp_fetch's default HdrBeats
constexpr int kQueues = 8;
constexpr uint64_t kSqBase = 0x10'0000'0000;
constexpr uint64_t kSqStride = 0x1'0000'0000;
constexpr uint8_t kPreOk = 0, kPreStatus = 1, kPreFetchErr = 2;  // esp_engine_pkg::pre_e

constexpr uint8_t S(Status s) { return static_cast<uint8_t>(s); }

// The Verilated configurations (sim/CMakeLists.txt: -GDataW, -GLanes, -GPbufBytes).
template <class V>
struct Cfg;
template <>
struct Cfg<Vesp_fetch> {
  static constexpr uint32_t kDataW = 128, kLanes = 1, kPbufBytes = 32768;
};
#if defined(ESP_FETCH_W1024)
template <>
struct Cfg<Vesp_fetch_w1024> {
  static constexpr uint32_t kDataW = 1024, kLanes = 4, kPbufBytes = 24576;
};
using VFetch = Vesp_fetch_w1024;
#else
using VFetch = Vesp_fetch;
#endif

// Host memory: every address holds a byte of its own (a hash), so any read can be checked.
uint8_t MemByte(uint64_t a) {
  a ^= a >> 29;
  a *= 0xbf58476d1ce4e5b9ULL;
  a ^= a >> 32;
  return static_cast<uint8_t>(a);
}

// Execute's checks (hw/model/device_model.cc): BAD_DESCRIPTOR, then MALFORMED for oversize.
uint8_t Check(const hw::SqDesc& d) {
  const bool iv = d.flags & hw::kSqDescFlagsExplicitIv;
  const bool encap = d.opcode == static_cast<uint8_t>(hw::Opcode::kEncap);
  const bool decap = d.opcode == static_cast<uint8_t>(hw::Opcode::kDecap);
  const uint32_t known = hw::kSqDescFlagsExplicitIv | hw::kSqDescFlagsIrq;
  if ((!encap && !decap) || (d.flags & ~known) || d.reserved != 0 || d.in_len <= (iv ? 8 : 0) ||
      (iv && !encap) || (encap && d.sa >= kSlots)) {
    return S(Status::kBadDescriptor);
  }
  if (d.in_len - (iv ? 8 : 0) > static_cast<int>(hw::kMaxPacket)) return S(Status::kMalformed);
  return S(Status::kOk);
}

struct Knobs {
  int descs = 600;  // per queue
  int queues = 3;
  int pick_pct = 80, req_ready_pct = 70, beat_pct = 85, in_ready_pct = 80;
  int lat_min = 1, lat_max = 200;        // read latency (clocks from the request to the first beat)
  int front_delay = 6;                   // the front's delays: 0..front_delay clocks
  int bad_pct = 10;                      // descriptors failing a check
  int desc_err_pm = 4, pkt_err_pm = 10;  // bus errors per mille of descriptor / packet reads
  int disable_pm = 2;                    // ENABLE cleared for 1..100 clocks, per mille of clocks
  int reset_pm = 1;                      // a queue reset, per mille of clocks
  int short_pct = 10, nojob_pct = 8;     // the front feeds fewer bytes / hands on without a job
  int large_pct = 20;                    // packets of 1501..MAX_PACKET bytes (else 1..small_max)
  int small_max = 1500;
  int fixed_len = 0;                   // every packet this long (directed tests)
  uint64_t front_from = 0;             // the front takes no record before this clock
  bool hand_at_start = false;          // the front hands a fed record on in its feed's first clock
  bool any_lane = false;               // feeds go to the first free lane, not in turn
  int lane0_ready_pct = -1;            // lane 0's in_ready rate, if >= 0
  std::vector<int> desc_err, pkt_err;  // read requests (descriptor / packet, by count) to fail
};

struct Stats {
  uint64_t cycles = 0;
  int records = 0, refused = 0, fetch_errs = 0, dma_errs = 0, checks_failed = 0, resets = 0;
  int fed_beats = 0, nojob = 0, behind_feed = 0, short_feeds = 0, max_in_flight = 0;
  int hand_with_feed = 0;  // records handed on in their feed's first clock
  int overlap3 = 0;        // clocks with >= 3 lanes receiving a beat
  int rel_full = 0;        // clocks with every feed_busy bit set and a lane without a feed
  uint64_t first_beat = 0, beat256 = 0;  // clocks of the first fed beat and of the 256th
  double BeatsPerClock() const { return 256.0 / static_cast<double>(beat256 - first_beat + 1); }
};

template <class V>
class FetchBench {
  static constexpr uint32_t kDataW = Cfg<V>::kDataW, kLanes = Cfg<V>::kLanes;
  static constexpr uint32_t kBB = kDataW / 8;  // bytes a DMA beat / packet buffer word
  static constexpr uint32_t kPbufWords = Cfg<V>::kPbufBytes / kBB;  // PbufBytes
  static constexpr uint32_t kSub = kBB / 16;                        // fed (128-bit) beats a word

 public:
  FetchBench(Knobs k, uint64_t seed) : k_(std::move(k)), rng_(seed) {}

  Stats Run() {
    for (int q = 0; q < k_.queues; ++q) {
      for (int i = 0; i < k_.descs; ++i) qs_[q].descs.push_back(MakeDesc(q, i));
    }
    auto& m = tb_.model();
    m.enable_i = 1;
    tb_.Reset();
    uint64_t last_progress = 0;
    while (!Done() && !::testing::Test::HasFailure()) {
      const size_t before = progress_;
      Cycle();
      if (progress_ != before) last_progress = tb_.cycles();
      if (tb_.cycles() - last_progress > 20'000) {
        ADD_FAILURE() << "hang: no progress for 20000 clocks, " << st_.records << " records";
        break;
      }
    }
    for (int i = 0; i < 64 && !::testing::Test::HasFailure(); ++i) Cycle();
    if (!::testing::Test::HasFailure()) {
      EXPECT_TRUE(exp_.empty()) << exp_.size() << " records never reached the front";
      EXPECT_TRUE(pkt_exp_.empty()) << "packet reads never requested";
      EXPECT_TRUE(reads_.empty());
      for (const auto& f : feeds_) EXPECT_TRUE(f.empty());
      EXPECT_TRUE(m.idle_o) << "not idle at the end";
      EXPECT_FALSE(m.busy_o);
      EXPECT_FALSE(m.s_valid_o);
    }
    st_.cycles = tb_.cycles();
    return st_;
  }

 private:
  bool Pct(int p) { return static_cast<int>(rng_() % 100) < p; }
  bool Pm(int p) { return static_cast<int>(rng_() % 1000) < p; }
  int Rand(int lo, int hi) { return lo + static_cast<int>(rng_() % (hi - lo + 1)); }

  struct Queue {  // dma_queues, one queue
    std::vector<hw::SqDesc> descs;
    size_t head = 0, req = 0;  // next descriptor to take / to request
    uint32_t epoch = 0;
    bool stopped = false;
    uint64_t reset_at = 0;
  };
  struct Read {  // a read request to the DMA master
    bool desc = false, err = false;
    int q = 0;
    uint32_t epoch = 0;
    size_t idx = 0;  // descriptor index
    uint64_t addr = 0;
    uint32_t len = 0, beats = 0, sent = 0;
    uint64_t due = 0;
    size_t rec = 0;  // packet: the record
  };
  struct Rec {  // what must reach the front
    int q = 0;
    uint32_t epoch = 0;
    hw::SqDesc d{};
    uint8_t pre = kPreOk, pre_st = 0;
    bool pkt_done = false;
    uint32_t bstart = 0, span = 0;  // its words in the packet buffer (reserved at the request)
  };
  struct Feed {  // a job's input beats
    uint64_t addr = 0;
    uint32_t len = 0, beat = 0;
    size_t rec = 0;
    uint32_t bstart = 0, span = 0;
  };

  hw::SqDesc MakeDesc(int q, int i) {
    hw::SqDesc d{};
    d.opcode = static_cast<uint8_t>(Pct(50) ? hw::Opcode::kEncap : hw::Opcode::kDecap);
    d.flags = Pct(30) ? hw::kSqDescFlagsIrq : 0;
    if (d.opcode == static_cast<uint8_t>(hw::Opcode::kEncap) && Pct(30)) {
      d.flags |= hw::kSqDescFlagsExplicitIv;
    }
    d.sa = static_cast<uint16_t>(rng_() % kSlots);
    d.cookie = static_cast<uint32_t>(q << 24 | i);
    d.in_addr = (static_cast<uint64_t>(q) << 40) + (static_cast<uint64_t>(i) << 16) + rng_() % 64;
    d.out_addr = rng_();
    d.in_len = static_cast<uint16_t>(Pct(k_.large_pct) ? Rand(1501, hw::kMaxPacket)
                                                       : Rand(1, k_.small_max));
    if (k_.fixed_len != 0) d.in_len = static_cast<uint16_t>(k_.fixed_len);
    if (d.flags & hw::kSqDescFlagsExplicitIv) d.in_len += 8;
    d.out_cap = static_cast<uint16_t>(rng_());
    if (Pct(k_.bad_pct)) {
      switch (rng_() % 9) {
        case 0:
          d.opcode = static_cast<uint8_t>(Pct(50) ? 0 : 3 + rng_() % 253);
          break;
        case 1:
          d.flags |= static_cast<uint8_t>(4 << (rng_() % 6));
          break;
        case 2:
          d.reserved = static_cast<uint32_t>(1 + rng_() % 0xffffffffu);
          break;
        case 3:
          d.in_len = 0;
          break;
        case 4:  // EXPLICIT_IV with in_len <= 8, or on DECAP
          d.flags |= hw::kSqDescFlagsExplicitIv;
          if (Pct(50)) d.in_len = static_cast<uint16_t>(rng_() % 9);
          break;
        case 5:
          d.opcode = static_cast<uint8_t>(hw::Opcode::kEncap), d.sa = Rand(kSlots, 0xffff);
          break;
        case 6:
          d.in_len = static_cast<uint16_t>(hw::kMaxPacket + 1 + rng_() % 3);
          break;
        case 7:  // oversize by the IV rule: MAX_PACKET + 8 is fine with EXPLICIT_IV, + 9 is not
          d.opcode = static_cast<uint8_t>(hw::Opcode::kEncap);
          d.flags |= hw::kSqDescFlagsExplicitIv;
          d.in_len = static_cast<uint16_t>(hw::kMaxPacket + 8 + rng_() % 2);
          break;
        default:
          d.in_len = static_cast<uint16_t>(Rand(9217, 65535));
          break;
      }
    }
    return d;
  }

  static void DescBytes(const hw::SqDesc& d, uint8_t* out) { std::memcpy(out, &d, 32); }

  bool Done() const {
    for (int q = 0; q < k_.queues; ++q) {
      if (qs_[q].head < qs_[q].descs.size()) return false;
    }
    return exp_.empty() && !front_has_ && !AnyFeed();
  }
  bool AnyFeed() const {
    return std::any_of(feeds_.begin(), feeds_.end(), [](const auto& f) { return !f.empty(); });
  }

  // ------------------------------------------------------------------------ one clock
  void Cycle() {
    auto& m = tb_.model();
    const uint64_t now = tb_.cycles();
    // Queues: re-enable stopped ones, random resets.
    for (int q = 0; q < k_.queues; ++q) {
      Queue& s = qs_[q];
      if (((s.stopped && now >= s.reset_at) || Pm(k_.reset_pm)) && WrapSafe(q)) {
        ++s.epoch;
        s.stopped = false;
        s.req = s.head;
        ++st_.resets;
      }
    }
    // pick: a random queue with descriptors to request.
    int pick = -1;
    if (Pct(k_.pick_pct)) {
      const int q0 = static_cast<int>(rng_() % k_.queues);
      for (int j = 0; j < k_.queues && pick < 0; ++j) {
        const int q = (q0 + j) % k_.queues;
        if (!qs_[q].stopped && qs_[q].req < qs_[q].descs.size()) pick = q;
      }
    }
    m.pick_valid_i = pick >= 0;
    m.pick_q_i = pick >= 0 ? pick : static_cast<int>(rng_() % kQueues);
    m.pick_epoch_i = pick >= 0 ? qs_[pick].epoch & 15 : rng_() & 15;
    m.pick_desc_addr_i = pick >= 0 ? kSqBase + pick * kSqStride + qs_[pick].req * 32 : rng_();
    m.rd_req_ready_i = Pct(k_.req_ready_pct);
    if (off_ > 0) --off_;
    if (off_ == 0 && Pm(k_.disable_pm)) off_ = Rand(1, 100);
    m.enable_i = off_ == 0;
    // DMA read data: the oldest request's next beat once it is due.
    Read* r = !reads_.empty() && reads_.front().due <= now ? &reads_.front() : nullptr;
    const bool beat = r != nullptr && Pct(k_.beat_pct);
    m.rd_valid_i = beat;
    m.rd_last_i = beat && r->sent + 1 == r->beats;
    m.rd_err_i = beat && r->sent + 1 == r->beats && r->err;
    uint8_t bytes[kBB];
    for (uint32_t i = 0; i < kBB; ++i) {
      bytes[i] = r == nullptr ? static_cast<uint8_t>(rng_()) : BeatByte(*r, r->sent * kBB + i);
    }
    sim::SetBytes(m.rd_data_i.data(), kDataW, bytes);
    Front(m);
    m.in_ready_i = Pct(k_.lane0_ready_pct >= 0 ? k_.lane0_ready_pct : k_.in_ready_pct);
    for (uint32_t l = 1; l < kLanes; ++l) m.in_ready_i |= Pct(k_.in_ready_pct) << l;
    tb_.Eval();
    // dma_queues answers for the descriptor coming in (f_q / f_epoch from the fetcher).
    const Queue& fq = qs_[m.f_q_o];
    m.f_take_i = (fq.epoch & 15) == m.f_epoch_o && !fq.stopped;
    tb_.Eval();
    Sample(m, now, pick, beat ? r : nullptr);
    tb_.Tick();
  }

  // The 4-bit epoch must not wrap onto a descriptor read of the queue still on its way.
  bool WrapSafe(int q) const {
    for (const Read& r : reads_) {
      if (r.desc && r.q == q && r.epoch + 15 <= qs_[q].epoch) return false;
    }
    return true;
  }

  uint8_t BeatByte(const Read& r, uint32_t i) {
    if (!r.desc) return MemByte(r.addr + i);
    if (i >= 32) return static_cast<uint8_t>(rng_());  // past the descriptor (wide beats)
    uint8_t d[32];
    DescBytes(qs_[r.q].descs[r.idx], d);
    return d[i];
  }

  // The front: check the record at s_*, start the feeder, hand it on.
  void Front(V& m) {
    m.hand_i = 0;
    m.feed_start_i = 0;
    m.feed_lane_i = 0;
    m.feed_len_i = 0;
    if (!front_has_ && m.s_valid_o && tb_.cycles() >= k_.front_from) {
      CheckRecord(m);
      front_has_ = true;
      const Rec& e = Find(exp_.front());
      job_ = e.pre == kPreOk && !Pct(k_.nojob_pct);
      st_.nojob += e.pre == kPreOk && !job_;
      started_ = false;
      wait_ = Rand(0, k_.front_delay);
    }
    if (!front_has_ || ::testing::Test::HasFailure()) return;
    if (wait_ > 0) {
      --wait_;
      return;
    }
    const Rec& e = Find(exp_.front());
    if (job_ && !started_) {
      for (uint32_t l = 0; k_.any_lane && l < kLanes && ((m.feed_busy_o >> lane_) & 1); ++l) {
        lane_ = l;
      }
      if ((m.feed_busy_o >> lane_) & 1) return;  // lanes in turn (or none free)
      uint32_t len = e.d.in_len;
      if (Pct(k_.short_pct)) {
        len = static_cast<uint32_t>(Rand(1, e.d.in_len));
        ++st_.short_feeds;
      }
      m.feed_start_i = 1;
      m.feed_lane_i = lane_;
      m.feed_len_i = len;
      feeds_[lane_].push_back({e.d.in_addr, len, 0, exp_.front(), e.bstart, e.span});
      lane_ = (lane_ + 1) % kLanes;
      started_ = true;
      // The front may hand the record on in the feed's first clock (esp_front does when the
      // lane and the back are ready).
      wait_ = k_.hand_at_start ? 0 : Rand(0, k_.front_delay + 1);
      if (wait_ > 0) return;
      ++st_.hand_with_feed;
    }
    m.hand_i = 1;
    if (!started_) Release(exp_.front(), e.bstart, e.span);  // no job: all its beats
    st_.behind_feed += !started_ && e.span != 0 && AnyFeed();
    recs_.erase(exp_.front());
    exp_.pop_front();
    front_has_ = false;
    ++st_.records;
    ++progress_;
  }

  void CheckRecord(V& m) {
    ASSERT_FALSE(exp_.empty()) << "a record at the front that no taken descriptor made";
    const Rec& e = Find(exp_.front());
    const std::string where = " (record " + std::to_string(st_.records) + ", queue " +
                              std::to_string(e.q) + " cookie " + std::to_string(e.d.cookie) + ")";
    ASSERT_EQ(m.s_q_o, e.q) << where;
    ASSERT_EQ(m.s_epoch_o, e.epoch & 15) << where;
    ASSERT_EQ(m.s_pre_o, e.pre) << where;
    if (e.pre == kPreFetchErr) return;  // no descriptor
    uint8_t got[32], want[32];
    sim::GetBytes(m.s_desc_o.data(), 256, got);
    DescBytes(e.d, want);
    ASSERT_EQ(0, std::memcmp(got, want, 32)) << "descriptor" << where;
    if (e.pre == kPreStatus) {
      ASSERT_EQ(m.s_pre_st_o, e.pre_st) << where;
      return;
    }
    ASSERT_TRUE(e.pkt_done) << "record at the front before its packet came" << where;
    uint8_t hdr[16 * kHdrBeats];
    sim::GetBytes(m.s_hdr_o.data(), 128 * kHdrBeats, hdr);
    const uint32_t n = std::min<uint32_t>(e.d.in_len, 16 * kHdrBeats);
    for (uint32_t i = 0; i < n; ++i) {
      ASSERT_EQ(hdr[i], MemByte(e.d.in_addr + i)) << "header byte " << i << where;
    }
  }

  // After the inputs settled: requests, responses, feed beats.
  void Sample(V& m, uint64_t now, int pick, Read* beat) {
    // The descriptor answer: fetch_ok / f_stop as dma_queues would count them.
    if (beat != nullptr && beat->desc && m.rd_last_i) {
      ASSERT_EQ(m.f_q_o, beat->q);
      ASSERT_EQ(m.f_epoch_o, beat->epoch & 15);
      Queue& s = qs_[beat->q];
      const bool take = m.f_take_i;
      ASSERT_EQ(m.fetch_ok_o, take && !beat->err) << "fetch_ok";
      ASSERT_EQ(m.f_stop_o, take && beat->err) << "f_stop";
      if (take) {
        ASSERT_EQ(beat->idx, s.head) << "descriptors taken out of order";
        Rec rec{beat->q, s.epoch, s.descs[s.head]};
        ++s.head;
        if (beat->err) {
          rec.pre = kPreFetchErr;
          s.stopped = true;
          s.reset_at = now + Rand(1, 300);
          ++st_.fetch_errs;
        } else if ((rec.pre_st = Check(rec.d)) != S(Status::kOk)) {
          rec.pre = kPreStatus;
          ++st_.checks_failed;
        } else {
          pkt_exp_.push_back(next_rec_);
        }
        recs_[next_rec_++] = rec;
        exp_.push_back(next_rec_ - 1);
        ++progress_;
      } else {
        ++st_.refused;
      }
    } else {
      ASSERT_FALSE(m.fetch_ok_o);
      ASSERT_FALSE(m.f_stop_o);
    }
    if (beat != nullptr) {
      ++beat->sent;
      if (beat->sent == beat->beats) {
        if (!beat->desc) {
          Rec& rec = Find(beat->rec);
          rec.pkt_done = true;
          if (beat->err) {
            rec.pre = kPreStatus;
            rec.pre_st = S(Status::kDmaError);
            ++st_.dma_errs;
          }
        }
        reads_.pop_front();
      }
    }
    // Requests.
    ASSERT_TRUE(!m.f_req_o || (m.rd_req_valid_o && m.rd_req_ready_i && pick >= 0))
        << "f_req without a descriptor request";
    ASSERT_TRUE(!m.f_req_o || m.enable_i) << "a descriptor requested while not enabled";
    if (m.rd_req_valid_o && m.rd_req_ready_i) {
      Read rd;
      rd.due = now + Rand(k_.lat_min, k_.lat_max);
      if (m.f_req_o) {
        Queue& s = qs_[pick];
        ASSERT_EQ(m.rd_req_addr_o, kSqBase + pick * kSqStride + s.req * 32);
        ASSERT_EQ(m.rd_req_len_o, 32);
        rd.desc = true;
        rd.q = pick;
        rd.epoch = s.epoch;
        rd.idx = s.req++;
        rd.addr = m.rd_req_addr_o;
        rd.len = 32;
        rd.err = Pm(k_.desc_err_pm) || Listed(k_.desc_err, n_desc_reads_);
        ++n_desc_reads_;
      } else {
        ASSERT_FALSE(pkt_exp_.empty()) << "a packet read that no record needs";
        Rec& rec = Find(pkt_exp_.front());
        ASSERT_EQ(m.rd_req_addr_o, rec.d.in_addr) << "packet read address";
        ASSERT_EQ(m.rd_req_len_o, rec.d.in_len) << "packet read length";
        rd.rec = pkt_exp_.front();
        // Its words follow the previous packet's in the buffer and must all be free.
        rec.bstart = bres_;
        rec.span = (rec.d.in_len + kBB - 1) / kBB;
        for (uint32_t i = 0; i < rec.span; ++i) {
          int& o = owner_[(bres_ + i) % kPbufWords];
          ASSERT_EQ(o, -1) << "packet read for record " << rd.rec << " into buffer word "
                           << (bres_ + i) % kPbufWords << ", still in use by record " << o
                           << " at clock " << now;
          o = static_cast<int>(rd.rec);
        }
        bres_ = (bres_ + rec.span) % kPbufWords;
        pkt_exp_.pop_front();
        rd.addr = rec.d.in_addr;
        rd.len = rec.d.in_len;
        rd.err = Pm(k_.pkt_err_pm) || Listed(k_.pkt_err, n_pkt_reads_);
        ++n_pkt_reads_;
      }
      rd.beats = (rd.len + kBB - 1) / kBB;
      if (!reads_.empty()) rd.due = std::max(rd.due, reads_.back().due);
      reads_.push_back(rd);
      st_.max_in_flight = std::max(st_.max_in_flight, static_cast<int>(reads_.size()));
    }
    // Fed beats, per lane.
    int lanes_beat = 0;
    const bool idle_lane =
        std::any_of(feeds_.begin(), feeds_.end(), [](const auto& f) { return f.empty(); });
    st_.rel_full += idle_lane && m.feed_busy_o == (1u << kLanes) - 1;
    for (uint32_t l = 0; l < kLanes; ++l) {
      const bool valid = (m.in_valid_o >> l) & 1;
      ASSERT_TRUE(!valid || !feeds_[l].empty()) << "in_valid without a job, lane " << l;
      if (!valid || !((m.in_ready_i >> l) & 1)) continue;
      ++lanes_beat;
      Feed& f = feeds_[l].front();
      const uint32_t left = f.len - f.beat * 16;
      const uint16_t keep = left >= 16 ? 0xffff : static_cast<uint16_t>(~(0xffffu >> left));
      ASSERT_EQ(static_cast<uint16_t>(static_cast<uint64_t>(m.in_keep_o) >> (16 * l)), keep)
          << "in_keep, beat " << f.beat << ", lane " << l;
      ASSERT_EQ((m.in_last_o >> l) & 1, left <= 16 ? 1 : 0) << "in_last, beat " << f.beat;
      uint8_t got[16];
      sim::GetBytes(m.in_data_o.data() + 4 * l, 128, got);
      for (uint32_t i = 0; i < 16 && i < left; ++i) {
        ASSERT_EQ(got[i], MemByte(f.addr + f.beat * 16 + i))
            << "fed byte " << f.beat * 16 + i << " of " << f.len << " at clock " << now << ", lane "
            << l;
      }
      ++f.beat;
      ++st_.fed_beats;
      if (st_.fed_beats == 1) st_.first_beat = now;
      if (st_.fed_beats == 256) st_.beat256 = now;
      ++progress_;
      // A word is free once its last fed beat is sent.
      if (f.beat % kSub == 0 || left <= 16) Release(f.rec, f.bstart + (f.beat - 1) / kSub, 1);
      if (left <= 16) {
        const uint32_t words = (f.beat + kSub - 1) / kSub;
        Release(f.rec, f.bstart + words, f.span - words);  // the rest of the span
        feeds_[l].pop_front();
      }
    }
    st_.overlap3 += lanes_beat >= 3;
  }

  static bool Listed(const std::vector<int>& v, int n) {
    return std::find(v.begin(), v.end(), n) != v.end();
  }

  Rec& Find(size_t id) { return recs_.at(id); }

  // The buffer words [first, first + n) of record id are free again.
  void Release(size_t id, uint32_t first, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) {
      int& o = owner_[(first + i) % kPbufWords];
      ASSERT_EQ(o, static_cast<int>(id)) << "releasing word " << (first + i) % kPbufWords;
      o = -1;
    }
  }

  Knobs k_;
  std::mt19937_64 rng_;
  sim::Tb<V> tb_{"esp_fetch"};
  Stats st_;
  Queue qs_[kQueues];
  std::deque<Read> reads_;
  std::map<size_t, Rec> recs_;
  size_t next_rec_ = 0, progress_ = 0;
  std::deque<size_t> exp_, pkt_exp_;  // records to reach the front / to have their packet read
  std::array<std::deque<Feed>, kLanes> feeds_;                 // per lane
  std::vector<int> owner_ = std::vector<int>(kPbufWords, -1);  // packet buffer words: record
  uint32_t bres_ = 0;                                          // next word to reserve
  bool front_has_ = false, job_ = false, started_ = false;
  int off_ = 0, wait_ = 0, n_desc_reads_ = 0, n_pkt_reads_ = 0;
  uint32_t lane_ = 0;  // the next feed's lane
};

void Print(const std::string& what, const Stats& s) {
  std::printf(
      "%s: %llu clocks, %d records at the front (%d fetch errors, %d failed checks, %d DMA "
      "errors), %d refused, %d queue resets, %d fed beats (%d short feeds, %d PreOk without a "
      "job; %d records with beats handed on during a feed, %d in their feed's first clock), up "
      "to %d reads in flight, %d clocks with >= 3 lanes fed, %d with the release FIFO full\n",
      what.c_str(), static_cast<unsigned long long>(s.cycles), s.records, s.fetch_errs,
      s.checks_failed, s.dma_errs, s.refused, s.resets, s.fed_beats, s.short_feeds, s.nojob,
      s.behind_feed, s.hand_with_feed, s.max_in_flight, s.overlap3, s.rel_full);
}

// Several seeds (IPSEC_SEED = the first), each with its own queue count, stall rates and read
// latency (up to 500 clocks), random bus errors, failed checks, short feeds and queue resets.
TEST(EspFetchTest, RandomRunsMatchTheReference) {
  const uint64_t seed = TestSeed(1);
  const int queues[] = {1, 3, 8, 2, 5, 4}, lat_max[] = {8, 200, 500, 60, 30, 300};
  Stats all;
  for (int k = 0; k < 6; ++k) {
    std::mt19937_64 rng(seed * 1000 + k);
    Knobs kn;
    kn.queues = queues[k];
    kn.descs = 3000 / queues[k];
    kn.large_pct = k == 5 ? 70 : 20;
    kn.lat_min = k == 2 ? 300 : 1;
    kn.lat_max = lat_max[k];
    for (int* p : {&kn.pick_pct, &kn.req_ready_pct, &kn.beat_pct, &kn.in_ready_pct}) {
      *p = k == 3 ? 100 : 40 + static_cast<int>(rng() % 61);
    }
    kn.front_delay = k == 3 ? 0 : 6;
    const Stats s = FetchBench<VFetch>(kn, seed + k).Run();
    ASSERT_FALSE(::testing::Test::HasFailure()) << "seed " << seed + k << " run " << k;
    Print("seed " + std::to_string(seed + k) + " run " + std::to_string(k), s);
    all.fetch_errs += s.fetch_errs;
    all.dma_errs += s.dma_errs;
    all.checks_failed += s.checks_failed;
    all.refused += s.refused;
    all.short_feeds += s.short_feeds;
    all.nojob += s.nojob;
    all.resets += s.resets;
    all.behind_feed += s.behind_feed;
    all.hand_with_feed += s.hand_with_feed;
    all.overlap3 += s.overlap3;
  }
  // The runs covered what they check.
  EXPECT_GT(all.fetch_errs, 5);
  EXPECT_GT(all.dma_errs, 10);
  EXPECT_GT(all.checks_failed, 100);
  EXPECT_GT(all.refused, 20);
  EXPECT_GT(all.short_feeds, 50);
  EXPECT_GT(all.nojob, 50);
  EXPECT_GT(all.behind_feed, 50);  // records with beats handed on without a job during a feed
  EXPECT_GT(all.hand_with_feed, 50);
  if (Cfg<VFetch>::kLanes >= 3) {
    EXPECT_GT(all.overlap3, 1000);  // several feeds at once
  }
}

Knobs Quiet() {
  Knobs k;
  k.disable_pm = 0;
  k.desc_err_pm = k.pkt_err_pm = k.reset_pm = k.bad_pct = 0;
  k.short_pct = k.nojob_pct = 0;
  return k;
}

// One queue, read latency 100..150: the descriptor read 40 fails while many more of the queue
// are in flight behind it. Record 40 is PreFetchErr with f_stop, the reads behind it are
// refused (f_take = 0) and reach the front only once requested again after the reset.
TEST(EspFetchTest, DescriptorReadErrorStopsTheQueue) {
  Knobs k = Quiet();
  k.queues = 1;
  k.descs = 100;
  k.lat_min = 100;
  k.lat_max = 150;
  k.pick_pct = k.req_ready_pct = 100;
  k.desc_err = {40};
  if (Cfg<VFetch>::kDataW > 128) {
    // A wide bus brings large packets in fast, the ring fills with records waiting for the
    // feeder and few descriptor reads are in flight: small packets keep many in flight.
    k.large_pct = 0;
    k.small_max = 128;
  }
  const Stats s = FetchBench<VFetch>(k, 3).Run();
  Print("descriptor read error", s);
  EXPECT_EQ(s.fetch_errs, 1);
  EXPECT_GT(s.refused, 10);
  EXPECT_EQ(s.records, 100);
}

// Packet reads 5 and 6 fail: those two records come with DMA_ERROR, the others are fed.
TEST(EspFetchTest, PacketReadErrorGivesDmaError) {
  Knobs k = Quiet();
  k.queues = 2;
  k.descs = 20;
  k.pkt_err = {5, 6};
  const Stats s = FetchBench<VFetch>(k, 5).Run();
  Print("packet read error", s);
  EXPECT_EQ(s.dma_errs, 2);
  EXPECT_EQ(s.records, 40);
}

// 9000-byte packets (563 16-byte beats; 3 fit in 32 KiB, 2 in the w1024 build's 24), a slow lane
// (in_ready 10%), the packet read of record 1 fails. The front starts feeding record 0 and hands it
// on, then hands record 1 (DMA_ERROR, no job) at once: its 563 beats must not be given to record 3
// before record 0's beats are fed, since record 3's beats follow record 2's and wrap onto
// record 0's (found by this testbench: esp_fetch released them at once, so record 3's packet
// was read over record 0's unfed beats and the lane got wrong bytes).
TEST(EspFetchTest, NoJobRecordBehindAFeedKeepsItsBeatsUntilTheFeedEnds) {
  Knobs k = Quiet();
  k.queues = 1;
  k.descs = 8;
  k.fixed_len = 9000;
  k.lat_min = k.lat_max = 10;
  k.in_ready_pct = 10;
  k.pick_pct = k.req_ready_pct = k.beat_pct = 100;
  k.front_delay = 0;
  k.pkt_err = {1};
  const Stats s = FetchBench<VFetch>(k, 13).Run();
  Print("no-job record behind a slow feed", s);
  EXPECT_EQ(s.dma_errs, 1);
  EXPECT_EQ(s.records, 8);
  EXPECT_EQ(s.fed_beats, 7 * 563);
}

// 64-byte packets at a read latency of 500 clocks, nothing else stalling: the record ring
// (NRec = 32) fills, so reads keep up to 32 in flight and a packet takes well under 500 clocks.
TEST(EspFetchTest, ManySmallReadsInFlight) {
  Knobs k = Quiet();
  k.queues = 4;
  k.descs = 100;
  k.large_pct = 0;
  k.small_max = 64;
  k.lat_min = k.lat_max = 500;
  k.pick_pct = k.req_ready_pct = k.beat_pct = k.in_ready_pct = 100;
  k.front_delay = 0;
  const Stats s = FetchBench<VFetch>(k, 7).Run();
  Print("small packets, latency 500", s);
  EXPECT_GE(s.max_in_flight, 28);
  EXPECT_LT(s.cycles, 400u * 500 / 10);
}

// Only 1501..9216-byte packets (EXPLICIT_IV ones 8 more): the packet buffer, not the
// records, limits the reads; no deadlock, every byte fed.
TEST(EspFetchTest, LargePacketsDoNotDeadlock) {
  Knobs k = Quiet();
  k.queues = 2;
  k.descs = 40;
  k.large_pct = 100;
  k.lat_max = 300;
  const Stats s = FetchBench<VFetch>(k, 9).Run();
  Print("large packets", s);
  EXPECT_EQ(s.records, 80);
  EXPECT_GE(s.fed_beats, 80 * 94);
}

#if defined(ESP_FETCH_W1024)
// 64-byte packets (72 with EXPLICIT_IV), nothing stalling, the front handing each fed record on
// in its feed's first clock and taking none before clock 1000, when all 32 records are in (so
// the feeders, not the one-beat-a-clock read port, set the rate of the first 256 fed beats).
// The same run on DataW = 128 with 1 lane (vesp_fetch) and on DataW = 1024 with 4 lanes: the 4
// feeders overlap and the lanes together receive >= 3.5x the beats per clock of the one lane.
TEST(EspFetchTest, FourLanesAreFedAtOnce) {
  Knobs k = Quiet();
  k.queues = 4;
  k.descs = 40;
  k.fixed_len = 64;
  k.lat_min = k.lat_max = 1;
  k.pick_pct = k.req_ready_pct = k.beat_pct = k.in_ready_pct = 100;
  k.front_delay = 0;
  k.hand_at_start = true;
  k.front_from = 1000;
  const Stats one = FetchBench<Vesp_fetch>(k, 21).Run();
  ASSERT_FALSE(::testing::Test::HasFailure());
  const Stats four = FetchBench<Vesp_fetch_w1024>(k, 21).Run();
  ASSERT_FALSE(::testing::Test::HasFailure());
  Print("all ready, 64 B, DataW 128, 1 lane", one);
  Print("all ready, 64 B, DataW 1024, 4 lanes", four);
  std::printf("first 256 fed beats: %.3f beats/clock with 1 lane, %.3f with 4 (%.2fx)\n",
              one.BeatsPerClock(), four.BeatsPerClock(),
              four.BeatsPerClock() / one.BeatsPerClock());
  EXPECT_EQ(one.overlap3, 0);
  EXPECT_GE(four.overlap3, 40);
  EXPECT_GE(four.BeatsPerClock(), 3.5 * one.BeatsPerClock());
}

// Feeds to the first free lane, lane 0 slow (in_ready 3%), packets of <= 512 B: the feeds behind
// the oldest one fill the release FIFO (every feed_busy bit set while lanes are free) until it
// ends.
TEST(EspFetchTest, ReleaseFifoFillsBehindASlowFeed) {
  Knobs k = Quiet();
  k.queues = 2, k.descs = 300, k.large_pct = 0, k.small_max = 512;
  k.pick_pct = k.req_ready_pct = k.beat_pct = k.in_ready_pct = 100;
  k.lat_min = k.lat_max = 1, k.front_delay = 0;
  k.any_lane = true;
  k.lane0_ready_pct = 3;
  const Stats s = FetchBench<VFetch>(k, 31).Run();
  Print("release FIFO full", s);
  EXPECT_EQ(s.records, 600);
  EXPECT_GT(s.rel_full, 100);
}
#endif

}  // namespace
}  // namespace ipsec::rtltest
