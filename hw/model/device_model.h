// The functional (untimed) model of the whole ESP offload device behind hw::Device:
// CSRs per hw/regmap.toml, the SA table programmed through the CSR window, NVMe-style queue
// pairs with doorbells and phase bits, interrupts with count/timer coalescing, the event FIFO,
// ESP encap/decap (esp.h), lifetimes and counters.
//
// Untimed: a doorbell write processes every descriptor it makes available at once (as far as
// the completion ring has room); cycles() only moves with Advance(), which drives the
// coalescing timer. It is both a fast backend and the scoreboard of the RTL.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "hw/device.h"
#include "hw/gen/ipsec_regs.h"
#include "hw/model/esp.h"
#include "hw/model/sa.h"
#include "hw/util/secret_bytes.h"

namespace ipsec::hw::model {

struct ModelParams {
  uint32_t lanes = 1;        // reported only: the model has no lanes
  uint32_t queues = 4;       // <= kMaxQueues
  uint32_t sa_slots = 1024;  // power of two, multiple of kSaWays
  uint32_t max_window = kMaxWindow;
  size_t event_fifo_depth = 64;
  // The host bus's beat (bytes) the device reads by: which reads past a buffer's end are DMA
  // errors depends on it (HostMemory::ReadBeats). 16 for the 128-bit device; an RTL
  // configuration with a wider bus (sim: SimDevice::beat_bytes()) is compared at its own.
  uint32_t beat_bytes = 16;
};

class ModelDevice final : public Device {
 public:
  explicit ModelDevice(ModelParams params = {});

  uint32_t Read32(uint32_t offset) override;
  void Write32(uint32_t offset, uint32_t value) override;
  HostMemory& memory() override { return memory_; }
  bool IrqAsserted(unsigned vector) override;
  void Advance(uint64_t cycles) override;
  bool RunUntil(const std::function<bool()>& pred, uint64_t max_cycles) override;
  uint64_t cycles() const override { return cycles_; }
  std::string_view backend_name() const override { return "model"; }

  const ModelParams& params() const { return params_; }

 private:
  struct Queue {
    bool enabled = false;
    uint32_t size_log2 = 0;
    uint32_t sq_tail = 0, sq_head = 0, cq_head = 0, cq_tail = 0;
    bool phase = true;
    bool stopped = false;
    uint32_t pending = 0;        // completions not yet signalled by an interrupt
    uint64_t pending_since = 0;  // cycle of the oldest of them
    uint32_t mask() const { return (1u << size_log2) - 1; }
  };

  void Reset();
  void ResetSaStaging();
  void SaCommand(uint32_t op);
  void WriteQueue(uint32_t q, uint32_t reg, uint32_t value);
  uint32_t ReadQueue(uint32_t q, uint32_t reg);
  void Process(uint32_t q);
  CqEntry Execute(const SqDesc& d);
  CqEntry ExecuteEncap(const SqDesc& d, std::span<const uint8_t> in, std::span<uint8_t> out);
  CqEntry ExecuteDecap(const SqDesc& d, std::span<const uint8_t> in, std::span<uint8_t> out);
  Sa* FindInbound(uint32_t spi);
  void Account(uint32_t slot, Sa& sa, Status st, uint64_t bytes);
  void PushEvent(Event type, uint32_t slot);
  void SignalCompletion(uint32_t q, bool force);
  uint32_t& Reg(uint32_t offset) { return regs_[offset / 4]; }
  uint64_t Reg64(uint32_t offset) { return Reg(offset) | uint64_t{Reg(offset + 4)} << 32; }
  void SetReg64(uint32_t offset, uint64_t v) {
    Reg(offset) = static_cast<uint32_t>(v);
    Reg(offset + 4) = static_cast<uint32_t>(v >> 32);
  }

  ModelParams params_;
  HostMemory memory_;
  std::vector<uint32_t> regs_;     // backing store of rw/ro registers, by word
  util::SecretBytes key_staging_;  // SA_KEY words, write-only
  uint32_t salt_staging_ = 0;
  std::vector<Sa> sas_;
  std::vector<uint8_t> scratch_in_, scratch_out_;  // one packet's input and output
  std::array<Queue, kMaxQueues> queues_{};
  std::deque<uint32_t> events_;
  bool events_lost_ = false;
  uint32_t irq_status_ = 0;
  uint64_t cycles_ = 0;
  uint32_t cycles_hi_latch_ = 0;
};

}  // namespace ipsec::hw::model
