// esp_front testbench: rtl/esp_front.sv (the packet engine's front, Slots = 16) alone, driven by
// C++ models of its neighbours and checked against the functional model (hw/model):
//   fetcher  the oldest slot (descriptor, the first 96 bytes, pre-status, queue, epoch), held
//            until hand_o, random gaps;
//   SA table the registered read port of esp_sa_table (data one clock after sa_rd_o; random
//            data on clocks after no read); written only when the back retires a record;
//   replay   the pre-check port: random ready, done 1..4 clocks later with ReplayWindow::Check
//            of the requested slot's window (moved when the back retires an accepted packet);
//   lane     job port with random ready; the feeder busy at random;
//   back     rec_ready at random (at most 4 records held), retires records in order at random;
//            haz_i / fwd_i / fwd_st_i as esp_back computes them from the records it holds.
// Per record the reference (EspEncap, LocateEsp, the bucket of hw/spi_hash.h, ReplayWindow,
// ModelDevice::Account, run on the reference's SA state, which changes at hand-over) gives the
// status, seq, slot, acct, ev_seq, bytes, the job, and the SA state before and after; the
// table only changes when the back retires, so a front that reads it under a hazard (or ignores
// a forwarded state) gets stale state and fails.
// RandomRecordsMatchTheModel: 6 runs x 5000 records with random neighbours (IPSEC_SEED);
// AllReadyRecordsTakeTheirClocks: every neighbour ready, the clocks per record bounded.
#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <random>
#include <vector>

#include "Vesp_front.h"
#include "hw/gen/ipsec_regs.h"
#include "hw/model/aes_gcm.h"
#include "hw/model/esp.h"
#include "hw/model/replay_window.h"
#include "hw/model/sa.h"
#include "hw/spi_hash.h"
#include "hw/util/endian.h"
#include "sim/harness/tb.h"
#include "tests/models/packets.h"
#include "tests/rtl/esp_back_tb.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {
namespace {

namespace model = hw::model;
constexpr int kJobBits = 299, kHdrBytes = 96;
constexpr int kMaxLen = (1 << 14) - 1;  // esp_lane_pkg LenW = 14
enum Pre : uint8_t { kPreOk = 0, kPreStatus = 1, kPreFetchErr = 2 };

struct SaCfg {
  bool valid = false, dir_in = false, aes256 = false, tunnel = false, natt = false, esn = false;
  uint8_t icv = 0;
  uint32_t spi = 0, salt = 0, tun_src = 0, tun_dst = 0;
  uint16_t sport = 4500, dport = 4500, window = 64;
  Limits lim;
  std::vector<uint8_t> key;
};

void PutCfg(WData* w, const SaCfg& c) {
  Pack(w, kCfgBits, {1, 1, 1, 1, 1, 2, 32, 32, 32, 32, 16, 16, 13, 64, 64, 64, 64},
       {c.dir_in, c.aes256, c.tunnel, c.natt, c.esn, c.icv, c.spi, c.salt, c.tun_src, c.tun_dst,
        c.sport, c.dport, c.window, c.lim.soft_bytes, c.lim.hard_bytes, c.lim.soft_pkts,
        c.lim.hard_pkts});
}

// esp_lane_pkg::lane_job_t.
struct Job {
  bool decap = false, xiv = false;
  uint64_t slot = 0, seq = 0, ip_id = 0, esp_off = 0, in_len = 0, out_cap = 0;
  std::vector<uint64_t> sa;  // lane_sa_t fields
  bool operator==(const Job&) const = default;
};

Job GetJob(const WData* w) {
  auto v =
      Unpack(w, kJobBits, {1, 16, 1, 1, 1, 1, 2, 32, 32, 32, 32, 16, 16, 64, 1, 16, 7, 14, 14});
  Job j;
  j.decap = v[0] != 0;
  j.slot = v[1];
  j.sa.assign(v.begin() + 2, v.begin() + 13);
  j.seq = v[13];
  j.xiv = v[14] != 0;
  j.ip_id = v[15];
  j.esp_off = v[16];
  j.in_len = v[17];
  j.out_cap = v[18];
  return j;
}

std::vector<uint64_t> LaneSa(const SaCfg& c) {
  return {c.aes256, c.tunnel,  c.natt,    c.esn,   c.icv,  c.spi,
          c.salt,   c.tun_src, c.tun_dst, c.sport, c.dport};
}

// One fetched slot and what the reference expects of it.
struct FRec {
  Pre pre = kPreOk;
  uint8_t pre_st = 0, opcode = 0, flags = 0, q = 0, epoch = 0;
  uint16_t sa = 0, in_len = 0, out_cap = 0;
  uint32_t cookie = 0;
  uint64_t out_addr = 0;
  std::vector<uint8_t> in;  // the input buffer (IV first with EXPLICIT_IV)
  // Seen at the ports while the front worked on it.
  int sa_reads = 0, rp_reqs = 0, jobs = 0;
  uint64_t shown = 0;  // the clock the slot was first presented
  uint64_t rp_slot = 0;
  uint32_t rp_seq_lo = 0;
  Job job;
};

// A record the back holds.
struct Held {
  int slot;
  SaState post;
  bool post_ok;
  uint8_t q, epoch;
  std::optional<uint64_t> accept;  // replay window commit at retirement
};

struct Knobs {
  int records = 5000;
  int fetch_pct = 70, rd_ready_pct = 60, rp_ready_pct = 60, job_ready_pct = 60, feed_busy_pct = 20;
  int retire_pct = 30, pre_pct = 8, rec_ready_pct = 70;
};

struct FStats {
  int status[16] = {};
  int lanes = 0, haz_clocks = 0, fwd_taken = 0, acct_hands = 0;
  // Most clocks from the slot's presentation to its hand-over: pre-status / fetch error, encap
  // and decap sent to the lane.
  uint64_t max_pre = 0, max_enc = 0, max_dec = 0;
  uint64_t cycles = 0;
};

class FrontBench {
 public:
  FrontBench(Knobs k, uint64_t seed) : k_(k), rng_(seed), prng_(static_cast<uint32_t>(seed)) {}

