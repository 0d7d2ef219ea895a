// esp_back testbench bench (tests in esp_back_test.cc): rtl/esp_back.sv (the packet engine's back,
// Slots = 16) alone, driven by C++ models of its neighbours and checked against a reference of what
// it must do (hw/model/device_model.cc: Process, Execute, Account; rtl/doc/esp_engine.md):
//   front   hands records (back_t, the SA's cfg / state / state after the packet) when
//           rec_ready_o, with random gaps; takes an SA's state as esp_front does: waits while
//           haz_o, or takes fwd_st_o when fwd_o, else reads a shadow SA table written by sa_wr_o;
//   lane    a result and ceil(out_len / BB) output words per job, in job order, results running
//           ahead of the previous job's beats, random stalls;
//   DMA     the DMA master's write port: requests with random ready (at most 8 unanswered, 4
//           with data to come), data beats in request order, wr_done in order after a latency,
//           error injection;
//   replay  the commit port (answer 2 clocks after the request, random refusals);
//   queues  dma_queues' eng_live / ans_live / q_epochs / cpl_addr / cpl_phase; a stopped queue is
//           re-enabled (new epoch, CQ_TAIL 0, phase 1) a while later; a queue may be reset
//           while B works on one of its records (that record gets no completion).
// Per record in fetch order the reference expects, and nothing else: the replay commit when the
// ICV verified (refused: REPLAY), the SA write (= Account of the state the front took, which must
// be the model's state), events SEQ_OVERFLOW / SOFT / HARD, STAT_* with the completion request
// (DMA_ERROR with out_len 0 after a failed output write) and the entry's bytes (hw/regmap.toml
// cq_entry); and, on the ans_* port when the completion write is answered, completion done
// or, on a failed completion write, QUEUE_ERROR + stop, then the release. B starts a record
// only when its queue has no completion write unanswered (so a queue's records wait for the
// answer, other queues' records do not). A record of a queue behind its failed completion
// write (or failed descriptor read) has no effect but the release. Every output write must
// carry the lane's bytes to the record's out_addr and be answered before an OK completion is
// requested; haz_o / fwd_o / fwd_st_o are checked every clock against the records held.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "Vesp_back.h"
#include "Vesp_back_w1024.h"
#include "hw/gen/ipsec_regs.h"
#include "sim/harness/tb.h"
#include "tests/rtl/esp_back_tb.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {

constexpr uint32_t kCqEntries = 16;  // completion ring entries: the phase flips often
constexpr uint64_t kOutBase = 0x1000'0000;
constexpr uint64_t kOutStride = 0x4000;  // one output buffer per record (out_len < 16 KiB)
constexpr uint64_t kCqBase = 0x8000'0000'0000;
constexpr uint64_t kCqStride = 0x1000;
// V: the Verilated esp_back (Vesp_back: 128-bit host bus; Vesp_back_w1024: DataW = 1024, so
// the lane's output comes in 128-byte words and every write beat carries 128 bytes).
template <class V>
class BackBench {
 public:
  static constexpr size_t kBB = sizeof(V::wr_data_o);  // bytes per bus word

  BackBench(Knobs k, uint64_t seed) : k_(std::move(k)), rng_(seed) {}

  Stats Run() {
    for (int s = 0; s < kSlots; ++s) {
      SaState st;
      st.next_seq = 1 + rng_() % 1000;
      st.pkts = rng_() % 50;
      st.bytes = st.pkts * 100;
      st.replay = static_cast<uint32_t>(rng_() % 5);
      table_[s] = ref_st_[s] = st;
      Limits& l = lim_[s];
      if (Pct(60)) l.soft_pkts = st.pkts + 1 + rng_() % (k_.records / 8 + 2);
      if (Pct(40)) l.hard_pkts = st.pkts + 1 + rng_() % (k_.records / 4 + 2);
      if (Pct(40)) l.soft_bytes = st.bytes + 1 + rng_() % (k_.records * 100 + 2);
      if (Pct(30)) l.hard_bytes = st.bytes + 1 + rng_() % (k_.records * 300 + 2);
    }
    tb_.Reset();
    const size_t n = static_cast<size_t>(k_.records);
    uint64_t last_progress = 0;
    while (cur_ < n && !::testing::Test::HasFailure()) {
      const size_t before = progress_;
      Cycle();
      if (progress_ != before) last_progress = tb_.cycles();
      if (tb_.cycles() - last_progress > 20'000) {
        ADD_FAILURE() << "hang: no progress for 20000 clocks at record " << cur_ << " of " << n;
        break;
      }
    }
    // Settle: nothing more may happen.
    for (int i = 0; i < 64 && !::testing::Test::HasFailure(); ++i) Cycle();
    auto& m = tb_.model();
    if (!::testing::Test::HasFailure()) {
      EXPECT_EQ(cur_, n);
      EXPECT_TRUE(exp_.empty());
      EXPECT_TRUE(aexp_.empty());
      EXPECT_TRUE(pend_.empty()) << "completion writes unanswered";
      EXPECT_TRUE(m.idle_o) << "not idle after the last record";
      EXPECT_FALSE(m.busy_o);
      EXPECT_EQ(res_next_, lane_jobs_.size()) << "lane results not all taken";
      EXPECT_EQ(beat_job_, lane_jobs_.size()) << "lane output beats not all taken";
      EXPECT_TRUE(wq_.empty()) << "writes unanswered";
      EXPECT_TRUE(cmts_.empty());
    }
    // Idle W clocks over the middle 60% of the W beats.
    if (w_clocks_.size() > 10) {
      const size_t lo = w_clocks_.size() / 5, hi = w_clocks_.size() * 4 / 5;
      st_.idle_w = (w_clocks_[hi] - w_clocks_[lo]) - (hi - lo);
    }
    st_.cycles = tb_.cycles();
    st_.w_beats = w_clocks_.size();
    return st_;
  }

