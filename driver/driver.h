// The host driver of the ESP offload device, over hw::Device (so the same code drives the
// functional model and the Verilator RTL). It owns the queue pairs and their DMA buffers,
// programs SAs through the CSR window, posts descriptors in batches (one doorbell per batch)
// and reaps completions by phase bit without an MMIO read per completion.
//
// Ring protocol (NVMe-style; hw/gen/registers.md Q_*): the host owns SQ tail and CQ head, the
// device owns SQ head and CQ tail. Each ring has 2^log2 entries and holds at most 2^log2 - 1.
// The device writes exactly one completion per descriptor, in submission order, with the phase
// bit set to 1 on the first pass and flipped on each wrap; so the n-th completion belongs to the
// n-th descriptor, and reaping it frees that descriptor's ring entry and buffers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "driver/errors.h"
#include "hw/device.h"
#include "hw/gen/ipsec_regs.h"
#include "hw/util/secret_bytes.h"

namespace ipsec::driver {

struct SaParams {
  bool inbound = false;
  uint32_t spi = 0;
  util::SecretBytes key;  // 16 (AES-128) or 32 (AES-256) bytes
  uint8_t salt[4] = {};
  bool tunnel = true;
  uint32_t tun_src = 0, tun_dst = 0;  // host order
  bool natt = false;
  uint16_t sport = 4500, dport = 4500;
  bool esn = false;
  uint32_t window = 0;  // 0: device default (64)
  uint64_t seq = 0;     // out: next to send (0 means 1); in: highest already received
  hw::IcvLen icv = hw::IcvLen::kIcv16;
  uint64_t soft_bytes = 0, hard_bytes = 0, soft_pkts = 0, hard_pkts = 0;
};

struct SaStats {
  uint64_t pkts = 0, bytes = 0;
  uint64_t seq = 0;     // out: next sequence number; in: highest authenticated (T)
  uint64_t bitmap = 0;  // in: bit i = T-i received
  uint32_t replay = 0, auth_fail = 0, other_drops = 0;
  bool valid = false, soft_hit = false, hard_hit = false, seq_exhausted = false;
};

struct Options {
  uint32_t queues = 1;      // queue pairs to set up (at most CAP_QUEUES)
  uint32_t ring_log2 = 8;   // entries per ring = 2^ring_log2
  bool interrupts = false;  // WaitCompletion waits on the queue's IRQ vector instead of polling
  uint8_t coalesce_count = 1;
  uint32_t coalesce_timer = 0;  // cycles
};

struct Completion {
  uint32_t cookie = 0;
  hw::Status status = hw::Status::kOk;
  uint64_t seq = 0;
  std::span<const uint8_t> data;  // the output packet; valid until the callback returns
};

struct DeviceEvent {
  hw::Event type = hw::Event::kNone;
  uint32_t slot = 0;
  bool lost_before = false;  // the device's FIFO overflowed before this event
};

struct DeviceInfo {
  uint32_t version = 0, lanes = 0, queues = 0, sa_slots = 0, max_window = 0;
};

class Driver {
 public:
  // Checks ID and VERSION, resets the device, sets up opts.queues queue pairs, enables it.
  static Result<std::unique_ptr<Driver>> Open(hw::Device& dev, const Options& opts = {});
  ~Driver();  // invalidates the SAs it installed (zeroizing their keys) and disables the device
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  const DeviceInfo& info() const { return info_; }
  hw::Device& device() { return dev_; }

  // --- SA table. Outbound SAs take any free slot; an inbound SA must sit in its SPI's bucket
  // (hw/spi_hash.h): kSlotCollision when both ways are taken, so the caller picks another SPI.
  Result<uint32_t> InstallSa(const SaParams& p);
  Status InstallSaAt(uint32_t slot, const SaParams& p);
  Status RemoveSa(uint32_t slot);  // INVALIDATE: the device zeroizes the slot
  Result<SaStats> ReadSaStats(uint32_t slot);
  // Slot an inbound SA with this SPI would get now, or kSlotCollision.
  Result<uint32_t> InboundSlotFor(uint32_t spi) const;

  // --- Datapath.
  uint32_t queues() const { return static_cast<uint32_t>(queues_.size()); }
  size_t ring_capacity() const;
  size_t SubmitRoom(uint32_t q) const;
  size_t InFlight(uint32_t q) const;
  // Copies pkt into the next entry's DMA buffer and writes the descriptor; the doorbell waits
  // for Flush(q), so a batch costs one MMIO write. kRingFull when no entry is free.
  Status Post(uint32_t q, hw::Opcode op, uint32_t sa_slot, std::span<const uint8_t> pkt,
              uint32_t cookie, uint8_t flags = 0);
  void Flush(uint32_t q);
  // Hands each new completion (phase bit) to fn, up to max; one CQ head doorbell at the end.
  size_t Reap(uint32_t q, const std::function<void(const Completion&)>& fn, size_t max = SIZE_MAX);
  // Runs the device until queue q has a completion to reap (IRQ or polling), up to max_cycles.
  bool WaitCompletion(uint32_t q, uint64_t max_cycles);
  // Queue q has a completion to reap (reads host memory only, no MMIO).
  bool HasCompletion(uint32_t q) const;
  // Re-enables a queue stopped on a DMA error; descriptors in flight are lost and returned
  // to the caller as their cookies.
  Result<std::vector<uint32_t>> RecoverQueue(uint32_t q);
  bool QueueStopped(uint32_t q);

  // --- Events and counters.
  std::optional<DeviceEvent> PollEvent();
  std::vector<uint32_t> StatusCounters();  // index = hw::Status value

 private:
  struct Queue {
    hw::DmaBuffer sq, cq;
    std::vector<hw::DmaBuffer> in_bufs, out_bufs;
    std::vector<uint32_t> cookies;
    uint32_t sq_tail = 0;  // next entry to write
    uint32_t cq_head = 0;  // next completion to read
    uint32_t in_flight = 0;
    bool phase = true;
    bool dirty = false;  // posted since the last doorbell
  };

  Driver(hw::Device& dev, const Options& opts) : dev_(dev), opts_(opts) {}
  Status Init();
  Status SetupQueue(uint32_t q);
  void WriteQueueRegs(uint32_t q);
  Status SaCommand(uint32_t slot, hw::SaCmd cmd);
  uint32_t mask() const { return (1u << opts_.ring_log2) - 1; }

  hw::Device& dev_;
  Options opts_;
  DeviceInfo info_;
  std::vector<Queue> queues_;
  std::vector<bool> slot_used_;
};

// Size of every per-entry packet buffer: the largest packet plus the most encap adds.
inline constexpr size_t kBufferBytes = hw::kMaxPacket + 128;

}  // namespace ipsec::driver
