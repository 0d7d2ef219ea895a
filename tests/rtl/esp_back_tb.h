// Types of the esp_back testbench (tests/rtl/esp_back_test.cc): packed structs as Verilator wide
// ports, esp_sa_pkg::sa_state_t, the model's Account (hw/model/device_model.cc), which the back's
// SA writes must equal (the RTL's copy is sa_account in rtl/esp_engine_pkg.sv), the records, the
// run's knobs and statistics, and the effects the reference expects.
#pragma once

#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hw/gen/ipsec_regs.h"

namespace ipsec::rtltest {

using hw::Event;
using hw::Status;

constexpr int kSlots = 16;  // -GSlots=16 (sim/CMakeLists.txt)
constexpr int kQueues = 8;
constexpr int kStateBits = 307, kCfgBits = 436, kRecBits = 259;  // packed struct widths

constexpr uint8_t S(Status s) { return static_cast<uint8_t>(s); }
constexpr uint8_t E(Event e) { return static_cast<uint8_t>(e); }

// Packed struct ports: fields of these widths and values in declaration order from the most
// significant bit down.
inline void Pack(WData* w, int width, std::initializer_list<int> bits,
                 std::initializer_list<uint64_t> values) {
  for (int i = 0; i < (width + 31) / 32; ++i) w[i] = 0;
  int pos = width;
  const uint64_t* v = values.begin();
  for (int n : bits) {
    pos -= n;
    for (int i = 0; i < n; ++i) {
      if ((*v >> i) & 1) w[(pos + i) / 32] |= WData{1} << ((pos + i) % 32);
    }
    ++v;
  }
}

inline std::vector<uint64_t> Unpack(const WData* w, int width, std::initializer_list<int> bits) {
  std::vector<uint64_t> out;
  int pos = width;
  for (int n : bits) {
    pos -= n;
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t{(w[(pos + i) / 32] >> ((pos + i) % 32)) & 1} << i;
    out.push_back(v);
  }
  return out;
}

// esp_sa_pkg::sa_state_t.
struct SaState {
  uint64_t next_seq = 1;
  uint16_t ip_id = 0;
  bool seq_exhausted = false, soft_hit = false, hard_hit = false;
  uint64_t pkts = 0, bytes = 0;
  uint32_t replay = 0, auth_fail = 0, other_drops = 0;
  bool operator==(const SaState&) const = default;
};

inline void PutState(WData* w, const SaState& s) {
  Pack(w, kStateBits, {64, 16, 1, 1, 1, 64, 64, 32, 32, 32},
       {s.next_seq, s.ip_id, s.seq_exhausted, s.soft_hit, s.hard_hit, s.pkts, s.bytes, s.replay,
        s.auth_fail, s.other_drops});
}

inline SaState GetState(const WData* w) {
  const auto v = Unpack(w, kStateBits, {64, 16, 1, 1, 1, 64, 64, 32, 32, 32});
  return {v[0],
          static_cast<uint16_t>(v[1]),
          v[2] != 0,
          v[3] != 0,
          v[4] != 0,
          v[5],
          v[6],
          static_cast<uint32_t>(v[7]),
          static_cast<uint32_t>(v[8]),
          static_cast<uint32_t>(v[9])};
}

inline std::string Str(const SaState& s) {
  char buf[200];
  std::snprintf(buf, sizeof(buf),
                "{seq %llu id %u ex %d soft %d hard %d pkts %llu bytes %llu rp %u af %u od %u}",
                static_cast<unsigned long long>(s.next_seq), s.ip_id, s.seq_exhausted, s.soft_hit,
                s.hard_hit, static_cast<unsigned long long>(s.pkts),
                static_cast<unsigned long long>(s.bytes), s.replay, s.auth_fail, s.other_drops);
  return buf;
}

struct Limits {
  uint64_t soft_bytes = 0, hard_bytes = 0, soft_pkts = 0, hard_pkts = 0;
};

struct Acct {
  SaState st;
  bool soft = false, hard = false;
};

// ModelDevice::Account (hw/model/device_model.cc).
inline Acct Account(const SaState& st, const Limits& l, uint8_t status, uint64_t bytes) {
  Acct a{st};
  const Status v = static_cast<Status>(status);
  if (v == Status::kReplay) ++a.st.replay;
  if (v == Status::kAuthFail) ++a.st.auth_fail;
  if (v != Status::kOk && v != Status::kReplay && v != Status::kAuthFail) ++a.st.other_drops;
  if (v != Status::kOk) return a;
  ++a.st.pkts;
  a.st.bytes += bytes;
  auto reached = [&](uint64_t pkts, uint64_t by) {
    return (pkts != 0 && a.st.pkts >= pkts) || (by != 0 && a.st.bytes >= by);
  };
  if (!st.soft_hit && reached(l.soft_pkts, l.soft_bytes)) a.st.soft_hit = a.soft = true;
  if (!st.hard_hit && reached(l.hard_pkts, l.hard_bytes)) a.st.hard_hit = a.hard = true;
  return a;
}

// What the back does, one effect at a time (the reference's expectations, in the order of a
// record's effects and, within a clock, in this order).
enum class Fx { kCommit, kSaWr, kEvent, kStat, kCplReq, kStop, kCplDone, kCplValid, kRelease };
inline constexpr const char* kFxName[] = {"commit",   "SA write",           "event",
                                          "stat",     "completion request", "stop",
                                          "cpl done", "cpl valid",          "release"};

struct Effect {
  Fx fx;
  uint64_t a = 0, b = 0;
  SaState st{};
};

// One front -> back record, its lane job and the reference's bookkeeping.
struct Rec {
  bool fetch_err = false, lane = false, decap = false, encap_op = false, acct = false;
  bool ev_seq = false, irq = false;
  uint8_t status = 0, slot = 0, q = 0;
  uint32_t epoch = 0;  // full; the RTL sees epoch % 16
  uint64_t seq = 0, bytes = 0, out_addr = 0;
  uint32_t cookie = 0;
  SaState st_got, st, post;  // the state the front took, with its own changes, after the packet
  bool post_ok = false;
  uint8_t lane_status = 0;  // the lane's result
  bool icv_ok = false;
  uint16_t out_len = 0, inner_len = 0;
  std::vector<uint8_t> out;
  bool written = false;  // progress: SA write seen (at wr_cycle)
  uint64_t wr_cycle = 0;
  bool out_req = false, out_done = false, out_err = false;
  uint8_t fstatus = 0;  // the status after the replay commit
  bool writes() const { return lane && lane_status == S(Status::kOk) && out_len != 0; }
};

struct Knobs {
  int records = 2000;
  int slots = 6, queues = 3;  // used
  int hand_pct = 70, res_pct = 70, beat_pct = 80, req_ready_pct = 70, data_ready_pct = 80;
  int cmt_ready_pct = 70, gen_pct = 70;
  int lat_min = 1, lat_max = 40;  // write response latency after the last data beat
  int out_err_pm = 15, cpl_err_pm = 8, refuse_pct = 10, fetch_err_pm = 4;  // error injection
  int reset_pm = 0;    // queue resets: chance at each SA write that its queue is reset
  bool small = false;  // only encap records with 113..128-byte outputs (throughput)
  std::set<size_t> fail_cpl, fail_out, refuse, reset;  // record ids
  std::function<void(Rec&, size_t)> shape;             // changes generated records (directed tests)
};

struct Stats {
  uint64_t cycles = 0, w_beats = 0, idle_w = 0;
  int completions = 0, cpl_errors = 0, dropped = 0, fwd_hands = 0, haz_waits = 0, events = 0;
  int refused = 0, out_writes = 0, out_errors = 0, resets = 0, resets_in_cpl = 0;
  int max_pend = 0;    // completion writes unanswered at once
  int overlapped = 0;  // answers that came after B had moved past the next record
  int status[16] = {};
  int cpl_per_q[kQueues] = {}, drop_per_q[kQueues] = {}, recs_per_q[kQueues] = {};
};

inline void Print(const char* what, const Stats& s) {
  std::printf(
      "%s: %llu clocks, %llu W beats (%llu idle in the middle), %d completions, %d completion "
      "write errors, %d dropped, %d output writes (%d failed), %d refused commits, %d events, "
      "%d forwarded, %d hazard wait clocks, %d queue resets (%d with the completion requested); "
      "up to %d completion writes in flight, %d answered after B passed the next record; "
      "OK %d REPLAY %d DMA_ERROR %d\n",
      what, static_cast<unsigned long long>(s.cycles), static_cast<unsigned long long>(s.w_beats),
      static_cast<unsigned long long>(s.idle_w), s.completions, s.cpl_errors, s.dropped,
      s.out_writes, s.out_errors, s.refused, s.events, s.fwd_hands, s.haz_waits, s.resets,
      s.resets_in_cpl, s.max_pend, s.overlapped, s.status[S(Status::kOk)], s.status[S(Status::kReplay)],
      s.status[S(Status::kDmaError)]);
}

}  // namespace ipsec::rtltest