 private:
  bool Pct(int p) { return static_cast<int>(rng_() % 100) < p; }
  bool Pm(int p) { return static_cast<int>(rng_() % 1000) < p; }

  struct QueueModel {  // dma_queues, one queue
    uint32_t epoch = 0, tail = 0;
    bool phase = true, stopped = false, blocked = false;
    uint64_t reenable_at = 0;
  };
  struct WrReq {
    uint64_t addr = 0;
    uint16_t len = 0;
    bool cpl = false, err = false, data_done = false;
    size_t rec = 0;
    std::vector<uint8_t> data, expect;
    uint64_t done_at = 0;
  };
  struct Cmt {
    uint64_t due;
    bool ok;
  };

  // ------------------------------------------------------------------------ one clock
  void Cycle() {
    auto& m = tb_.model();
    const uint64_t now = tb_.cycles();
    for (int q = 0; q < kQueues; ++q) ReEnable(q, now);
    m.fetch_ok_i = 0;
    if (gen_ < static_cast<size_t>(k_.records) && fetched_.size() < 4 && Pct(k_.gen_pct)) {
      Generate();
    }
    // The front: the next record's slot, queue and epoch (random ones when it has none).
    m.hand_i = 0;
    const bool has_next = !fetched_.empty();
    const Rec* nx = has_next ? &recs_[fetched_.front()] : nullptr;
    m.f_slot_i = nx != nullptr ? nx->slot : static_cast<uint8_t>(rng_() % k_.slots);
    m.f_pq_i = nx != nullptr ? nx->q : static_cast<uint8_t>(rng_() % k_.queues);
    m.f_pepoch_i = (nx != nullptr ? nx->epoch : qs_[m.f_pq_i].epoch) & 15;
    DriveLane();
    // DMA write port.
    size_t need_data = 0;
    for (const auto& r : wq_) need_data += !r.data_done;
    m.wr_req_ready_i = wq_.size() < 8 && need_data < 4 && Pct(k_.req_ready_pct);
    m.wr_data_ready_i = need_data > 0 && Pct(k_.data_ready_pct);
    const bool done = !wq_.empty() && wq_.front().data_done && wq_.front().done_at <= now;
    m.wr_done_i = done;
    m.wr_err_i = done && wq_.front().err;
    // Replay commit port.
    m.rp_cmt_ready_i = Pct(k_.cmt_ready_pct);
    const bool cdone = !cmts_.empty() && cmts_.front().due == now;
    m.rp_cmt_done_i = cdone;
    m.rp_cmt_ok_i = cdone && cmts_.front().ok;
    // Queues: every epoch, and the back's queue's state.
    uint32_t epochs = 0;
    for (int q = 0; q < kQueues; ++q) epochs |= (qs_[q].epoch & 15) << (4 * q);
    m.q_epochs_i = epochs;
    tb_.Eval();
    const QueueModel& eq = qs_[m.eng_q_o];
    m.eng_live_i = (eq.epoch & 15) == m.eng_epoch_o;
    m.cpl_addr_i = kCqBase + m.eng_q_o * kCqStride + eq.tail * 16;
    m.cpl_phase_i = eq.phase;
    const QueueModel& aq = qs_[m.ans_q_o];
    m.ans_live_i = (aq.epoch & 15) == m.ans_epoch_o;
    tb_.Eval();
    Advance();
    CheckHazard(now);
    if (nx != nullptr && m.rec_ready_o && Pct(k_.hand_pct)) {
      if (!nx->acct || !m.haz_o || m.fwd_o) {
        Hand(fetched_.front(), m.fwd_o);
        fetched_.pop_front();
      } else {
        ++st_.haz_waits;
      }
    }
    tb_.Eval();
    Sample(now);
    tb_.Tick();
  }