  FStats Run() {
    SetUpSas();
    tb_.Reset();
    uint64_t last = 0;
    while (handed_ < static_cast<size_t>(k_.records) && !::testing::Test::HasFailure()) {
      const size_t before = handed_;
      Cycle();
      if (handed_ != before) last = tb_.cycles();
      if (tb_.cycles() - last > 2000) {
        ADD_FAILURE() << "hang: no record handed for 2000 clocks at record " << handed_;
        break;
      }
    }
    if (!::testing::Test::HasFailure()) {
      for (int i = 0; i < 8; ++i) Cycle();
      EXPECT_FALSE(tb_->busy_o) << "busy after the last record";
    }
    st_.cycles = tb_.cycles();
    return st_;
  }

 private:
  bool Pct(int p) { return static_cast<int>(rng_() % 100) < p; }
  void Noise(WData* w, int bits) {
    for (int i = 0; i < (bits + 31) / 32; ++i) w[i] = static_cast<WData>(rng_());
    if (bits % 32 != 0) w[bits / 32] &= (WData{1} << (bits % 32)) - 1;
  }

  // ---------------------------------------------------------------------------- the SAs
  void SetUpSas() {
    for (int s = 0; s < kSlots; ++s) {
      SaCfg& c = cfg_[s];
      c.valid = Pct(85);
      c.aes256 = Pct(50);
      c.tunnel = Pct(50);
      c.natt = Pct(30);
      c.esn = Pct(40);
      c.icv = static_cast<uint8_t>(rng_() % 3);
      c.salt = static_cast<uint32_t>(rng_());
      c.tun_src = static_cast<uint32_t>(rng_());
      c.tun_dst = static_cast<uint32_t>(rng_());
      c.sport = static_cast<uint16_t>(Pct(50) ? 4500 : rng_());
      c.dport = static_cast<uint16_t>(Pct(50) ? 4500 : rng_());
      c.window = static_cast<uint16_t>(Pct(50) ? 64 : 1 + rng_() % 200);
      c.key = RandomBytes(rng_, c.aes256 ? 32 : 16);
      c.spi = static_cast<uint32_t>(rng_()) | 1;
      SaState& st = ref_st_[s];
      st = SaState{};
      const uint64_t max = c.esn ? ~uint64_t{0} : 0xffffffffull;
      st.next_seq = Pct(30) ? max - rng_() % 6 : 1 + rng_() % 5000;
      st.seq_exhausted = Pct(5);
      st.ip_id = static_cast<uint16_t>(rng_());
      st.pkts = rng_() % 100;
      st.bytes = st.pkts * 200;
      st.hard_hit = Pct(8);
      st.soft_hit = st.hard_hit || Pct(10);
      if (Pct(40)) c.lim.soft_pkts = st.pkts + 1 + rng_() % 300;
      if (Pct(25)) c.lim.hard_pkts = st.pkts + 1 + rng_() % 600;
      if (Pct(30)) c.lim.soft_bytes = st.bytes + 1 + rng_() % 100000;
      if (Pct(20)) c.lim.hard_bytes = st.bytes + 1 + rng_() % 300000;
    }
    // Inbound SAs: SPIs whose bucket holds their slot (hw/spi_hash.h); the others outbound.
    for (int s = 0; s < kSlots; ++s) {
      SaCfg& c = cfg_[s];
      c.dir_in = Pct(50);
      if (!c.dir_in) continue;
      do {
        c.spi = static_cast<uint32_t>(rng_());
      } while (c.spi == 0 || hw::SpiBucket(c.spi, kSlots) != static_cast<uint32_t>(s / 2));
      const uint64_t highest = rng_() % 3000;
      ref_win_[s].emplace(c.window, c.esn, highest);
      port_win_[s].emplace(c.window, c.esn, highest);
    }
    for (int s = 0; s < kSlots; ++s) table_[s] = ref_st_[s];
  }

