// ReplayWindow (hw/model/replay_window.h): RFC 4303 section 3.4.3 and Appendix A (ESN).
// (a) a numbered vector table in the manner of wireguard-go's replay/replay_test.go (a list of
//     {counter, expected} applied in order to one filter), written fresh for ESP: each row is one
//     received packet, with the verdict, the inferred full sequence number and T afterwards;
// (b) a randomized comparison against tests/models/replay_ref.h (std::set based), seed printed;
// (c) the small contracts: Check() is pure, an ICV failure leaves the window as it was,
//     recent_bitmap(), parameter checks.
#include "hw/model/replay_window.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "tests/models/replay_ref.h"

namespace ipsec::hw::model {
namespace {

// One received packet. The harness calls Check(seq_lo); if it passes and icv_ok, Accept(seq).
struct Step {
  int num;             // case number, consecutive from 1 across the whole table
  uint32_t seq_lo;     // sequence number field of the ESP header
  bool ok;             // expected Check() verdict
  uint64_t seq;        // expected full sequence number from Check()
  uint64_t highest;    // expected T after the step
  bool icv_ok = true;  // false: Check passes but the ICV does not verify (no Accept)
};

struct Scenario {
  const char* name;
  uint32_t window;
  bool esn;
  uint64_t initial_highest;
  std::vector<Step> steps;
};

constexpr bool kIcvFails = false;

// Notation in the comments: T = highest authenticated, W = window, Tl/Th = low/high half of T,
// bottom = Tl - W + 1 mod 2^32 (RFC 4303 A2.2). "A2.2 case A": Tl >= W - 1 (window inside one
// subspace: low half < bottom means Th + 1); "case B": Tl < W - 1 (window spans two subspaces:
// low half >= bottom means Th - 1).
const std::vector<Scenario>& Table() {
  static const auto* table = new std::vector<Scenario>{
      {"W=64 no ESN from T=0",
       64,
       false,
       0,
       {
           {1, 0, false, 0, 0},         // 3.3.3: the first packet is 1, sequence 0 is never valid
           {2, 1, true, 1, 1},          // first packet
           {3, 1, false, 1, 1},         // duplicate of T
           {4, 2, true, 2, 2},          // next in order
           {5, 64, true, 64, 64},       // jump to exactly W: window is now 1..64
           {6, 1, false, 1, 64},        // T-W+1 = 1 is inside but received (case 2)
           {7, 3, true, 3, 64},         // inside the window, late but new; T unchanged
           {8, 3, false, 3, 64},        // duplicate inside the window (not at T)
           {9, 65, true, 65, 65},       // window 2..65
           {10, 1, false, 1, 65},       // T-W = 1: too old (by position alone)
           {11, 130, true, 130, 130},   // jump of 65 > W: window 67..130, only 130 received
           {12, 66, false, 66, 130},    // T-W
           {13, 67, true, 67, 130},     // T-W+1, not received: accepted
           {14, 67, false, 67, 130},    // duplicate at the bottom edge
           {15, 129, true, 129, 130},   // shares a bitmap slot with 1 (case 2): the slot was
                                        // cleared when the window moved, so 129 is new
           {16, 194, true, 194, 194},   // jump of exactly W: window 131..194
           {17, 130, false, 130, 194},  // the old T is now T-W
           {18, 131, true, 131, 194},   // T-W+1
           {19, 100000, true, 100000, 100000},               // large jump
           {20, 194, false, 194, 100000},                    // far below the window
           {21, 99937, true, 99937, 100000},                 // T-W+1 = 100000-64+1
           {22, 99936, false, 99936, 100000},                // T-W
           {23, 0xFFFFFFFF, true, 0xFFFFFFFF, 0xFFFFFFFF},   // last number of the 32-bit space
           {24, 1, false, 1, 0xFFFFFFFF},                    // no ESN: no wrap, 1 is far below
           {25, 0xFFFFFFFF, false, 0xFFFFFFFF, 0xFFFFFFFF},  // duplicate of T at the top
           {26, 0xFFFFFFC0, true, 0xFFFFFFC0, 0xFFFFFFFF},   // T-W+1 = 2^32-1-63
           {27, 0xFFFFFFBF, false, 0xFFFFFFBF, 0xFFFFFFFF},  // T-W
           {28, 0, false, 0, 0xFFFFFFFF},  // 0 stays invalid (it would be the wrap)
       }},
      {"W=1 no ESN from T=0",
       1,
       false,
       0,
       {
           {29, 1, true, 1, 1},
           {30, 1, false, 1, 1},            // W=1: only T is inside, and T is received
           {31, 3, true, 3, 3},             // a gap
           {32, 2, false, 2, 3},            // T-W = 2: with W=1 everything below T is too old
           {33, 4, true, 4, 4},             // jump of exactly W=1
           {34, 5, true, 5, 4, kIcvFails},  // passes the pre-check, ICV fails: T stays 4
           {35, 5, true, 5, 5},             // the genuine 5 afterwards is accepted
       }},
      {"W=32 no ESN, SA programmed with T=100",
       32,
       false,
       100,
       {
           {36, 100, false, 100, 100},  // the initial T counts as authenticated
           {37, 69, true, 69, 100},     // T-W+1 = 69
           {38, 68, false, 68, 100},    // T-W
           {39, 99, true, 99, 100},     // inside, below T, new
           {40, 132, true, 132, 132},   // jump of exactly W=32
           {41, 100, false, 100, 132},  // the initial T is now T-W
           {42, 101, true, 101, 132},   // T-W+1
           {43, 99, false, 99, 132},    // accepted in case 39, now below the window
       }},
      {"W=128 no ESN, T=1000",
       128,
       false,
       1000,
       {
           {44, 873, true, 873, 1000},     // T-W+1 = 1000-127
           {45, 872, false, 872, 1000},    // T-W
           {46, 1128, true, 1128, 1128},   // jump of exactly W=128
           {47, 1000, false, 1000, 1128},  // T-W (and received)
           {48, 1001, true, 1001, 1128},   // T-W+1
           {49, 1500, true, 1500, 1500},   // jump of 372 > W
           {50, 1128, false, 1128, 1500},  // far below
       }},
      {"W=4096 no ESN from T=0",
       4096,
       false,
       0,
       {
           {51, 4096, true, 4096, 4096},   // window is 1..4096, the full maximum size
           {52, 1, true, 1, 4096},         // T-W+1 = 1
           {53, 1, false, 1, 4096},        // duplicate at the bottom edge
           {54, 4095, true, 4095, 4096},   // just below T
           {55, 5000, true, 5000, 5000},   // window 905..5000
           {56, 904, false, 904, 5000},    // T-W
           {57, 905, true, 905, 5000},     // T-W+1
           {58, 9096, true, 9096, 9096},   // jump of exactly W=4096
           {59, 5000, false, 5000, 9096},  // T-W
           {60, 5001, true, 5001, 9096},   // T-W+1
           {61, 8193, true, 8193, 9096},   // 1 + 8192: same bitmap slot as 1 (case 52), cleared
                                           // when the window moved past it, so new
           {62, 8193, false, 8193, 9096},  // and now a duplicate
       }},
      {"W=128 ESN, T just below the 2^32 boundary",
       128,
       true,
       0x00000000FFFFFFF0,
       {
           // A2.2 case A, bottom = 0xFFFFFFF0-127 = 0xFFFFFF71; 5 < bottom: Th+1, wraps the top.
           {63, 0x00000005, true, 0x100000005, 0x100000005},
           // Now Tl = 5 < 127: case B, bottom = 0xFFFFFF86. A large low word is from Th-1 = 0.
           {64, 0xFFFFFFF8, true, 0x0FFFFFFF8, 0x100000005},
           {65, 0xFFFFFFF0, false, 0x0FFFFFFF0, 0x100000005},  // the initial T, received
           {66, 0xFFFFFF86, true, 0x0FFFFFF86,
            0x100000005},  // T-W+1, behind the wrap
                           // Case B, 0xFFFFFF85 < bottom: inferred as Th = 1, i.e. 2^32 ahead. The
                           // sender meant 0x0FFFFFF85 = T-W, so the ICV (computed over the true
                           // high half) fails: A2.2 relies on exactly this. No Accept, T unchanged.
           {67, 0xFFFFFF85, true, 0x1FFFFFF85, 0x100000005, kIcvFails},
           {68, 0x00000000, true, 0x100000000, 0x100000005},   // low half 0 is valid when Th=1
           {69, 0x00000005, false, 0x100000005, 0x100000005},  // duplicate of T
           {70, 0x00000004, true, 0x100000004, 0x100000005},   // in order behind T
       }},
      {"W=64 ESN, T just past the 2^32 boundary",
       64,
       true,
       0x100000002,
       {
           // Case B (Tl = 2 < 63), bottom = 2-63 = 0xFFFFFFC3: large low words are from Th-1.
           {71, 0xFFFFFFF0, true, 0x0FFFFFFF0, 0x100000002},
           {72, 0xFFFFFFC3, true, 0x0FFFFFFC3,
            0x100000002},  // T-W+1, behind the wrap
                           // Just below bottom: inferred Th = 1 (2^32 ahead); real packet was T-W:
                           // ICV fails.
           {73, 0xFFFFFFC2, true, 0x1FFFFFFC2, 0x100000002, kIcvFails},
           {74, 0xFFFFFFF0, false, 0x0FFFFFFF0, 0x100000002},  // duplicate behind the wrap
           {75, 0x00000001, true, 0x100000001, 0x100000002},   // late, same subspace as T
           {76, 0x00000042, true, 0x100000042,
            0x100000042},  // jump of exactly W from 2
                           // Tl = 66: case A, bottom = 3. The old T (low 2) is below bottom, so
                           // A2.2 infers the next subspace: the pre-check passes and only the ICV
                           // catches this replay.
           {77, 0x00000002, true, 0x200000002, 0x100000042, kIcvFails},
           {78, 0x00000003, true, 0x100000003, 0x100000042},  // T-W+1 = bottom: same subspace
       }},
      {"W=4096 ESN from T=0",
       4096,
       true,
       0,
       {
           // Case B with Th = 0, bottom = 0-4095 = 0xFFFFF001.
           {79, 0x00000000, false, 0,
            0},  // below bottom: Th = 0, full value 0: invalid
                 // At or above bottom: Th-1 would be -1, before the first packet: rejected (the
                 // verdict's seq carries the wrapped high half, a hint only).
           {80, 0xFFFFFFFF, false, 0xFFFFFFFFFFFFFFFF, 0},
           {81, 0xFFFFF001, false, 0xFFFFFFFFFFFFF001,
            0},  // exactly bottom: same
                 // Just below bottom: Th = 0, a forward jump of ~2^32; here its ICV fails.
           {82, 0xFFFFF000, true, 0x0FFFFF000, 0, kIcvFails},
           {83, 1, true, 1, 1},  // first packet
                                 // T = 1, case B, bottom = 0xFFFFF002: a jump into the last 4095
                                 // numbers of the first subspace reads as Th-1 = -1 and is rejected
                                 // (RFC inference, not a bug here).
           {84, 0xFFFFF800, false, 0xFFFFFFFFFFFFF800, 1},
           {85, 0x80000000, true, 0x80000000, 0x80000000},  // jump of 2^31-1, below bottom: Th
           {86, 0xFFFFF800, true, 0xFFFFF800,
            0xFFFFF800},  // case A now, >= bottom: Th
                          // Case A, bottom = 0xFFFFF800-4095 = 0xFFFFE801; 0x400 < bottom: Th+1
                          // (wrap).
           {87, 0x00000400, true, 0x100000400, 0x100000400},
           // Case B, bottom = 0x400-4095 = 0xFFFFF401 = low half of T-W+1: from Th-1.
           {88, 0xFFFFF401, true, 0x0FFFFF401, 0x100000400},
           {89, 0xFFFFF800, false, 0x0FFFFF800,
            0x100000400},  // duplicate behind the wrap
                           // Just below bottom: Th, 2^32 ahead; the real T-W packet fails its ICV.
           {90, 0xFFFFF400, true, 0x1FFFFF400, 0x100000400, kIcvFails},
       }},
      {"W=64 ESN at the top of the 64-bit space",
       64,
       true,
       0xFFFFFFFFFFFFFFF0,
       {
           // Case A, bottom = 0xFFFFFFB1; 5 < bottom would be Th+1 = 2^32: the 64-bit counter
           // never wraps (3.3.3), so rejected. seq hint: high half wrapped to 0.
           {91, 0x00000005, false, 0x000000005, 0xFFFFFFFFFFFFFFF0},
           {92, 0xFFFFFFFF, true, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF},   // the last number
           {93, 0xFFFFFFF0, false, 0xFFFFFFFFFFFFFFF0, 0xFFFFFFFFFFFFFFFF},  // initial T
           {94, 0xFFFFFFC0, true, 0xFFFFFFFFFFFFFFC0,
            0xFFFFFFFFFFFFFFFF},  // T-W+1
                                  // T-W: case A, below bottom 0xFFFFFFC0, Th+1 overflows: rejected.
           {95, 0xFFFFFFBF, false, 0x0FFFFFFBF, 0xFFFFFFFFFFFFFFFF},
       }},
      {"W=32 ESN, T = 0x5_00000001",
       32,
       true,
       0x500000001,
       {
           // Case B, bottom = 1-31 = 0xFFFFFFE2 = low half of T-W+1.
           {96, 0xFFFFFFE2, true, 0x4FFFFFFE2, 0x500000001},             // T-W+1 from Th-1
           {97, 0xFFFFFFE1, true, 0x5FFFFFFE1, 0x500000001, kIcvFails},  // T-W reads as ahead
           {98, 0xFFFFFFE2, false, 0x4FFFFFFE2, 0x500000001},            // duplicate
           {99, 0x00000021, true, 0x500000021,
            0x500000021},  // jump of exactly W
                           // The old T (low 1): case A now, bottom = 33-31 = 2, 1 < 2: inferred
                           // Th+1 = 6, so the pre-check passes and the ICV rejects the replay.
           {100, 0x00000001, true, 0x600000001, 0x500000021, kIcvFails},
           {101, 0x00000002, true, 0x500000002, 0x500000021},  // T-W+1 = bottom: Th
       }},
  };
  return *table;
}

TEST(ReplayWindowTable, Vectors) {
  int expected_num = 1;
  for (const Scenario& sc : Table()) {
    ReplayWindow w(sc.window, sc.esn, sc.initial_highest);
    for (const Step& st : sc.steps) {
      SCOPED_TRACE(std::string(sc.name) + ", case " + std::to_string(st.num));
      ASSERT_EQ(st.num, expected_num++) << "table numbering";
      ASSERT_TRUE(st.ok || st.icv_ok) << "table: an ICV failure needs a passing pre-check";
      const ReplayWindow before = w;
      ReplayWindow::Verdict v = w.Check(st.seq_lo);
      EXPECT_TRUE(w == before) << "Check changed the window";
      EXPECT_EQ(v.ok, st.ok);
      EXPECT_EQ(v.seq, st.seq) << std::hex << "got 0x" << v.seq << " want 0x" << st.seq;
      if (v.ok && st.icv_ok) w.Accept(v.seq);
      if (v.ok && !st.icv_ok) {
        EXPECT_TRUE(w == before) << "ICV failure changed the window";
      }
      EXPECT_EQ(w.highest(), st.highest) << std::hex << "T = 0x" << w.highest();
    }
  }
  EXPECT_GE(expected_num - 1, 30);
}

TEST(ReplayWindow, Accessors) {
  ReplayWindow w(128, true, 77);
  EXPECT_EQ(w.window(), 128u);
  EXPECT_TRUE(w.esn());
  EXPECT_EQ(w.highest(), 77u);
  ReplayWindow v(1, false);
  EXPECT_EQ(v.window(), 1u);
  EXPECT_FALSE(v.esn());
  EXPECT_EQ(v.highest(), 0u);
  EXPECT_EQ(v.recent_bitmap(), 0u);
}

TEST(ReplayWindow, RecentBitmap) {
  ReplayWindow w(64, false);
  for (uint64_t s : {1, 2, 4, 5}) w.Accept(s);
  // T = 5: bit 0 = 5, bit 1 = 4, bit 2 = 3 (missing), bit 3 = 2, bit 4 = 1; nothing below 1.
  EXPECT_EQ(w.recent_bitmap(), 0b11011u);
  w.Accept(70);  // window 7..70: only 70 received
  EXPECT_EQ(w.recent_bitmap(), 1u);
  w.Accept(7);  // T-W+1 = bit 63
  EXPECT_EQ(w.recent_bitmap(), 1u | uint64_t{1} << 63);

  // W < 64: only the window is reported, even though older numbers were received.
  ReplayWindow small(4, false);
  for (uint64_t s = 1; s <= 10; ++s) small.Accept(s);
  EXPECT_EQ(small.recent_bitmap(), 0xFu);

  // W > 64: the 64 most recent.
  ReplayWindow big(4096, true, 0x100000000);
  big.Accept(0x100000000 - 63);
  big.Accept(0x100000000 - 64);  // i = 64: inside the window but not reported
  EXPECT_EQ(big.recent_bitmap(), 1u | uint64_t{1} << 63);
}

TEST(ReplayWindow, AcceptOfOvertakenPacketIsIgnored) {
  // Two packets pass Check; the later one moves the window past the earlier one before the
  // earlier one's ICV completes (a pipelined receiver). Accept must not resurrect it.
  ReplayWindow w(64, false, 100);
  auto early = w.Check(40);
  auto late = w.Check(200);
  ASSERT_TRUE(early.ok);
  ASSERT_TRUE(late.ok);
  w.Accept(late.seq);
  EXPECT_FALSE(w.CheckFull(early.seq));
  const ReplayWindow before = w;
  w.Accept(early.seq);
  EXPECT_TRUE(w == before);
  EXPECT_EQ(w.highest(), 200u);
}

TEST(ReplayWindow, CheckFull) {
  ReplayWindow w(64, false, 100);
  EXPECT_FALSE(w.CheckFull(0));
  EXPECT_FALSE(w.CheckFull(36));   // T-W
  EXPECT_TRUE(w.CheckFull(37));    // T-W+1
  EXPECT_FALSE(w.CheckFull(100));  // T
  EXPECT_TRUE(w.CheckFull(0xFFFFFFFF));
  EXPECT_FALSE(w.CheckFull(0x100000000));  // outside the 32-bit space without ESN
  ReplayWindow e(64, true, 100);
  EXPECT_TRUE(e.CheckFull(0x100000000));
}

using ReplayWindowDeathTest = ::testing::Test;

TEST_F(ReplayWindowDeathTest, ParametersChecked) {
  EXPECT_DEATH(ReplayWindow(0, false), "window size");
  EXPECT_DEATH(ReplayWindow(ReplayWindow::kMaxWindow + 1, true), "window size");
  EXPECT_DEATH(ReplayWindow(64, false, 0x100000000), "32-bit");
  ReplayWindow w(64, false);
  EXPECT_DEATH(w.Accept(0), "sequence number 0");
  EXPECT_DEATH(w.Accept(0x100000000), "without ESN");
}

// ---------------------------------------------------------------------------------------------
// Randomized comparison with the reference.

uint64_t SeedFromEnvOrRandom() {
  if (const char* s = std::getenv("IPSEC_SEED")) return std::strtoull(s, nullptr, 0);
  return (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
}

struct RandomConfig {
  uint32_t window;
  bool esn;
};

class ReplayWindowRandom : public ::testing::TestWithParam<RandomConfig> {};

TEST_P(ReplayWindowRandom, MatchesReference) {
  const RandomConfig cfg = GetParam();
  const uint64_t seed = SeedFromEnvOrRandom();
  std::printf("replay random: W=%u esn=%d seed=%llu (rerun with IPSEC_SEED=%llu)\n", cfg.window,
              cfg.esn, static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto uniform = [&](uint64_t lo, uint64_t hi) {  // inclusive
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };
  const uint64_t w = cfg.window;
  const uint64_t space_max = cfg.esn ? ~uint64_t{0} : 0xFFFFFFFFu;

  int accepted = 0, rejected = 0, icv_failed = 0, boundary_crossings = 0, sweeps = 0;
  int inferred_behind = 0, inferred_ahead = 0;  // ESN: Check's high half is Th-1 / Th+1
  constexpr int kRuns = 12;
  constexpr int kPacketsPerRun = 2500;
  for (int run = 0; run < kRuns; ++run) {
    // Starting points: none yet, small, anywhere, and just below a 2^32 boundary, near enough
    // that the run crosses it (ESN: the high half steps up and late packets from before the
    // wrap arrive; no ESN: the sender reaches the top of its space and is stuck there).
    const uint64_t boundary = cfg.esn ? uniform(1, 0xFFFFFFFF) << 32 : uint64_t{1} << 32;
    uint64_t t0;
    switch (run % 6) {
      case 0:
        t0 = 0;
        break;
      case 1:
        t0 = uniform(1, 3 * w);
        break;
      case 2:
        t0 = uniform(0, cfg.esn ? space_max - (uint64_t{1} << 40) : space_max >> 1);
        break;
      case 3:
        t0 = boundary - uniform(1, 200 * w);
        break;
      default:
        t0 = boundary - uniform(1, std::min<uint64_t>(4 * w, 1000));
        break;
    }
    // Runs 4 and 5 send new packets strictly in order (reordering and duplicates only), so T
    // creeps over the boundary and stays where A2.2 case B applies for a while.
    const bool in_order = run % 6 >= 4;
    ReplayWindow model(cfg.window, cfg.esn, t0);
    testmodel::ReplayRef ref(cfg.window, cfg.esn, t0);
    uint64_t max_sent = t0;
    std::deque<uint64_t> recent;  // numbers the sender really sent, for duplicates
    for (int i = 0; i < kPacketsPerRun; ++i) {
      // What the sender sent: true number s (0 = forged/garbage header), low half on the wire.
      uint64_t s = 0;
      uint32_t lo;
      uint64_t kind = uniform(0, 99);
      if (kind < 50) {  // new, mostly in order, sometimes jumps beyond W, rarely huge
        uint64_t jump = in_order || uniform(0, 99) < 85 ? 1 : uniform(1, 3 * w);
        if (!in_order && uniform(0, 199) == 0) {
          jump = uniform(1, uint64_t{1} << (cfg.esn ? 31 : 16));
        }
        s = max_sent + std::min(jump, space_max - max_sent);
        if (s == 0) s = 1;
      } else if (kind < 70 && !recent.empty()) {  // duplicate of something sent
        s = recent[uniform(0, recent.size() - 1)];
      } else if (kind < 90) {  // old or reordered: somewhere in the last 2W
        uint64_t back = uniform(0, 2 * w);
        s = max_sent > back ? max_sent - back : 1;
      }
      lo = s != 0 ? static_cast<uint32_t>(s) : static_cast<uint32_t>(uniform(0, 0xFFFFFFFF));
      if (s != 0) {
        max_sent = std::max(max_sent, s);
        recent.push_back(s);
        if (recent.size() > 256) recent.pop_front();
      }

      const ReplayWindow before = model;
      const uint64_t t_before = model.highest();
      testmodel::ReplayRef::Verdict rv = ref.Check(lo);
      ReplayWindow::Verdict mv = model.Check(lo);
      ASSERT_TRUE(model == before) << "Check changed the window, packet " << i;
      ASSERT_EQ(mv.ok, rv.ok) << "run " << run << " packet " << i << std::hex << " lo=0x" << lo
                              << " T=0x" << t_before;
      ASSERT_EQ(mv.seq, static_cast<uint64_t>(rv.seq))
          << "run " << run << " packet " << i << std::hex << " lo=0x" << lo;
      if ((mv.seq >> 32) + 1 == (t_before >> 32)) ++inferred_behind;
      if ((mv.seq >> 32) == (t_before >> 32) + 1) ++inferred_ahead;
      if (mv.ok) {
        // The ICV verifies only if the receiver inferred the number the sender used, and
        // then not always (corrupted in transit).
        bool icv = s != 0 && mv.seq == s && uniform(0, 99) >= 3;
        if (icv) {
          model.Accept(mv.seq);
          ref.Accept(mv.seq);
          ++accepted;
        } else {
          ASSERT_TRUE(model == before) << "rejected at ICV yet the window changed";
          ++icv_failed;
        }
      } else {
        ++rejected;
      }
      ASSERT_EQ(model.highest(), ref.highest());
      ASSERT_EQ(model.recent_bitmap(), ref.recent_bitmap()) << "packet " << i;
      if ((model.highest() >> 32) != (t_before >> 32)) ++boundary_crossings;
      if (i % 97 == 0) {  // full sweep of the window and just below it
        ++sweeps;
        const uint64_t t = model.highest();
        for (uint64_t k = 0; k <= w && k < t; ++k) {
          const uint64_t q = t - k;
          const bool expect = k < w && !ref.Received(q);
          ASSERT_EQ(model.CheckFull(q), expect) << "T-" << k;
        }
      }
    }
  }
  std::printf(
      "  accepted %d, rejected %d, icv-failed %d, 2^32 crossings %d, high half inferred "
      "behind %d ahead %d, sweeps %d\n",
      accepted, rejected, icv_failed, boundary_crossings, inferred_behind, inferred_ahead, sweeps);
  // The mix did exercise what it is meant to. With ESN most stale packets pass the pre-check
  // (A2.2 reads them as the next subspace) and die at the ICV instead.
  EXPECT_GT(accepted, 5000);
  EXPECT_GT(rejected + icv_failed, 5000);
  EXPECT_GT(icv_failed, 100);
  if (cfg.esn) {
    EXPECT_GT(rejected, 50);
    EXPECT_GE(boundary_crossings, 1);
    if (w > 1) {
      EXPECT_GE(inferred_behind, 3);  // W = 1: the window never spans two subspaces
    }
    EXPECT_GT(inferred_ahead, 100);
  } else {
    EXPECT_GT(rejected, 2000);
    EXPECT_EQ(inferred_behind + inferred_ahead, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, ReplayWindowRandom,
                         ::testing::Values(RandomConfig{1, false}, RandomConfig{1, true},
                                           RandomConfig{32, false}, RandomConfig{32, true},
                                           RandomConfig{64, false}, RandomConfig{64, true},
                                           RandomConfig{128, false}, RandomConfig{128, true},
                                           RandomConfig{1000, false}, RandomConfig{1000, true},
                                           RandomConfig{4096, false}, RandomConfig{4096, true}),
                         [](const ::testing::TestParamInfo<RandomConfig>& info) {
                           return "W" + std::to_string(info.param.window) +
                                  (info.param.esn ? "_esn" : "_noesn");
                         });

}  // namespace
}  // namespace ipsec::hw::model