  void ReEnable(int q, uint64_t now) {
    QueueModel& s = qs_[q];
    if (!s.stopped || now < s.reenable_at) return;
    if (WrapSafe(q, s.epoch + 1)) s = QueueModel{s.epoch + 1};
  }

  // The 4-bit epoch must not wrap onto a record still on its way.
  bool WrapSafe(int q, uint32_t epoch) const {
    for (size_t i = pend_.empty() ? cur_ : pend_.front().rec; i < recs_.size(); ++i) {
      if (recs_[i].q == q && recs_[i].epoch + 16 <= epoch) return false;
    }
    return true;
  }

  // Q_CTRL rewritten while B works on record `rec` of queue q (its SA write just came): it
  // finishes its SA effects and events but gets no completion in the new ring (one already
  // requested is still answered, but neither counted nor signalled); the queue's other
  // records are dropped.
  void ResetQueue(int q, size_t rec) {
    QueueModel& s = qs_[q];
    if (!WrapSafe(q, s.epoch + 1)) return;
    s = QueueModel{s.epoch + 1};
    ref_dead_below_[q] = s.epoch;
    ++st_.resets;
    for (PendAns& p : pend_) {
      if (p.rec == rec) {
        p.reset = true;
        ++st_.resets_in_cpl;  // CplAnswered
        return;
      }
    }
    ASSERT_TRUE(cur_ == rec && stage_ == Stage::kRun) << "reset of record " << rec;
    std::erase_if(exp_, [](const Effect& e) { return e.fx == Fx::kStat || e.fx == Fx::kCplReq; });
    Expect(Fx::kRelease, q);
    stage_ = Stage::kEnd;
  }

  // ------------------------------------------------------------------------ fetch and front
  uint16_t OutLen() {
    const int r = static_cast<int>(rng_() % 100);
    if (r < 70) return static_cast<uint16_t>(1 + rng_() % 200);
    if (r < 95) return static_cast<uint16_t>(200 + rng_() % 1800);
    return static_cast<uint16_t>(2000 + rng_() % 7300);
  }

  void Generate() {
    std::vector<uint8_t> open;
    for (int q = 0; q < k_.queues; ++q) {
      if (!qs_[q].blocked) open.push_back(static_cast<uint8_t>(q));
    }
    if (open.empty()) return;
    const size_t id = recs_.size();
    Rec r;
    // small: queues and SAs in turn (SA i on queue i when they are as many: an RSS-like spread)
    r.q = open[k_.small ? id % open.size() : rng_() % open.size()];
    r.epoch = qs_[r.q].epoch;
    r.cookie = static_cast<uint32_t>(rng_());
    r.irq = Pct(10);
    r.seq = rng_() % 100'000;
    r.slot = static_cast<uint8_t>(k_.small ? id % k_.slots : rng_() % k_.slots);
    r.out_addr = kOutBase + id * kOutStride + rng_() % 16;
    auto pick = [&](std::initializer_list<Status> l) {
      return S(*(l.begin() + rng_() % l.size()));
    };
    const int kind = k_.small ? 0 : static_cast<int>(rng_() % 100);
    if (!k_.small && Pm(k_.fetch_err_pm)) {
      r.fetch_err = true;  // the queue takes nothing more (f_stop)
      qs_[r.q].blocked = true;
    } else if (kind < 45) {  // encap to a lane: always OK there
      r.lane = r.encap_op = r.acct = true;
      r.status = r.lane_status = S(Status::kOk);
      r.bytes = 20 + rng_() % 1500;
      r.out_len = k_.small ? static_cast<uint16_t>(113 + rng_() % 16) : OutLen();
      r.inner_len = static_cast<uint16_t>(rng_() % 16384);
    } else if (kind < 75) {  // decap to a lane: the lane's verdict, the commit in the back
      r.lane = r.decap = r.acct = true;
      r.bytes = rng_();  // replaced by the lane's inner_len
      const int v = static_cast<int>(rng_() % 100);
      r.lane_status = v < 70   ? S(Status::kOk)
                      : v < 80 ? S(Status::kAuthFail)
                      : v < 87 ? S(Status::kBadPad)
                      : v < 94 ? S(Status::kMalformed)
                               : S(Status::kNoSpace);
      r.icv_ok = r.lane_status != S(Status::kAuthFail);
      r.out_len = r.lane_status == S(Status::kOk) ? OutLen() : 0;
      r.inner_len = static_cast<uint16_t>(rng_() % 16384);
    } else if (kind < 85) {  // encap decided in the front
      r.encap_op = true;
      r.acct = Pct(90);
      r.status = r.acct ? pick({Status::kSaExpired, Status::kMalformed, Status::kSeqOverflow,
                                Status::kNoSpace})
                        : S(Status::kSaExpired);
    } else if (kind < 93) {  // decap decided in the front
      r.status =
          pick({Status::kUnknownSpi, Status::kReplay, Status::kSaExpired, Status::kMalformed});
      r.acct = r.status != S(Status::kUnknownSpi);
    } else {  // the fetcher's verdict
      r.encap_op = Pct(50);
      r.status = pick({Status::kBadDescriptor, Status::kMalformed, Status::kDmaError});
    }
    if (k_.shape) k_.shape(r, id);
    if (r.writes()) r.out = RandomBytes(rng_, r.out_len);
    if (!r.fetch_err) {
      tb_->fetch_ok_i = 1;
      tb_->f_q_i = r.q;
    }
    if (r.lane) lane_jobs_.push_back(id);
    ++st_.recs_per_q[r.q];
    recs_.push_back(std::move(r));
    fetched_.push_back(id);
    ++gen_;
  }