  model::Sa ModelSa(int s) const {
    const SaCfg& c = cfg_[s];
    model::Sa sa;
    sa.cfg.dir_in = c.dir_in;
    sa.cfg.tunnel = c.tunnel;
    sa.cfg.natt = c.natt;
    sa.cfg.esn = c.esn;
    sa.cfg.icv = static_cast<hw::IcvLen>(c.icv);
    sa.cfg.spi = c.spi;
    for (int i = 0; i < 4; ++i) sa.cfg.salt[i] = static_cast<uint8_t>(c.salt >> (8 * i));
    sa.cfg.tun_src = c.tun_src;
    sa.cfg.tun_dst = c.tun_dst;
    sa.cfg.sport = c.sport;
    sa.cfg.dport = c.dport;
    if (c.valid) sa.gcm = model::AesGcm::Create(c.key);
    const SaState& st = ref_st_[s];
    sa.next_seq = st.next_seq;
    sa.ip_id = st.ip_id;
    sa.seq_exhausted = st.seq_exhausted;
    sa.hard_hit = st.hard_hit;
    return sa;
  }

  // ------------------------------------------------------------------------ generation
  std::vector<uint8_t> Inner(size_t total) {
    const size_t hl = Pct(15) ? 20 + 4 * (rng_() % 11) : 20;
    auto p = testing::MakeIpv4(static_cast<uint32_t>(rng_()), static_cast<uint32_t>(rng_()),
                               static_cast<uint8_t>(Pct(50) ? 6 : 17), std::max(total, hl), prng_);
    p[0] = static_cast<uint8_t>(0x40 | (hl / 4));
    return p;
  }

  size_t Size() {
    const int r = static_cast<int>(rng_() % 100);
    if (r < 60) return 20 + rng_() % 200;
    if (r < 90) return 20 + rng_() % 1500;
    return 20 + rng_() % (hw::kMaxPacket - 20 + 1);
  }

  FRec Generate() {
    FRec r;
    r.q = static_cast<uint8_t>(rng_() % 3);
    if (Pct(1)) epoch_[r.q] = (epoch_[r.q] + 1) % 16;  // the queue was re-enabled
    r.epoch = epoch_[r.q];
    r.cookie = static_cast<uint32_t>(rng_());
    r.out_addr = rng_();
    r.flags = Pct(30) ? hw::kSqDescFlagsIrq : 0;
    r.sa = static_cast<uint16_t>(rng_() % kSlots);
    for (int i = 0; i < 4 && Pct(80) && (cfg_[r.sa].dir_in || !cfg_[r.sa].valid); ++i) {
      r.sa = static_cast<uint16_t>(rng_() % kSlots);  // mostly an outbound SA for encap
    }
    if (Pct(k_.pre_pct)) {
      r.pre = Pct(70) ? kPreStatus : kPreFetchErr;
      const Status pre[] = {Status::kBadDescriptor, Status::kMalformed, Status::kDmaError};
      r.pre_st = S(pre[rng_() % 3]);
      r.opcode = static_cast<uint8_t>(Pct(50) ? 1 : 2);
      r.in = RandomBytes(rng_, 1 + rng_() % 100);
      r.in_len = static_cast<uint16_t>(r.in.size());
      r.out_cap = static_cast<uint16_t>(rng_());
      return r;
    }
    if (Pct(50)) {
      r.opcode = static_cast<uint8_t>(hw::Opcode::kEncap);
      std::vector<uint8_t> p = Inner(Size());
      const int m = static_cast<int>(rng_() % 100);
      if (m < 4) p[0] = static_cast<uint8_t>(0x60 | (p[0] & 15));                      // not IPv4
      if (m >= 4 && m < 8) p[0] = 0x44;                                                // IHL 4
      if (m >= 8 && m < 14 && p.size() > 21) p.resize(20 + rng_() % (p.size() - 20));  // cut
      if (Pct(20)) {
        r.flags |= hw::kSqDescFlagsExplicitIv;
        std::vector<uint8_t> iv = RandomBytes(rng_, 8);
        p.insert(p.begin(), iv.begin(), iv.end());
      }
      r.in = std::move(p);
      const size_t need = r.in.size() + 80;
      r.out_cap = static_cast<uint16_t>(Pct(10) ? 0xffff : need - rng_() % 90);
    } else {
      r.opcode = static_cast<uint8_t>(hw::Opcode::kDecap);
      r.in = EspPacket();
      r.out_cap = static_cast<uint16_t>(Pct(5) ? kMaxLen + 1 + rng_() % 1000 : rng_() % 10000);
    }
    r.in_len = static_cast<uint16_t>(r.in.size());
    return r;
  }

