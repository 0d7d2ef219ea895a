#include "hw/model/replay_window.h"

#include <algorithm>
#include <bit>

#include "hw/util/check.h"

namespace ipsec::hw::model {
namespace {

constexpr uint64_t kBlockBits = 64;
constexpr uint64_t kMax32 = 0xFFFFFFFFu;

}  // namespace

ReplayWindow::ReplayWindow(uint32_t window, bool esn, uint64_t highest)
    : window_(window), esn_(esn), highest_(highest) {
  IPSEC_CHECK(window >= 1 && window <= kMaxWindow, "replay window size out of range");
  IPSEC_CHECK(esn || highest <= kMax32, "32-bit sequence space but highest above 2^32-1");
  // One block more than W needs, so the window's oldest block never shares a slot with the
  // block T lives in (RFC 6479 section 2).
  uint64_t blocks = std::bit_ceil((window + kBlockBits - 1) / kBlockBits + 1);
  blocks_.assign(blocks, 0);
  block_mask_ = blocks - 1;
  if (highest_ != 0) Mark(highest_);
}

bool ReplayWindow::Received(uint64_t seq) const {
  return (blocks_[(seq / kBlockBits) & block_mask_] >> (seq % kBlockBits)) & 1;
}

void ReplayWindow::Mark(uint64_t seq) {
  blocks_[(seq / kBlockBits) & block_mask_] |= uint64_t{1} << (seq % kBlockBits);
}

bool ReplayWindow::CheckFull(uint64_t seq) const {
  if (seq == 0) return false;
  if (!esn_ && seq > kMax32) return false;
  if (seq > highest_) return true;
  if (highest_ - seq >= window_) return false;  // seq <= T - W
  return !Received(seq);
}

ReplayWindow::Verdict ReplayWindow::Check(uint32_t seq_lo) const {
  if (!esn_) return {CheckFull(seq_lo), seq_lo};
  // RFC 4303 Appendix A2.2. Tl, Th: low and high halves of T; bottom = Tl - W + 1 (mod 2^32).
  const uint32_t tl = static_cast<uint32_t>(highest_);
  const uint32_t th = static_cast<uint32_t>(highest_ >> 32);
  const uint32_t bottom = tl - (window_ - 1);
  uint32_t hi = th;
  bool valid = true;
  if (tl >= window_ - 1) {
    // Case A: the window lies within one sequence subspace. A low half below the bottom of the
    // window can only be from the next subspace.
    if (seq_lo < bottom) {
      valid = th != kMax32;  // the 64-bit counter never wraps
      hi = th + 1;
    }
  } else {
    // Case B: the window spans two subspaces. A low half at or above the bottom (a number near
    // 2^32) belongs to the previous subspace.
    if (seq_lo >= bottom) {
      valid = th != 0;  // before the first subspace: below sequence number 1
      hi = th - 1;
    }
  }
  const uint64_t seq = uint64_t{hi} << 32 | seq_lo;
  return {valid && CheckFull(seq), seq};
}

void ReplayWindow::Accept(uint64_t seq) {
  IPSEC_CHECK(seq != 0, "Accept of sequence number 0");
  IPSEC_CHECK(esn_ || seq <= kMax32, "Accept of a 64-bit sequence number without ESN");
  if (seq > highest_) {
    const uint64_t old_block = highest_ / kBlockBits;
    const uint64_t new_block = seq / kBlockBits;
    // Clear the blocks the window moves into; they may hold bits from a previous lap.
    const uint64_t steps = std::min<uint64_t>(new_block - old_block, blocks_.size());
    for (uint64_t i = 1; i <= steps; ++i) blocks_[(old_block + i) & block_mask_] = 0;
    highest_ = seq;
  } else if (highest_ - seq >= window_) {
    return;  // overtaken since its Check(); see the header
  }
  Mark(seq);
}

uint64_t ReplayWindow::recent_bitmap() const {
  uint64_t bits = 0;
  const uint64_t n = std::min<uint64_t>({kBlockBits, window_, highest_});
  for (uint64_t i = 0; i < n; ++i) {
    if (Received(highest_ - i)) bits |= uint64_t{1} << i;
  }
  return bits;
}

}  // namespace ipsec::hw::model