  // Hands record id on, with the SA state the front would use (forwarded or the table's).
  void Hand(size_t id, bool fwd) {
    auto& m = tb_.model();
    Rec& r = recs_[id];
    if (r.acct) {
      r.st_got = fwd ? GetState(m.fwd_st_o) : table_[r.slot];
      st_.fwd_hands += fwd;
    } else {
      r.st_got = table_[r.slot];
    }
    r.st = r.st_got;  // the front's own changes
    if (r.lane && r.encap_op) {
      r.seq = r.st.next_seq++;
      ++r.st.ip_id;
    }
    if (r.acct && r.status == S(Status::kSeqOverflow)) {
      r.ev_seq = !r.st.seq_exhausted;
      r.st.seq_exhausted = true;
    }
    r.post_ok = !(r.lane && r.decap);
    if (r.post_ok) {
      r.post = Account(r.st, lim_[r.slot], r.status, r.bytes).st;
    } else {
      r.post.next_seq = rng_();  // unknown: any value
      r.post.pkts = rng_();
    }
    Pack(m.hand_rec_i, kRecBits, {2, 1, 1, 1, 4, 64, 16, 1, 1, 64, 32, 64, 1, 3, 4},
         {r.fetch_err, r.lane, r.decap, r.encap_op, r.status, r.seq, r.slot, r.acct, r.ev_seq,
          r.bytes, r.cookie, r.out_addr, r.irq, r.q, r.epoch & 15});
    const Limits& l = lim_[r.slot];  // dir_in .. window: not the back's business
    Pack(m.hand_cfg_i, kCfgBits, {7, 64, 64, 32, 13, 64, 64, 64, 64},
         {rng_(), rng_(), rng_(), rng_(), rng_(), l.soft_bytes, l.hard_bytes, l.soft_pkts,
          l.hard_pkts});
    PutState(m.hand_st_i, r.st);
    PutState(m.hand_post_i, r.post);
    m.hand_post_ok_i = r.post_ok;
    m.hand_i = 1;
    ++handed_;
    ++progress_;
  }

  // The youngest held record accounted to the front's slot whose SA write is not two clocks
  // old; forwarding when its post state is known and it is of the front's queue and epoch.
  void CheckHazard(uint64_t now) {
    auto& m = tb_.model();
    // Held records not accounted 2 clocks ago, and one B left in the clock it wrote the SA.
    int young = -1;
    bool just_left = false;
    for (size_t i = cur_ > 8 ? cur_ - 8 : 0; i < handed_; ++i) {
      const Rec& r = recs_[i];
      if (r.fetch_err || !r.acct || r.slot != m.f_slot_i) continue;
      if (i >= cur_ && !(r.written && now - r.wr_cycle >= 2)) young = static_cast<int>(i);
      just_left |= i < cur_ && r.written && now - r.wr_cycle == 1;
    }
    ASSERT_EQ(m.haz_o, young >= 0 || just_left)
        << "haz_o for slot " << int{m.f_slot_i} << " at clock " << now << " (youngest record "
        << young << ")";
    if (young < 0) return;
    const Rec& y = recs_[young];
    const bool fwd = y.post_ok && y.q == m.f_pq_i && (y.epoch & 15) == m.f_pepoch_i;
    ASSERT_EQ(m.fwd_o, fwd) << "fwd_o at clock " << now << ", youngest record " << young;
    if (fwd) {
      ASSERT_EQ(GetState(m.fwd_st_o), y.post)
          << "fwd_st_o " << Str(GetState(m.fwd_st_o)) << " record " << young;
    }
  }