  // An ESP packet (EspEncap with an outbound copy of an SA), then maybe made unknown, short or
  // malformed.
  std::vector<uint8_t> EspPacket() {
    int s = static_cast<int>(rng_() % kSlots);
    for (int i = 0; i < 4 && !(cfg_[s].valid && cfg_[s].dir_in); ++i) {
      s = static_cast<int>(rng_() % kSlots);
    }
    model::Sa sa = ModelSa(s);
    sa.cfg.dir_in = false;
    sa.gcm = model::AesGcm::Create(cfg_[s].key);
    sa.seq_exhausted = false;
    sa.hard_hit = false;
    const uint64_t hi = ref_win_[s] ? ref_win_[s]->highest() : 1000;
    const int64_t d = static_cast<int64_t>(rng_() % 120) - 90;
    sa.next_seq = static_cast<uint64_t>(std::max<int64_t>(1, static_cast<int64_t>(hi) + d));
    const std::vector<uint8_t> inner =
        Inner(Pct(80) ? 20 + rng_() % 300 : std::min<size_t>(Size(), 9000));
    std::vector<uint8_t> out(inner.size() + model::kMaxEncapOverhead + 64);
    const model::EspOutcome o = model::EspEncap(sa, inner, {}, out);
    if (o.status != Status::kOk) ADD_FAILURE() << "EspEncap: " << S(o.status);
    out.resize(o.out_len);
    const size_t hl = (out[0] & 15u) * 4, esp = hl + (cfg_[s].natt ? 8 : 0);
    const int m = static_cast<int>(rng_() % 100);
    if (m < 8) util::StoreBe32(&out[esp], static_cast<uint32_t>(rng_()));  // unknown SPI
    if (m >= 8 && m < 13) {  // short ESP: 26..33 bytes from the SPI
      const size_t n = esp + 26 + rng_() % 8;
      out.resize(n);
      util::StoreBe16(&out[2], static_cast<uint16_t>(n));
      if (cfg_[s].natt) util::StoreBe16(&out[hl + 4], static_cast<uint16_t>(n - hl));
    }
    if (m >= 13 && m < 16) out.resize(out.size() - 1 - rng_() % 8);  // truncated
    if (m >= 16 && m < 18) out[6] |= 0x20;                           // fragment
    if (m >= 18 && m < 20) out[9] = 6;                               // not ESP
    if (m >= 20 && m < 22 && cfg_[s].natt) out[hl + 3] ^= 1;         // UDP port
    if (m >= 22 && m < 24) util::StoreBe32(&out[esp], 0);            // SPI 0
    if (m >= 24 && m < 26) util::StoreBe16(&out[2], static_cast<uint16_t>(out.size() + 1));
    if (m >= 26 && m < 30) out.resize(out.size() + rng_() % 40, 0xee);  // trailing bytes
    return out;
  }

