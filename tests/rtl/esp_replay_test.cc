// esp_replay testbench: the RTL anti-replay block against the functional model
// (hw/model/replay_window.cc, itself checked against tests/models/replay_ref.h and the RFC 4303
// vector table in tests/unit/hw/replay_window_test.cc), through the ports only.
//
// A shadow ReplayWindow per slot sees the operations in the order the RTL accepted them; every
// response (check: ok and the inferred 64-bit number; commit: accepted; read: T and the 64-bit
// recent bitmap) must match, exactly 2 clocks after the operation was accepted.
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "Vesp_replay.h"
#include "hw/model/replay_window.h"
#include "sim/harness/tb.h"
#include "tests/models/replay_ref.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {
namespace {

using hw::model::ReplayWindow;

constexpr int kLatency = 2;

enum class Op { kInit, kCheck, kCommit, kRead };

struct Req {
  Op op;
  uint16_t slot;
  uint32_t window = 0;  // init (0 = 64)
  uint64_t seq = 0;     // init: T; check: seq_lo; commit: seq
  bool esn = false;
};

struct Expect {
  Op op;
  uint64_t due;
  bool ok = false;
  uint64_t seq = 0, t = 0, bitmap = 0;
  std::string what;
};

class EspReplayTest : public ::testing::Test {
 protected:
  EspReplayTest() : tb_("esp_replay") {
    tb_.Reset();
    Idle();
  }

  void Idle() {
    auto& t = tb_.model();
    t.init_valid_i = 0;
    t.chk_valid_i = 0;
    t.cmt_valid_i = 0;
    t.rd_valid_i = 0;
  }

  void Drive(const Req& r) {
    auto& t = tb_.model();
    switch (r.op) {
      case Op::kInit:
        t.init_valid_i = 1;
        t.init_slot_i = r.slot;
        t.init_window_i = r.window;
        t.init_t_i = r.seq;
        t.init_esn_i = r.esn;
        break;
      case Op::kCheck:
        t.chk_valid_i = 1;
        t.chk_slot_i = r.slot;
        t.chk_seq_lo_i = static_cast<uint32_t>(r.seq);
        break;
      case Op::kCommit:
        t.cmt_valid_i = 1;
        t.cmt_slot_i = r.slot;
        t.cmt_seq_i = r.seq;
        break;
      case Op::kRead:
        t.rd_valid_i = 1;
        t.rd_slot_i = r.slot;
        break;
    }
  }

  bool Fired(Op op) {
    auto& t = tb_.model();
    switch (op) {
      case Op::kInit:
        return t.init_valid_i && t.init_ready_o;
      case Op::kCheck:
        return t.chk_valid_i && t.chk_ready_o;
      case Op::kCommit:
        return t.cmt_valid_i && t.cmt_ready_o;
      default:
        return t.rd_valid_i && t.rd_ready_o;
    }
  }

  // Applies an accepted operation to the shadow model; queues the expected response.
  void Accepted(const Req& r) {
    Expect e;
    e.op = r.op;
    e.due = tb_.cycles() + kLatency;
    e.what = "op " + std::to_string(static_cast<int>(r.op)) + " slot " + std::to_string(r.slot) +
             " seq " + std::to_string(r.seq) + " #" + std::to_string(++ops_);
    switch (r.op) {
      case Op::kInit:
        model_.erase(r.slot);
        model_.emplace(r.slot, ReplayWindow(r.window == 0 ? 64 : r.window, r.esn, r.seq));
        break;
      case Op::kCheck: {
        auto v = model_.at(r.slot).Check(static_cast<uint32_t>(r.seq));
        e.ok = v.ok;
        e.seq = v.seq;
        break;
      }
      case Op::kCommit: {
        ReplayWindow& w = model_.at(r.slot);
        e.ok = w.CheckFull(r.seq);
        if (e.ok) w.Accept(r.seq);
        break;
      }
      case Op::kRead:
        e.t = model_.at(r.slot).highest();
        e.bitmap = model_.at(r.slot).recent_bitmap();
        break;
    }
    expect_.push_back(e);
  }