  // ------------------------------------------------------------------------ lane
  size_t Beats(size_t j) const { return (recs_[lane_jobs_[j]].out_len + kBB - 1) / kBB; }

  void DriveLane() {
    auto& m = tb_.model();
    m.res_valid_i = res_next_ < lane_jobs_.size() && Pct(k_.res_pct);
    if (res_next_ < lane_jobs_.size()) {
      const Rec& r = recs_[lane_jobs_[res_next_]];
      m.res_i = uint64_t{r.lane_status} << 29 | uint64_t{r.icv_ok} << 28 |
                uint64_t{r.out_len} << 14 | r.inner_len;
    }
    while (beat_job_ < lane_jobs_.size() && Beats(beat_job_) == 0) ++beat_job_;
    m.out_valid_i = beat_job_ < lane_jobs_.size() && Pct(k_.beat_pct);
    uint8_t b[kBB] = {};
    if (beat_job_ < lane_jobs_.size()) {
      const Rec& r = recs_[lane_jobs_[beat_job_]];
      for (size_t i = 0; i < kBB && kBB * beat_k_ + i < r.out.size(); ++i)
        b[i] = r.out[kBB * beat_k_ + i];
      m.out_last_i = beat_k_ + 1 == Beats(beat_job_);
    }
    sim::SetBytes(m.out_data_i, 8 * kBB, b);
  }

  // ------------------------------------------------------------------------ outputs
  void Sample(uint64_t now) {
    auto& m = tb_.model();
    bool ans_ev = false;
    if (m.res_valid_i && m.res_ready_o) ++res_next_;
    if (m.out_valid_i && m.out_ready_o && ++beat_k_ == Beats(beat_job_)) {
      beat_k_ = 0;
      ++beat_job_;
    }
    if (m.rp_cmt_done_i) cmts_.pop_front();
    // Answers first: the back acts on wr_done in the same clock.
    if (m.wr_done_i) {
      WrReq w = std::move(wq_.front());
      wq_.pop_front();
      ++progress_;
      if (w.cpl) {
        CplAnswered(w.rec, w.err);
        ans_ev = w.err;  // the event port carries its QUEUE_ERROR this clock
      } else {
        recs_[w.rec].out_done = true;
        recs_[w.rec].out_err = w.err;
      }
    }
    if (m.wr_data_valid_o && m.wr_data_ready_i) DataBeat(now);
    // Effects, in a fixed order within the clock (the reference's lists use it too).
    if (m.rp_cmt_valid_o && m.rp_cmt_ready_i) {
      Observe({Fx::kCommit, m.rp_cmt_slot_o, m.rp_cmt_seq_o});
      cmts_.push_back({now + 2, cmt_ok_});
    }
    if (m.sa_wr_o) {
      const SaState st = GetState(m.sa_wr_st_o);
      table_[m.sa_wr_slot_o] = st;
      Observe({Fx::kSaWr, m.sa_wr_slot_o, 0, st});
    }
    if (m.ev_push_o) {
      const Effect e{Fx::kEvent, m.ev_type_o, m.ev_slot_o};
      ans_ev ? ObserveAns(e) : Observe(e);
    }
    if (m.stat_valid_o) {
      Observe({Fx::kStat, m.stat_status_o,
               uint64_t{m.stat_encap_ok_o} | uint64_t{m.stat_decap_ok_o} << 1});
    }
    if (m.wr_req_valid_o && m.wr_req_ready_i) WrRequest();
    const uint8_t eq = m.eng_q_o, aq = m.ans_q_o;
    if (m.stop_o) Observe({Fx::kStop, eq});
    if (m.release_o) Observe({Fx::kRelease, eq});
    if (m.ans_stop_o) ObserveAns({Fx::kStop, aq});
    if (m.ans_cpl_done_o) ObserveAns({Fx::kCplDone, aq});
    if (m.cpl_valid_o) ObserveAns({Fx::kCplValid, m.cpl_q_o, m.cpl_force_o});
    if (m.ans_release_o) ObserveAns({Fx::kRelease, aq});
    // dma_queues.
    for (const auto& [live, stop, q] :
         {std::tuple{m.eng_live_i, m.stop_o, eq}, std::tuple{m.ans_live_i, m.ans_stop_o, aq}}) {
      if (!live || !stop) continue;
      qs_[q].stopped = qs_[q].blocked = true;
      qs_[q].reenable_at = now + rng_() % 300;
    }
    if (m.ans_live_i && m.ans_cpl_done_o) {
      qs_[aq].tail = (qs_[aq].tail + 1) % kCqEntries;
      if (qs_[aq].tail == 0) qs_[aq].phase = !qs_[aq].phase;
    }
    if (reset_q_ >= 0) ResetQueue(std::exchange(reset_q_, -1), reset_rec_);
  }