  // ------------------------------------------------------------------------- one clock
  void Cycle() {
    auto& m = tb_.model();
    if (fetched_.size() < 2 && gen_ < static_cast<size_t>(k_.records)) {
      fetched_.push_back(Generate());
      ++gen_;
    }
    const bool present = !fetched_.empty() && (showing_ || Pct(k_.fetch_pct));
    if (present && !showing_) fetched_.front().shown = tb_.cycles();
    showing_ = present;
    DriveSlot(present ? &fetched_.front() : nullptr);
    // SA read data: registered, from the read of the last clock (random data otherwise).
    if (rd_pending_) {
      m.sa_rd_valid_i = cfg_[rd_slot_].valid;
      PutCfg(m.sa_rd_cfg_i, cfg_[rd_slot_]);
      PutState(m.sa_rd_st_i, table_[rd_slot_]);
    } else {
      m.sa_rd_valid_i = rng_() & 1;
      Noise(m.sa_rd_cfg_i, kCfgBits);
      Noise(m.sa_rd_st_i, kStateBits);
    }
    // Replay pre-check port.
    m.rp_chk_ready_i = Pct(k_.rp_ready_pct);
    const bool rp_done = rp_due_ != 0 && tb_.cycles() == rp_due_;
    m.rp_chk_done_i = rp_done;
    m.rp_chk_ok_i = rp_done ? rp_ok_ : rng_() & 1;
    m.rp_chk_seq_i = rp_done ? rp_seq_ : rng_();
    m.job_ready_i = Pct(k_.job_ready_pct);
    m.feed_busy_i = Pct(k_.feed_busy_pct);
    m.rec_ready_i = held_.size() < 4 && Pct(k_.rec_ready_pct);
    tb_.Eval();
    // The back's hazard on the front's slot (as esp_back: the youngest such record).
    const Held* young = nullptr;
    for (const Held& h : held_) {
      if (h.slot == static_cast<int>(m.slot_o)) young = &h;
    }
    m.haz_i = young != nullptr;
    FRec* cur = present ? &fetched_.front() : nullptr;
    m.fwd_i = young != nullptr && young->post_ok && cur != nullptr && young->q == cur->q &&
              young->epoch == cur->epoch;
    PutState(m.fwd_st_i, young != nullptr ? young->post : SaState{rng_(), 7});
    tb_.Eval();
    if (m.haz_i && m.busy_o) ++st_.haz_clocks;
    Sample(cur);
    // The back retires its oldest record: the SA table and the replay window change.
    if (!held_.empty() && Pct(k_.retire_pct)) {
      const Held& h = held_.front();
      table_[h.slot] = h.post;
      if (h.accept) port_win_[h.slot]->Accept(*h.accept);
      held_.pop_front();
    }
    tb_.Tick();
  }

