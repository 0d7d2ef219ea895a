// esp_back testbench: the tests (the bench, its models of the neighbours and the reference
// are in tests/rtl/esp_back_bench.h).
#include <gtest/gtest.h>

#include <string>

#include "tests/rtl/esp_back_bench.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {
namespace {

// Every test at the 128-bit host bus and at 1024 bits (DataW; the lane's output in 128-byte
// words).
template <class V>
class EspBackTest : public ::testing::Test {};
struct WidthName {
  template <class V>
  static std::string GetName(int) {
    return "Bus" + std::to_string(8 * BackBench<V>::kBB);
  }
};
using Widths = ::testing::Types<Vesp_back, Vesp_back_w1024>;
TYPED_TEST_SUITE(EspBackTest, Widths, WidthName);

// Several seeds (IPSEC_SEED = the first), each with its own SA and queue counts and its own
// stall rates (from 35% to 100% ready), write latency 1..40 clocks, and random errors:
// completion and output write errors, refused commits, descriptor read errors.
TYPED_TEST(EspBackTest, RandomRecordsMatchTheReference) {
  const uint64_t seed = TestSeed(1);
  const int slots[] = {1, 4, 16, 6, 2, 12}, queues[] = {1, 3, 4, 2, 8, 3};
  Stats all;
  for (int k = 0; k < 6; ++k) {
    std::mt19937_64 rng(seed * 1000 + k);
    Knobs kn;
    kn.records = 5000;
    kn.slots = slots[k];
    kn.queues = queues[k];
    kn.reset_pm = 10;
    for (int* p : {&kn.hand_pct, &kn.res_pct, &kn.beat_pct, &kn.req_ready_pct, &kn.data_ready_pct,
                   &kn.cmt_ready_pct, &kn.gen_pct}) {
      *p = k == 5 ? 100 : 35 + static_cast<int>(rng() % 66);
    }
    const Stats s = BackBench<TypeParam>(kn, seed + k).Run();
    ASSERT_FALSE(::testing::Test::HasFailure()) << "seed " << seed + k << " run " << k;
    Print(("seed " + std::to_string(seed + k) + " run " + std::to_string(k)).c_str(), s);
    EXPECT_GT(s.cpl_errors, 0);
    EXPECT_GT(s.dropped, 0);
    EXPECT_GT(s.status[S(Status::kDmaError)], 0);
    all.refused += s.refused;
    all.fwd_hands += s.fwd_hands;
    all.haz_waits += s.haz_waits;
    all.events += s.events;
    all.resets += s.resets;
    all.resets_in_cpl += s.resets_in_cpl;
    all.overlapped += s.overlapped;
    // Completion writes of different queues in flight together (one per queue at most).
    if (kn.queues > 1) EXPECT_GT(s.max_pend, 1);
    EXPECT_LE(s.max_pend, kn.queues);
  }
  // The run covered what it checks.
  EXPECT_GT(all.refused, 100);
  EXPECT_GT(all.fwd_hands, 1000);
  EXPECT_GT(all.haz_waits, 1000);
  EXPECT_GT(all.events, 100);
  EXPECT_GT(all.resets, 50);
  EXPECT_GT(all.resets_in_cpl, 5);
  EXPECT_GT(all.overlapped, 1000);  // answers after B went on with other queues' records
}

// Directed runs: no random errors; the knobs' record ids say which writes fail.
Knobs Quiet(int records) {
  Knobs k;
  k.records = records;
  k.out_err_pm = k.cpl_err_pm = k.refuse_pct = k.fetch_err_pm = 0;
  return k;
}

// Decap packets verified by the lane (OK); the commit of record 1 is refused (another packet
// with that number verified first) and its output write fails: the model has a REPLAY there
// (it never writes that output), not a DMA_ERROR.
TYPED_TEST(EspBackTest, RefusedCommitWithFailedOutputWriteIsReplay) {
  Knobs k = Quiet(4);
  k.shape = [](Rec& r, size_t) {
    r.lane = r.decap = r.acct = r.icv_ok = true;
    r.encap_op = false;
    r.lane_status = r.status = S(Status::kOk);
    r.out_len = 100;
  };
  k.refuse = {1};
  k.fail_out = {1};
  BackBench<TypeParam> b(k, 7);
  const Stats s = b.Run();
  Print("refused commit + output error", s);
  EXPECT_EQ(s.status[S(Status::kReplay)], 1);
  EXPECT_EQ(s.status[S(Status::kOk)], 3);
}

// Back-to-back encap records with 113..128-byte outputs (8 beats at 128 bits, 1 at 1024, + 1 for
// the completion), 4 SAs in turn, no stall anywhere, write latency 4: the W channel carries a
// beat every clock. At 1024 bits that is a record every 2 clocks, the rate 4 lanes need at
// 64 B, with 4 queues in turn (one queue: a record per completion round trip, about 6 clocks).
TYPED_TEST(EspBackTest, BackToBackSmallRecordsHaveNoIdleWClock) {
  Knobs k = Quiet(600);
  k.small = true;
  k.slots = 4;
  k.queues = BackBench<TypeParam>::kBB == 16 ? 1 : 4;
  k.hand_pct = k.res_pct = k.beat_pct = k.req_ready_pct = k.data_ready_pct = 100;
  k.cmt_ready_pct = k.gen_pct = 100;
  k.lat_min = k.lat_max = 4;
  const Stats s = BackBench<TypeParam>(k, 3).Run();
  Print("back to back", s);
  const size_t per = (128 + BackBench<TypeParam>::kBB - 1) / BackBench<TypeParam>::kBB + 1;
  EXPECT_EQ(s.w_beats, 600u * per);
  EXPECT_EQ(s.idle_w, 0u);
  EXPECT_LT(s.cycles, 600u * per + 100);
}

// Two queues; the completion write of record 60 fails: one QUEUE_ERROR and stop for its
// queue, that queue's records fetched behind it have no effect but their release (the
// reference expects nothing else), the other queue's records all complete.
TYPED_TEST(EspBackTest, FailedCompletionWriteDropsOnlyItsQueue) {
  Knobs k = Quiet(400);
  k.queues = 2;
  k.fail_cpl = {60};
  const Stats s = BackBench<TypeParam>(k, 11).Run();
  Print("completion write error", s);
  ASSERT_EQ(s.cpl_errors, 1);
  const int bad = s.drop_per_q[0] > 0 ? 0 : 1;
  EXPECT_GT(s.drop_per_q[bad], 0);
  EXPECT_EQ(s.drop_per_q[1 - bad], 0);
  EXPECT_EQ(s.cpl_per_q[1 - bad], s.recs_per_q[1 - bad]);
  EXPECT_EQ(s.cpl_per_q[bad] + s.drop_per_q[bad] + 1, s.recs_per_q[bad]);
  EXPECT_GT(s.cpl_per_q[bad], 60 / 2);  // the queue completes again after its re-enable
}

// Encap packets; the output write of record 5 fails: DMA_ERROR with out_len 0 (the reference
// checks the entry), its SA accounting as OK (the model accounts before the write).
TYPED_TEST(EspBackTest, FailedOutputWriteGivesDmaError) {
  Knobs k = Quiet(20);
  k.small = true;
  k.fail_out = {5};
  const Stats s = BackBench<TypeParam>(k, 5).Run();
  Print("output write error", s);
  EXPECT_EQ(s.status[S(Status::kDmaError)], 1);
  EXPECT_EQ(s.status[S(Status::kOk)], 19);
}

// One queue, records completed by the front (no output): B writes the SA and requests the
// completion in one clock; the queue is reset then (record 20, in the ring's second pass: phase
// 0). The completion still goes out with the entry as requested (phase 0, not the new ring's
// 1), and is neither counted nor signalled; records 21.. of the old epoch are dropped.
TYPED_TEST(EspBackTest, QueueResetAfterTheCompletionRequestKeepsItsEntry) {
  Knobs k = Quiet(40);
  k.queues = 1;
  k.req_ready_pct = 100;
  k.shape = [](Rec& r, size_t) {
    r.lane = r.decap = false;
    r.encap_op = r.acct = true;
    r.status = S(Status::kMalformed);
  };
  k.reset = {20};
  const Stats s = BackBench<TypeParam>(k, 9).Run();
  Print("queue reset", s);
  EXPECT_EQ(s.resets_in_cpl, 1);
  EXPECT_EQ(s.completions + 1 + s.dropped, 40);
}

}  // namespace
}  // namespace ipsec::rtltest