  void WrRequest() {
    auto& m = tb_.model();
    WrReq w;
    w.addr = m.wr_req_addr_o;
    w.len = m.wr_req_len_o;
    w.cpl = w.addr >= kCqBase;
    ++progress_;
    if (w.cpl) {
      w.rec = cur_;
      Observe({Fx::kCplReq, w.addr, w.len});
      w.expect = cpl_entry_;
      w.err = k_.fail_cpl.count(cur_) != 0 || Pm(k_.cpl_err_pm);
    } else {
      w.rec = (w.addr - kOutBase) / kOutStride;
      ASSERT_LT(w.rec, handed_) << "output write to " << std::hex << w.addr;
      Rec& r = recs_[w.rec];
      ASSERT_TRUE(r.writes()) << "output write for record " << w.rec << " (status "
                              << int{r.lane_status} << ")";
      ASSERT_TRUE(last_out_ < 0 || static_cast<int64_t>(w.rec) > last_out_)
          << "output writes out of order: " << w.rec << " after " << last_out_;
      ASSERT_EQ(w.addr, r.out_addr);
      ASSERT_EQ(w.len, r.out_len) << "record " << w.rec;
      last_out_ = static_cast<int64_t>(w.rec);
      r.out_req = true;
      w.expect = r.out;
      w.err = k_.fail_out.count(w.rec) != 0 || Pm(k_.out_err_pm);
      ++st_.out_writes;
      st_.out_errors += w.err;
    }
    ASSERT_GT(w.len, 0);
    wq_.push_back(std::move(w));
  }

  void DataBeat(uint64_t now) {
    auto& m = tb_.model();
    w_clocks_.push_back(now);
    ++progress_;
    for (auto& w : wq_) {
      if (w.data_done) continue;
      uint8_t b[kBB];
      sim::GetBytes(m.wr_data_o, 8 * kBB, b);
      const size_t n = std::min<size_t>(kBB, w.len - w.data.size());
      w.data.insert(w.data.end(), b, b + n);
      if (w.data.size() == w.len) {
        w.data_done = true;
        const int lat = k_.lat_min + static_cast<int>(rng_() % (k_.lat_max - k_.lat_min + 1));
        w.done_at = now + static_cast<uint64_t>(lat);
        EXPECT_EQ(w.data, w.expect) << (w.cpl ? "completion entry" : "output bytes")
                                    << " of record " << w.rec << " at clock " << now;
      }
      return;
    }
    ADD_FAILURE() << "W data beat without a write request at clock " << now;
  }

  // ------------------------------------------------------------------------ reference
  enum class Stage { kNew, kRun, kEnd, kDone };

  void Expect(Fx fx, uint64_t a = 0, uint64_t b = 0, SaState st = {}) {
    exp_.push_back({fx, a, b, st});
  }
  void AExpect(Fx fx, uint64_t a = 0, uint64_t b = 0) { aexp_.push_back({fx, a, b, {}}); }

  // Moves on to the next record once the current one is done; sets up its expected effects.
  void Advance() {
    for (;;) {
      if (stage_ == Stage::kEnd && exp_.empty()) stage_ = Stage::kDone;
      if (stage_ == Stage::kDone) {
        ++cur_;
        stage_ = Stage::kNew;
      }
      if (stage_ != Stage::kNew || cur_ >= handed_) return;
      // A record waits for its queue's unanswered completion write (its effects depend on it).
      for (const PendAns& p : pend_) {
        if (recs_[p.rec].q == recs_[cur_].q) return;
      }
      Begin(recs_[cur_]);
    }
  }

