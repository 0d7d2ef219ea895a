// Test-only reference anti-replay window: written to be obviously right, not fast.
// RFC 4303 section 3.4.3 (window) and Appendix A (ESN), restated without bit tricks:
//   - the received set is a std::set of full 64-bit sequence numbers, never pruned;
//   - a number s is acceptable iff 1 <= s < 2^32 (no ESN) or 2^64 (ESN), s > T - W, s not in set;
//   - ESN inference: the full number is the unique s congruent to the low half modulo 2^32 with
//     T - W + 1 <= s < T - W + 1 + 2^32, computed in signed 128-bit arithmetic. That is what the
//     two cases of Appendix A2.2 amount to, derived independently here (no case split), so the
//     model's case split is checked rather than copied.
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>

namespace ipsec::testmodel {

class ReplayRef {
 public:
  struct Verdict {
    bool ok;
    __int128 seq;  // inferred full number; may be < 1 or >= 2^64 (then ok is false)
  };

  ReplayRef(uint32_t window, bool esn, uint64_t highest)
      : window_(window), esn_(esn), highest_(highest) {
    if (highest != 0) received_.insert(highest);
  }

  __int128 Infer(uint32_t seq_lo) const {
    if (!esn_) return seq_lo;
    const __int128 base = static_cast<__int128>(highest_) - window_ + 1;
    const __int128 span = __int128{1} << 32;
    __int128 delta = (static_cast<__int128>(seq_lo) - base) % span;
    if (delta < 0) delta += span;
    return base + delta;
  }

  bool Acceptable(__int128 s) const {
    const __int128 limit = esn_ ? (__int128{1} << 64) : (__int128{1} << 32);
    if (s < 1 || s >= limit) return false;
    if (s <= static_cast<__int128>(highest_) - window_) return false;
    return !received_.contains(static_cast<uint64_t>(s));
  }

  Verdict Check(uint32_t seq_lo) const {
    const __int128 s = Infer(seq_lo);
    return {Acceptable(s), s};
  }

  // Same contract as the model: only after the ICV verified; too-old numbers are ignored.
  void Accept(uint64_t seq) {
    if (static_cast<__int128>(seq) <= static_cast<__int128>(highest_) - window_) return;
    received_.insert(seq);
    highest_ = std::max(highest_, seq);
  }

  bool Received(uint64_t seq) const { return received_.contains(seq); }
  uint64_t highest() const { return highest_; }

  // Bit i = highest - i received, for i < min(64, W) and highest - i >= 1.
  uint64_t recent_bitmap() const {
    uint64_t bits = 0;
    for (uint64_t i = 0; i < 64 && i < window_ && i < highest_; ++i) {
      if (received_.contains(highest_ - i)) bits |= uint64_t{1} << i;
    }
    return bits;
  }

 private:
  uint32_t window_;
  bool esn_;
  uint64_t highest_;
  std::set<uint64_t> received_;
};

}  // namespace ipsec::testmodel