  // Offers up to one request per port for one clock; returns which were accepted.
  void Clock(const std::vector<Req>& reqs) {
    Idle();
    for (const auto& r : reqs) Drive(r);
    tb_.Eval();
    // At most one write operation (init, commit) and one read operation (check, read) per
    // clock; the write one counts as the earlier.
    int fired = 0, writes = 0;
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& r : reqs) {
        const bool write = r.op == Op::kInit || r.op == Op::kCommit;
        if (write != (pass == 0) || !Fired(r.op)) continue;
        Accepted(r);
        ++fired;
        writes += write;
      }
    }
    EXPECT_LE(fired, 2);
    EXPECT_LE(writes, 1);
    fired_ = fired >= 1;
    dual_ += fired == 2;
    tb_.Tick();
    CheckResponses();
  }

  void CheckResponses() {
    auto& t = tb_.model();
    const uint64_t now = tb_.cycles();
    auto take = [&](Op op) -> std::optional<Expect> {
      for (auto it = expect_.begin(); it != expect_.end() && it->due <= now; ++it) {
        if (it->op == op && it->due == now) {
          Expect e = *it;
          expect_.erase(it);
          return e;
        }
      }
      ADD_FAILURE() << "unexpected response of op " << static_cast<int>(op) << " at " << now;
      return std::nullopt;
    };
    if (t.init_done_o) take(Op::kInit);
    if (t.chk_done_o) {
      if (auto e = take(Op::kCheck)) {
        EXPECT_EQ(static_cast<bool>(t.chk_ok_o), e->ok) << e->what;
        EXPECT_EQ(t.chk_seq_o, e->seq) << e->what;
        ++checked_;
      }
    }
    if (t.cmt_done_o) {
      if (auto e = take(Op::kCommit)) {
        EXPECT_EQ(static_cast<bool>(t.cmt_ok_o), e->ok) << e->what;
        ++checked_;
      }
    }
    if (t.rd_done_o) {
      if (auto e = take(Op::kRead)) {
        EXPECT_EQ(t.rd_t_o, e->t) << e->what;
        EXPECT_EQ(t.rd_bitmap_o, e->bitmap) << e->what;
        ++checked_;
      }
    }
    if (!expect_.empty() && expect_.front().due < now) {
      ADD_FAILURE() << "missing response: " << expect_.front().what;
      expect_.pop_front();
    }
  }

  // One request, offered until accepted (read may wait one clock after a write to its slot).
  void Do(const Req& r) {
    for (int i = 0; i < 4; ++i) {
      Clock({r});
      if (fired_) return;
    }
    ADD_FAILURE() << "request not accepted";
  }

  void Drain() {
    for (int i = 0; i < 4; ++i) Clock({});
    EXPECT_TRUE(expect_.empty());
  }

  // A sequence number near the slot's window (or anywhere), as a sender or an attacker sends.
  uint64_t NearSeq(std::mt19937_64& rng, uint16_t slot) {
    const ReplayWindow& w = model_.at(slot);
    const uint64_t t = w.highest();
    const uint64_t span = 2ull * w.window() + 8;
    const uint64_t max = w.esn() ? ~0ull : 0xffffffffull;
    uint64_t s;
    switch (rng() % 8) {
      case 0:
        s = rng();
        break;
      case 1:
        s = t + 1 + rng() % 3;
        break;
      case 2:
        s = t + rng() % (4 * span);
        break;
      default:
        s = t - std::min<uint64_t>(t, rng() % span);
        break;
    }
    if (s > max) s = rng() % 2 ? max : s & max;
    return s;
  }

  sim::Tb<Vesp_replay> tb_;
  std::map<uint16_t, ReplayWindow> model_;
  std::deque<Expect> expect_;
  bool fired_ = false;
  uint64_t ops_ = 0, checked_ = 0, dual_ = 0;
};

// Initial T: 0 or a number near an interesting place (2^32 boundaries for ESN).
uint64_t InitialT(std::mt19937_64& rng, bool esn, uint32_t window) {
  switch (rng() % 5) {
    case 0:
      return 0;
    case 1:
      return rng() % (2 * window + 2);
    case 2:
      return esn ? (uint64_t{1 + rng() % 3} << 32) - rng() % (2 * window + 2)
                 : 0xffffffffull - rng() % (2 * window);
    case 3:
      return esn ? (uint64_t{1 + rng() % 3} << 32) + rng() % (2 * window + 2) : rng() & 0xffffffff;
    default:
      return esn ? rng() >> (rng() % 8) : rng() & 0xffffffff;
  }
}

uint32_t RandomWindow(std::mt19937_64& rng) {
  static constexpr uint32_t kWindows[] = {0,   32,   33,   63,   64,   65,   100,  127, 128,
                                          129, 1000, 2047, 2048, 2049, 4000, 4095, 4096};
  return kWindows[rng() % std::size(kWindows)];
}

// Hand cases: the RFC 4303 3.4.3 / A2.2 situations, each step's answer from the model.
TEST_F(EspReplayTest, BasicWindowAndEsnWrap) {
  Do({Op::kInit, 5, 64, 0, false});
  for (uint64_t s : {0ull, 1ull, 1ull, 2ull, 64ull, 1ull, 3ull, 3ull, 65ull, 130ull, 66ull, 67ull,
                     129ull, 0xffffffffull, 1ull}) {
    Do({Op::kCheck, 5, 0, s});
    Do({Op::kCommit, 5, 0, s});
    Do({Op::kRead, 5});
  }
  // ESN: T just below 2^32 (case A, then B after the wrap), and case B with Th = 0.
  Do({Op::kInit, 6, 64, 0xfffffff0ull, true});
  for (uint32_t lo : {0xffffffe0u, 0xfffffff5u, 5u, 0xfffffff0u, 0x20u, 0xffffffc5u, 0xfffffff6u}) {
    Do({Op::kCheck, 6, 0, lo});
    Do({Op::kCommit, 6, 0, model_.at(6).Check(lo).seq});
    Do({Op::kRead, 6});
  }
  Do({Op::kInit, 7, 128, 10, true});
  for (uint32_t lo : {0xfffffff0u, 5u, 200u}) Do({Op::kCheck, 7, 0, lo});
  Drain();
  EXPECT_EQ(checked_, 3u * 15 + 3 * 7 + 3);
}

