// Inbound anti-replay window of one SA: RFC 4303 section 3.4.3, with extended sequence numbers
// (ESN) per RFC 4303 Appendix A (A2.2: the high half of a received sequence number is inferred
// from the window). The functional model's replay stage, and what the RTL's esp_replay is
// compared against.
//
// T is the highest sequence number authenticated so far, W the window size in packets. Numbers
// T-W+1..T are inside the window; anything at or below T-W is too old; anything above T is new.
// Sequence number 0 is never valid (the sender's first packet carries 1). Without ESN the space
// is 32 bits (the high half is 0); with ESN it is 64 bits and only the low half is on the wire.
//
// Storage is an RFC 6479 style bitmap: a power-of-two number of 64-bit blocks, one more block
// than W needs, indexed by (seq / 64) mod blocks, so that moving the window only clears whole
// blocks and never shifts bits. Bits of numbers at or below T-W are never consulted.
//
// Use on a packet: Check() before the ICV is verified (it does not change anything), then
// Accept() with Check()'s full sequence number only once the ICV has verified.
#pragma once

#include <cstdint>
#include <vector>

namespace ipsec::hw::model {

class ReplayWindow {
 public:
  static constexpr uint32_t kMaxWindow = 4096;

  // window: number of packets W, 1..kMaxWindow (callers validate; IPSEC_CHECK on violation).
  // highest: T, the highest sequence number already authenticated (0 = none yet). T itself is
  // marked received; the other numbers inside the window start as not received. Without ESN,
  // highest must fit in 32 bits (IPSEC_CHECK).
  ReplayWindow(uint32_t window, bool esn, uint64_t highest = 0);

  // ok: the packet may go on to ICV verification.
  // seq: full 64-bit sequence number (ESN high half inferred; without ESN, the low half alone).
  // When ok is false and the inference itself failed (ESN high half would be below 0 or above
  // 2^32-1), seq carries the high half wrapped modulo 2^32, as a hint for logs only.
  struct Verdict {
    bool ok;
    uint64_t seq;
  };

  // Pre-check before ICV verification, from the 32-bit sequence number in the ESP header.
  // Rejects sequence 0 (full 64-bit value 0), anything at or below T-W, and duplicates inside
  // the window. Never changes the window.
  Verdict Check(uint32_t seq_lo) const;

  // Called only after the ICV verified: marks seq received, moves the window if seq > T.
  // seq must be non-zero and, without ESN, fit in 32 bits (IPSEC_CHECK). A seq that is already
  // at or below T-W is ignored: that only happens when another packet, accepted between this
  // one's Check() and Accept(), moved the window past it (callers that pipeline can use
  // CheckFull() again to detect it).
  void Accept(uint64_t seq);

  // The check Check() applies once the full sequence number is known: non-zero, within the
  // sequence space, above T-W, and not yet received.
  bool CheckFull(uint64_t seq) const;

  uint64_t highest() const { return highest_; }
  uint32_t window() const { return window_; }
  bool esn() const { return esn_; }

  // Bit i set = sequence number highest()-i has been received, for i < 64 (for stats display).
  // Only numbers inside the window (i < W) and above 0 are reported.
  uint64_t recent_bitmap() const;

  // Same parameters and same received set (bit for bit; used by tests to prove Check is pure).
  bool operator==(const ReplayWindow& other) const = default;

 private:
  bool Received(uint64_t seq) const;  // seq inside the window
  void Mark(uint64_t seq);

  uint32_t window_;
  bool esn_;
  uint64_t highest_;
  uint64_t block_mask_;           // blocks_.size() - 1 (a power of two minus one)
  std::vector<uint64_t> blocks_;  // bit (seq % 64) of block (seq / 64) & block_mask_
};

}  // namespace ipsec::hw::model