  void Begin(Rec& r) {
    const uint8_t q = r.q;
    if (r.epoch > ref_epoch_[q]) {  // a re-enabled queue: CQ_TAIL 0, phase 1
      ref_epoch_[q] = r.epoch;
      ref_tail_[q] = 0;
      ref_phase_[q] = true;
    }
    stage_ = Stage::kEnd;
    if (r.epoch < ref_dead_below_[q]) {  // behind a ring error of its queue: as if never fetched
      ++st_.dropped;
      ++st_.drop_per_q[q];
      if (!r.fetch_err) Expect(Fx::kRelease, q);
      return;
    }
    if (r.fetch_err) {
      Expect(Fx::kEvent, E(Event::kQueueError), q);
      Expect(Fx::kStop, q);
      ref_dead_below_[q] = r.epoch + 1;
      return;
    }
    stage_ = Stage::kRun;
    r.fstatus = r.lane ? r.lane_status : r.status;
    const bool commit = r.lane && r.decap && r.icv_ok && r.fstatus != S(Status::kAuthFail) &&
                        r.fstatus != S(Status::kNoSpace);
    if (commit) {
      Expect(Fx::kCommit, r.slot, r.seq);
    } else {
      AfterCommit(r);
    }
  }

  void AfterCommit(Rec& r) {
    if (r.acct) {
      EXPECT_EQ(r.st_got, ref_st_[r.slot])
          << "record " << cur_ << ": the front took " << Str(r.st_got) << " for slot "
          << int{r.slot} << ", the model's state is " << Str(ref_st_[r.slot]);
      const uint64_t bytes = r.lane && r.decap ? r.inner_len : r.bytes;
      const Acct a = Account(r.st, lim_[r.slot], r.fstatus, bytes);
      ref_st_[r.slot] = a.st;
      Expect(Fx::kSaWr, r.slot, 0, a.st);
      if (r.ev_seq) Expect(Fx::kEvent, E(Event::kSeqOverflow), r.slot);
      if (a.soft) Expect(Fx::kEvent, E(Event::kSoftLifetime), r.slot);
      if (a.hard) Expect(Fx::kEvent, E(Event::kHardLifetime), r.slot);
    }
    Expect(Fx::kStat);  // values when it comes: the output write's answer is in by then
    Expect(Fx::kCplReq);
  }

  // A completion write answered: its effects on the ans_* port (and the event port).
  void CplAnswered(size_t rec, bool err) {
    ASSERT_TRUE(!pend_.empty() && pend_.front().rec == rec && aexp_.empty())
        << "completion answered for record " << rec << " out of turn";
    const bool reset = pend_.front().reset;
    pend_.pop_front();
    const Rec& r = recs_[rec];
    st_.overlapped += cur_ > rec + 1;  // B went on with other queues' records meanwhile
    if (reset) {                       // the queue was reset meanwhile
      AExpect(err ? Fx::kStop : Fx::kCplDone, r.q);
    } else if (err) {
      AExpect(Fx::kEvent, E(Event::kQueueError), r.q);
      AExpect(Fx::kStop, r.q);
      ref_dead_below_[r.q] = r.epoch + 1;
      ++st_.cpl_errors;
    } else {
      AExpect(Fx::kCplDone, r.q);
      AExpect(Fx::kCplValid, r.q, r.irq);
      ref_tail_[r.q] = (ref_tail_[r.q] + 1) % kCqEntries;
      if (ref_tail_[r.q] == 0) ref_phase_[r.q] = !ref_phase_[r.q];
      ++st_.completions;
      ++st_.cpl_per_q[r.q];
    }
    AExpect(Fx::kRelease, r.q);
  }

  void ObserveAns(Effect got) {
    ++progress_;
    const char* name = kFxName[static_cast<int>(got.fx)];
    ASSERT_FALSE(aexp_.empty()) << "unexpected answer effect " << name << " a " << got.a
                                << " at clock " << tb_.cycles();
    const Effect want = aexp_.front();
    aexp_.pop_front();
    st_.events += got.fx == Fx::kEvent;
    ASSERT_STREQ(name, kFxName[static_cast<int>(want.fx)]) << "answer, clock " << tb_.cycles();
    ASSERT_EQ(got.a, want.a) << name << " answer, clock " << tb_.cycles();
    ASSERT_EQ(got.b, want.b) << name << " answer, clock " << tb_.cycles();
  }

  // The completion's status: DMA_ERROR if the output write failed (device_model.cc Execute).
  uint8_t Final(const Rec& r) const {
    if (r.fstatus == S(Status::kOk) && r.writes() && r.out_err) return S(Status::kDmaError);
    return r.fstatus;
  }