  void DriveSlot(const FRec* r) {
    auto& m = tb_.model();
    m.s_valid_i = r != nullptr;
    if (r == nullptr) {
      m.s_pre_i = rng_() % 3;
      m.s_pre_st_i = rng_() & 15;
      Noise(m.s_desc_i, 256);
      Noise(m.s_hdr_i, kHdrBytes * 8);
      return;
    }
    uint8_t d[32] = {};
    d[0] = r->opcode;
    d[1] = r->flags;
    util::StoreLe16(&d[2], r->sa);
    util::StoreLe32(&d[4], r->cookie);
    util::StoreLe64(&d[8], 0x5000'0000);
    util::StoreLe64(&d[16], r->out_addr);
    util::StoreLe16(&d[24], r->in_len);
    util::StoreLe16(&d[26], r->out_cap);
    sim::SetBytes(m.s_desc_i, 256, d);
    std::vector<uint8_t> hdr(kHdrBytes, 0);
    std::copy_n(r->in.begin(), std::min<size_t>(r->in.size(), kHdrBytes), hdr.begin());
    sim::SetBytes(m.s_hdr_i, kHdrBytes * 8, hdr);
    m.s_pre_i = r->pre;
    m.s_pre_st_i = r->pre_st;
    m.s_q_i = r->q;
    m.s_epoch_i = r->epoch;
  }

  // The front's requests this clock.
  void Sample(FRec* cur) {
    auto& m = tb_.model();
    const uint64_t now = tb_.cycles();
    rd_pending_ = m.sa_rd_o;
    rd_slot_ = m.sa_rd_slot_o;
    if (m.sa_rd_o && cur != nullptr) ++cur->sa_reads;
    if (m.rp_chk_valid_o && m.rp_chk_ready_i) {
      ASSERT_NE(cur, nullptr) << "replay pre-check without a slot";
      ASSERT_EQ(rp_due_, 0u) << "second pre-check before the first was answered";
      ++cur->rp_reqs;
      cur->rp_slot = m.rp_chk_slot_o;
      cur->rp_seq_lo = m.rp_chk_seq_lo_o;
      for (const Held& h : held_) {
        EXPECT_NE(h.slot, static_cast<int>(m.rp_chk_slot_o))
            << "decap pre-check while the back holds a packet of the SA";
      }
      const auto& w = port_win_[m.rp_chk_slot_o];
      const model::ReplayWindow::Verdict v =
          w ? w->Check(m.rp_chk_seq_lo_o) : model::ReplayWindow::Verdict{Pct(50), rng_()};
      rp_ok_ = v.ok;
      rp_seq_ = v.seq;
      rp_due_ = now + 1 + rng_() % 4;
    }
    if (rp_due_ != 0 && now == rp_due_) rp_due_ = 0;
    if (m.job_valid_o) {
      EXPECT_FALSE(m.feed_busy_i) << "job offered while the feeder is busy";
    }
    EXPECT_EQ(m.feed_start_o, m.job_valid_o && m.job_ready_i) << "feed_start without the job";
    if (m.job_valid_o && m.job_ready_i) {
      ASSERT_NE(cur, nullptr) << "job without a slot";
      ++cur->jobs;
      cur->job = GetJob(m.job_o);
    }
    if (m.hand_o) {
      EXPECT_TRUE(m.rec_ready_i) << "hand-over without rec_ready";
      ASSERT_NE(cur, nullptr) << "hand-over without a slot";
      Check(*cur);
      fetched_.pop_front();
      showing_ = false;
      ++handed_;
    }
  }

  // ---------------------------------------------------------------------- the reference
  void Check(const FRec& r) {
    auto& m = tb_.model();
    const size_t id = handed_;
    SCOPED_TRACE(::testing::Message() << "record " << id << " opcode " << int{r.opcode} << " pre "
                                      << int{r.pre} << " in_len " << r.in_len);
    const auto v =
        Unpack(m.hand_rec_o, kRecBits, {2, 1, 1, 1, 4, 64, 16, 1, 1, 64, 32, 64, 1, 3, 4});
    const uint64_t kind = v[0], lane = v[1], decap = v[2], encap_op = v[3], status = v[4];
    const uint64_t seq = v[5], slot = v[6], acct = v[7], ev_seq = v[8], bytes = v[9];
    EXPECT_EQ(kind, r.pre == kPreFetchErr ? 1u : 0u);
    EXPECT_EQ(encap_op, r.opcode == 1 ? 1u : 0u);
    EXPECT_EQ(v[10], r.cookie);
    EXPECT_EQ(v[11], r.out_addr);
    EXPECT_EQ(v[12], (r.flags & hw::kSqDescFlagsIrq) ? 1u : 0u);
    EXPECT_EQ(v[13], r.q);
    EXPECT_EQ(v[14], r.epoch);
    // Expected.
    uint8_t e_status = S(Status::kOk);
    uint64_t e_seq = 0, e_bytes = 0;
    bool e_acct = false, e_lane = false, e_ev = false, e_rp = false;
    int e_slot = -1;
    SaState e_st{};
    Job e_job;
    std::optional<uint64_t> accept;
    uint8_t final_status = 0;
    if (r.pre != kPreOk) {
      e_status = r.pre == kPreStatus ? r.pre_st : 0;
    } else if (r.opcode == 1) {
      e_slot = r.sa;
      model::Sa sa = ModelSa(e_slot);
      const bool xiv = (r.flags & hw::kSqDescFlagsExplicitIv) != 0;
      const size_t po = xiv ? 8 : 0;
      e_acct = cfg_[e_slot].valid;
      if (!sa.gcm || sa.cfg.dir_in || sa.hard_hit) {
        e_status = S(Status::kSaExpired);
      } else {
        std::vector<uint8_t> out(r.out_cap);
        const std::span<const uint8_t> in(r.in);
        const model::EspOutcome o = model::EspEncap(
            sa, in.subspan(po), xiv ? in.first(8) : std::span<const uint8_t>{}, out);
        e_status = S(o.status);
        e_seq = o.seq;
        e_ev = !ref_st_[e_slot].seq_exhausted && sa.seq_exhausted;
        if (o.status == Status::kOk) {
          e_bytes = util::LoadBe16(&r.in[po + 2]);
          e_lane = true;
          e_job.slot = r.sa;
          e_job.sa = LaneSa(cfg_[e_slot]);
          e_job.seq = o.seq;
          e_job.xiv = xiv;
          e_job.ip_id = ref_st_[e_slot].ip_id;
          e_job.in_len = po + e_bytes;
          e_job.out_cap = std::min<uint64_t>(r.out_cap, kMaxLen);
        }
      }
      e_st = ref_st_[e_slot];
      e_st.next_seq = sa.next_seq;
      e_st.seq_exhausted = sa.seq_exhausted;
      e_st.ip_id = sa.ip_id;
    } else {
      const std::span<const uint8_t> in(r.in);
      const auto loc = model::LocateEsp(in);
      if (!loc) {
        e_status = S(Status::kMalformed);
      } else {
        const int base = static_cast<int>(hw::SpiBucket(loc->spi, kSlots) * hw::kSaWays);
        for (int w = 0; w < static_cast<int>(hw::kSaWays) && e_slot < 0; ++w) {
          const SaCfg& c = cfg_[base + w];
          if (c.valid && c.dir_in && c.spi == loc->spi) e_slot = base + w;
        }
        e_status = S(Status::kUnknownSpi);
      }
      if (e_slot >= 0) {
        e_acct = true;
        e_st = ref_st_[e_slot];
        const model::Sa sa = ModelSa(e_slot);
        if (e_st.hard_hit) {
          e_status = S(Status::kSaExpired);
        } else if (loc->esp_len < model::kEspHeaderLen + model::kEspIvLen + 2 + sa.icv_len()) {
          e_status = S(Status::kMalformed);
        } else {
          const uint32_t seq_lo = util::LoadBe32(&r.in[loc->esp_off + 4]);
          const auto vd = ref_win_[e_slot]->Check(seq_lo);
          e_rp = true;
          e_seq = vd.seq;
          EXPECT_EQ(r.rp_reqs, 1);
          EXPECT_EQ(r.rp_slot, static_cast<uint64_t>(e_slot));
          EXPECT_EQ(r.rp_seq_lo, seq_lo);
          if (!vd.ok) {
            e_status = S(Status::kReplay);
          } else {
            e_status = S(Status::kOk);
            e_lane = true;
            e_job.decap = true;
            e_job.slot = e_slot;
            e_job.sa = LaneSa(cfg_[e_slot]);
            e_job.seq = vd.seq;
            e_job.esp_off = loc->esp_off;
            e_job.in_len = util::LoadBe16(&r.in[2]);
            e_job.out_cap = std::min<uint64_t>(r.out_cap, kMaxLen);
            // The back's result: the lane's status and, on an ICV that verified, the commit.
            const Status fin[] = {Status::kOk, Status::kOk, Status::kAuthFail, Status::kBadPad,
                                  Status::kNoSpace};
            final_status = S(fin[rng_() % 5]);
            if (final_status == S(Status::kOk) || final_status == S(Status::kBadPad)) {
              accept = vd.seq;
              ref_win_[e_slot]->Accept(vd.seq);
            }
          }
        }
      }
    }
    EXPECT_EQ(status, e_status);
    EXPECT_EQ(seq, e_seq);
    EXPECT_EQ(acct, e_acct ? 1u : 0u);
    EXPECT_EQ(lane, e_lane ? 1u : 0u);
    EXPECT_EQ(decap, e_lane && e_job.decap ? 1u : 0u);
    EXPECT_EQ(ev_seq, e_ev ? 1u : 0u);
    EXPECT_EQ(r.jobs, e_lane ? 1 : 0);
    if (r.pre != kPreOk) {
      EXPECT_EQ(r.sa_reads, 0) << "SA read for a pre-status slot";
    }
    EXPECT_EQ(r.rp_reqs, e_rp ? 1 : 0);
    if (e_lane) {
      EXPECT_TRUE(r.job == e_job) << "job fields differ";
    }
    if (e_lane && !e_job.decap) {
      EXPECT_EQ(bytes, e_bytes);
    }
    ++st_.status[e_status & 15];
    const uint64_t took = tb_.cycles() - r.shown;
    uint64_t& mx = r.pre != kPreOk ? st_.max_pre
                   : e_lane        ? (e_job.decap ? st_.max_dec : st_.max_enc)
                                   : took_other_;
    mx = std::max(mx, took);
    st_.lanes += e_lane;
    if (!e_acct || ::testing::Test::HasFailure()) return;
    ++st_.acct_hands;
    EXPECT_EQ(slot, static_cast<uint64_t>(e_slot));
    const SaCfg& c = cfg_[e_slot];
    VlWide<14> want;
    PutCfg(want, c);
    for (int i = 0; i < 14; ++i) EXPECT_EQ(m.hand_cfg_o[i], want[i]) << "cfg word " << i;
    const SaState st = GetState(m.hand_st_o);
    EXPECT_EQ(st, e_st) << "state taken " << Str(st) << " want " << Str(e_st);
    const bool post_ok = !(e_lane && e_job.decap);
    EXPECT_EQ(m.hand_post_ok_o, post_ok ? 1u : 0u);
    const Acct a = Account(e_st, c.lim, post_ok ? e_status : final_status, e_bytes);
    if (post_ok) {
      const SaState post = GetState(m.hand_post_o);
      EXPECT_EQ(post, a.st) << "post " << Str(post) << " want " << Str(a.st);
    }
    // Taken without waiting: the back still holds a packet of the SA (encap, forwarded).
    for (const Held& h : held_) {
      if (h.slot == e_slot) {
        EXPECT_EQ(r.opcode, 1) << "decap record handed while the back holds one of its SA";
        ++st_.fwd_taken;
        break;
      }
    }
    ref_st_[e_slot] = a.st;
    held_.push_back({e_slot, a.st, post_ok, r.q, r.epoch, accept});
  }

  Knobs k_;
  std::mt19937_64 rng_;
  std::mt19937 prng_;
  sim::Tb<Vesp_front> tb_{"esp_front"};
  SaCfg cfg_[kSlots];
  SaState ref_st_[kSlots], table_[kSlots];
  std::optional<model::ReplayWindow> ref_win_[kSlots], port_win_[kSlots];
  std::deque<FRec> fetched_;
  std::deque<Held> held_;
  uint8_t epoch_[3] = {};
  uint64_t took_other_ = 0;
  size_t gen_ = 0, handed_ = 0;
  bool showing_ = false, rd_pending_ = false;
  int rd_slot_ = 0;
  uint64_t rp_due_ = 0, rp_seq_ = 0;
  bool rp_ok_ = false;
  FStats st_;
};

void PrintStats(const FStats& s) {
  std::printf(
      "%llu clocks; OK %d UNKNOWN_SPI %d REPLAY %d MALFORMED %d SEQ_OVERFLOW %d SA_EXPIRED %d "
      "NO_SPACE %d; %d lane jobs, %d accounted, %d hazard clocks, %d forwarded\n",
      static_cast<unsigned long long>(s.cycles), s.status[0], s.status[1], s.status[2], s.status[5],
      s.status[6], s.status[7], s.status[10], s.lanes, s.acct_hands, s.haz_clocks, s.fwd_taken);
}

TEST(EspFrontTest, RandomRecordsMatchTheModel) {
  const uint64_t seed = TestSeed(11);
  FStats all;
  for (int run = 0; run < 6 && !::testing::Test::HasFailure(); ++run) {
    Knobs k;
    std::mt19937_64 r(seed + run);
    k.fetch_pct = 40 + static_cast<int>(r() % 61);
    k.rp_ready_pct = 30 + static_cast<int>(r() % 71);
    k.job_ready_pct = 30 + static_cast<int>(r() % 71);
    k.retire_pct = 10 + static_cast<int>(r() % 80);
    k.rec_ready_pct = 30 + static_cast<int>(r() % 71);
    k.feed_busy_pct = static_cast<int>(r() % 50);
    SCOPED_TRACE(::testing::Message() << "run " << run << " seed " << seed + run);
    FStats s = FrontBench(k, seed + run).Run();
    PrintStats(s);
    EXPECT_LT(s.cycles, 40u * k.records) << "too slow";
    for (int st = 0; st < 16; ++st) all.status[st] += s.status[st];
    all.haz_clocks += s.haz_clocks;
    all.fwd_taken += s.fwd_taken;
  }
  // The runs reached every status the front gives, hazard waits and forwarded states.
  for (int st : {0, 1, 2, 5, 6, 7, 10}) EXPECT_GT(all.status[st], 0) << "status " << st << " never";
  EXPECT_GT(all.haz_clocks, 0);
  EXPECT_GT(all.fwd_taken, 0);
}

// Every neighbour ready, the back retiring each record as it comes (no hazard): a pre-status or
// fetch-error slot goes straight on (handed the clock after it is presented), an encap packet
// too (SA read; then the checks, the job and the hand-over in one clock: 2 clocks a record, the
// rate four lanes need at 64 B), a decap one at most 7 (way 0 read, way 1 read, checks, replay
// pre-check answered 1..4 clocks later with the job and the hand-over).
TEST(EspFrontTest, AllReadyRecordsTakeTheirClocks) {
  const uint64_t seed = TestSeed(5);
  Knobs k;
  k.fetch_pct = k.rp_ready_pct = k.job_ready_pct = k.retire_pct = k.rec_ready_pct = 100;
  k.feed_busy_pct = 0;
  k.pre_pct = 20;
  const FStats s = FrontBench(k, seed).Run();
  PrintStats(s);
  std::printf("most clocks to hand-over: pre %llu encap %llu decap %llu\n",
              static_cast<unsigned long long>(s.max_pre),
              static_cast<unsigned long long>(s.max_enc),
              static_cast<unsigned long long>(s.max_dec));
  EXPECT_EQ(s.haz_clocks, 0);
  EXPECT_EQ(s.max_pre, 1u);
  EXPECT_EQ(s.max_enc, 1u);
  EXPECT_LE(s.max_dec, 7u);
  EXPECT_LT(s.cycles, 4u * k.records);
}

}  // namespace
}  // namespace ipsec::rtltest