// Random operations on many slots, back to back (every forwarding path), often several at once
// (a write and a read operation in the same clock; priority and ready).
TEST_F(EspReplayTest, RandomAgainstModel) {
  std::mt19937_64 rng(TestSeed(21));
  std::vector<uint16_t> slots;
  for (int i = 0; i < 12; ++i) slots.push_back(static_cast<uint16_t>(rng() % 1024));
  slots.push_back(slots[0] ^ 1);  // a neighbour slot
  for (uint16_t s : slots) {
    const bool esn = rng() % 2;
    const uint32_t w = RandomWindow(rng);
    Clock({{Op::kInit, s, w, InitialT(rng, esn, w == 0 ? 64 : w), esn}});
  }
  for (int i = 0; i < 60000; ++i) {
    // Mostly one slot at a time in bursts, so that consecutive operations hit the same slot.
    const uint16_t s = slots[(i / 7 + (rng() % 4 == 0 ? rng() : 0)) % slots.size()];
    std::vector<Req> reqs;
    // Half the clocks offer 2..4 operations (a commit and a check together, often on the same
    // slot: the check must see the commit).
    const int n = rng() % 2 == 0 ? 2 + static_cast<int>(rng() % 3) : 1;
    for (int k = 0; k < n; ++k) {
      Req r{};
      r.slot = (k == 0 || rng() % 2 == 0) ? s : slots[rng() % slots.size()];
      switch (rng() % 20) {
        case 0: {
          r.op = Op::kInit;
          r.esn = rng() % 2;
          r.window = RandomWindow(rng);
          r.seq = InitialT(rng, r.esn, r.window == 0 ? 64 : r.window);
          break;
        }
        case 1:
        case 2:
        case 3:
          r.op = Op::kRead;
          break;
        case 4:
        case 5:
        case 6:
        case 7:
        case 8:
          r.op = Op::kCheck;
          break;
        default:
          r.op = Op::kCommit;
          break;
      }
      bool dup = false;
      for (const auto& q : reqs) dup |= q.op == r.op;
      if (dup) continue;
      if (r.op == Op::kCheck) r.seq = static_cast<uint32_t>(NearSeq(rng, r.slot));
      // Commit a number the front end could commit: a checked one (its inferred value), or
      // one a concurrent lane's commit may have overtaken; never 0.
      if (r.op == Op::kCommit) {
        auto v = model_.at(r.slot).Check(static_cast<uint32_t>(NearSeq(rng, r.slot)));
        r.seq = v.seq;
        if (r.seq == 0 || (!model_.at(r.slot).esn() && r.seq > 0xffffffffull)) r.seq = 1;
      }
      reqs.push_back(r);
    }
    Clock(reqs);
    if (HasFailure()) break;
  }
  Drain();
  std::printf("%llu responses checked\n", static_cast<unsigned long long>(checked_));
  EXPECT_GT(checked_, 50000u);
  EXPECT_GT(dual_, 10000u);  // clocks that accepted a write and a read operation together
}

// The state the reference (std::set based) keeps, through a long in-order and reordered
// stream on a 4096 window with ESN across a 2^32 boundary.
TEST_F(EspReplayTest, LongStreamAgainstSetReference) {
  std::mt19937_64 rng(TestSeed(22));
  const uint64_t t0 = (1ull << 32) - 3000;
  Clock({{Op::kInit, 9, 4096, t0, true}});
  testmodel::ReplayRef ref(4096, true, t0);
  uint64_t next = t0 + 1;
  for (int i = 0; i < 20000; ++i) {
    uint64_t s = next + rng() % 64;
    if (rng() % 3 == 0) s -= std::min<uint64_t>(s - 1, rng() % 5000);
    next = std::max(next, s + 1);
    const uint32_t lo = static_cast<uint32_t>(s);
    const auto want = ref.Check(lo);
    Clock({{Op::kCheck, 9, 0, lo}});
    Clock({});
    ASSERT_EQ(static_cast<bool>(tb_->chk_ok_o), want.ok) << i;
    if (want.ok) {
      EXPECT_EQ(tb_->chk_seq_o, static_cast<uint64_t>(want.seq));
      ref.Accept(static_cast<uint64_t>(want.seq));
      Clock({{Op::kCommit, 9, 0, static_cast<uint64_t>(want.seq)}});
    }
  }
  Do({Op::kRead, 9});
  Drain();
  EXPECT_EQ(model_.at(9).highest(), ref.highest());
  EXPECT_EQ(model_.at(9).recent_bitmap(), ref.recent_bitmap());
}

}  // namespace
}  // namespace ipsec::rtltest