  void Observe(Effect got) {
    Advance();
    ++progress_;
    const std::string where =
        " (record " + std::to_string(cur_) + ", clock " + std::to_string(tb_.cycles()) + ")";
    ASSERT_FALSE(exp_.empty()) << "unexpected " << kFxName[static_cast<int>(got.fx)] << " a "
                               << got.a << " b " << got.b << where;
    Effect want = exp_.front();
    exp_.pop_front();
    Rec& r = recs_[cur_];
    if (want.fx == Fx::kStat) {
      if (r.writes() && r.fstatus == S(Status::kOk)) {
        ASSERT_TRUE(r.out_req && r.out_done) << "completion before the output's answer" << where;
      }
      const uint8_t f = Final(r);
      want.a = f;
      want.b = (f == S(Status::kOk) && r.encap_op) | (f == S(Status::kOk) && !r.encap_op) << 1;
      ++st_.status[f];
    } else if (want.fx == Fx::kCplReq) {
      want.a = kCqBase + r.q * kCqStride + ref_tail_[r.q] * 16;
      want.b = 16;
      hw::CqEntry e{};
      e.cookie = r.cookie;
      e.status = Final(r);
      e.out_len = e.status == S(Status::kOk) ? r.out_len : 0;
      e.flags = ref_phase_[r.q] ? hw::kCqEntryFlagsPhase : 0;
      e.seq = r.seq;
      cpl_entry_.resize(16);
      std::memcpy(cpl_entry_.data(), &e, 16);
      pend_.push_back({cur_});
      st_.max_pend = std::max(st_.max_pend, static_cast<int>(pend_.size()));
      stage_ = Stage::kEnd;
    } else if (want.fx == Fx::kCommit && got.fx == Fx::kCommit) {
      cmt_ok_ = k_.refuse.count(cur_) == 0 && !Pct(k_.refuse_pct);
      if (!cmt_ok_) {
        r.fstatus = S(Status::kReplay);
        ++st_.refused;
      }
      AfterCommit(r);
    } else if (want.fx == Fx::kSaWr) {
      r.written = true;
      r.wr_cycle = tb_.cycles();
      if (k_.reset.count(cur_) != 0 || Pm(k_.reset_pm)) {
        reset_q_ = r.q;
        reset_rec_ = cur_;
      }
    }
    st_.events += got.fx == Fx::kEvent;
    ASSERT_STREQ(kFxName[static_cast<int>(got.fx)], kFxName[static_cast<int>(want.fx)]) << where;
    ASSERT_EQ(got.a, want.a) << kFxName[static_cast<int>(got.fx)] << where;
    ASSERT_EQ(got.b, want.b) << kFxName[static_cast<int>(got.fx)] << where;
    if (got.fx == Fx::kSaWr) {
      ASSERT_EQ(got.st, want.st) << "SA write " << Str(got.st) << ", Account gives " << Str(want.st)
                                 << where;
    }
    Advance();
  }

  Knobs k_;
  std::mt19937_64 rng_;
  sim::Tb<V> tb_{"esp_back"};
  Stats st_;
  std::vector<Rec> recs_;
  size_t gen_ = 0, handed_ = 0, progress_ = 0;
  std::deque<size_t> fetched_;  // generated, not yet handed
  SaState table_[kSlots];       // the SA table as the back wrote it (the front reads it)
  SaState ref_st_[kSlots];      // the model's state
  Limits lim_[kSlots];
  QueueModel qs_[kQueues];
  std::vector<size_t> lane_jobs_;  // records with a lane job, in job order
  size_t res_next_ = 0, beat_job_ = 0, beat_k_ = 0;
  std::deque<WrReq> wq_;  // write requests not yet answered
  int64_t last_out_ = -1;
  std::vector<uint64_t> w_clocks_;
  std::deque<Cmt> cmts_;
  bool cmt_ok_ = true;
  int reset_q_ = -1;      // a queue to reset at the end of the clock ...
  size_t reset_rec_ = 0;  // ... while B works on this record
  struct PendAns {
    size_t rec;
    bool reset = false;  // its queue was reset after the request
  };
  std::deque<PendAns> pend_;  // completion writes requested, not answered (request order)
  std::deque<Effect> aexp_;   // effects expected from the answer of this clock
  // Reference.
  size_t cur_ = 0;
  Stage stage_ = Stage::kNew;
  std::deque<Effect> exp_;
  std::vector<uint8_t> cpl_entry_;
  uint32_t ref_epoch_[kQueues] = {}, ref_tail_[kQueues] = {}, ref_dead_below_[kQueues] = {};
  bool ref_phase_[kQueues] = {true, true, true, true, true, true, true, true};
};

}  // namespace ipsec::rtltest
