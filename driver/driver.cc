#include "driver/driver.h"

#include <cstring>
#include <string>

#include "hw/spi_hash.h"
#include "hw/util/endian.h"

namespace ipsec::driver {
namespace {

// SA commands finish within a few cycles on the RTL (key expansion included).
constexpr uint64_t kSaCommandCycles = 10'000;

uint32_t Bits(uint32_t value, uint32_t shift, uint32_t mask) { return (value >> shift) & mask; }

}  // namespace

Result<std::unique_ptr<Driver>> Driver::Open(hw::Device& dev, const Options& opts) {
  std::unique_ptr<Driver> d(new Driver(dev, opts));
  if (auto s = d->Init(); !s) return tl::unexpected(s.error());
  return d;
}

Status Driver::Init() {
  const uint32_t id = dev_.Read32(hw::kIdOffset);
  info_.version = dev_.Read32(hw::kVersionOffset);
  if (id != hw::kDeviceId || info_.version >> 16 != hw::kVersion >> 16) {
    return Fail(Errc::kNoDevice, "device ID/version " + std::to_string(id) + "/" +
                                     std::to_string(info_.version) + " not supported");
  }
  dev_.Write32(hw::kCtrlOffset, 1u << hw::kCtrlSoftResetShift);
  info_.lanes = dev_.Read32(hw::kCapLanesOffset);
  info_.queues = dev_.Read32(hw::kCapQueuesOffset);
  info_.sa_slots = dev_.Read32(hw::kCapSaSlotsOffset);
  info_.max_window = dev_.Read32(hw::kCapMaxWindowOffset);
  if (opts_.queues < 1 || opts_.queues > info_.queues) {
    return Fail(Errc::kBadArgument, "queues " + std::to_string(opts_.queues) + " not in 1.." +
                                        std::to_string(info_.queues));
  }
  if (opts_.ring_log2 < 1 || opts_.ring_log2 > hw::kMaxRingLog2) {
    return Fail(Errc::kBadArgument, "ring_log2 must be 1.." + std::to_string(hw::kMaxRingLog2));
  }
  slot_used_.assign(info_.sa_slots, false);
  dev_.Write32(hw::kIrqCoalOffset, uint32_t{opts_.coalesce_count} << hw::kIrqCoalCountShift |
                                       (opts_.coalesce_timer & hw::kIrqCoalTimerMask)
                                           << hw::kIrqCoalTimerShift);
  queues_.resize(opts_.queues);
  for (uint32_t q = 0; q < opts_.queues; ++q) {
    if (auto s = SetupQueue(q); !s) return s;
  }
  uint32_t irq_mask = 1u << hw::kIrqMaskEventShift;
  if (opts_.interrupts) irq_mask |= ((1u << opts_.queues) - 1) << hw::kIrqMaskQueueShift;
  dev_.Write32(hw::kIrqMaskOffset, irq_mask);
  dev_.Write32(hw::kCtrlOffset, 1u << hw::kCtrlEnableShift);
  return {};
}

Status Driver::SetupQueue(uint32_t q) {
  Queue& qu = queues_[q];
  const size_t n = size_t{1} << opts_.ring_log2;
  qu = Queue{};
  qu.sq = dev_.AllocDma(n * sizeof(hw::SqDesc));
  qu.cq = dev_.AllocDma(n * sizeof(hw::CqEntry));
  qu.in_bufs.resize(n);
  qu.out_bufs.resize(n);
  for (size_t i = 0; i < n; ++i) {
    qu.in_bufs[i] = dev_.AllocDma(kBufferBytes);
    qu.out_bufs[i] = dev_.AllocDma(kBufferBytes);
  }
  qu.cookies.assign(n, 0);
  WriteQueueRegs(q);
  return {};
}

// Disables queue q, programs its ring bases and size, and enables it (indexes and phase reset).
void Driver::WriteQueueRegs(uint32_t q) {
  const Queue& qu = queues_[q];
  dev_.Write32(hw::QCtrlOffset(q), 0);
  dev_.Write32(hw::QSqBaseLoOffset(q), static_cast<uint32_t>(qu.sq.bus()));
  dev_.Write32(hw::QSqBaseHiOffset(q), static_cast<uint32_t>(qu.sq.bus() >> 32));
  dev_.Write32(hw::QCqBaseLoOffset(q), static_cast<uint32_t>(qu.cq.bus()));
  dev_.Write32(hw::QCqBaseHiOffset(q), static_cast<uint32_t>(qu.cq.bus() >> 32));
  dev_.Write32(hw::QCtrlOffset(q),
               1u << hw::kQCtrlEnableShift | opts_.ring_log2 << hw::kQCtrlSizeLog2Shift);
}

Driver::~Driver() {
  for (uint32_t slot = 0; slot < slot_used_.size(); ++slot) {
    if (slot_used_[slot]) (void)RemoveSa(slot);
  }
  for (uint32_t q = 0; q < queues_.size(); ++q) dev_.Write32(hw::QCtrlOffset(q), 0);
  dev_.Write32(hw::kCtrlOffset, 0);
}

// ------------------------------------------------------------------------------------- SA table
Status Driver::SaCommand(uint32_t slot, hw::SaCmd cmd) {
  dev_.Write32(hw::kSaSlotOffset, slot);
  dev_.Write32(hw::kSaCmdOffset, static_cast<uint32_t>(cmd) << hw::kSaCmdOpShift);
  uint32_t st = 0;
  const bool done = dev_.RunUntil(
      [&] {
        st = dev_.Read32(hw::kSaStatusOffset);
        return Bits(st, hw::kSaStatusBusyShift, hw::kSaStatusBusyMask) == 0;
      },
      kSaCommandCycles);
  if (!done) return Fail(Errc::kTimeout, "SA command did not complete");
  const auto err = static_cast<hw::SaError>(Bits(st, hw::kSaStatusErrShift, hw::kSaStatusErrMask));
  if (err != hw::SaError::kNone) {
    return Fail(Errc::kSaCommandFailed, std::string("SA command on slot ") + std::to_string(slot) +
                                            ": " + hw::SaErrorName(err));
  }
  return {};
}

Result<uint32_t> Driver::InboundSlotFor(uint32_t spi) const {
  const uint32_t base = hw::SpiBucket(spi, info_.sa_slots) * hw::kSaWays;
  for (uint32_t way = 0; way < hw::kSaWays; ++way) {
    if (!slot_used_[base + way]) return base + way;
  }
  return Fail(Errc::kSlotCollision, "both slots of SPI bucket " + std::to_string(base) +
                                        " are taken; choose another SPI");
}

Result<uint32_t> Driver::InstallSa(const SaParams& p) {
  uint32_t slot = 0;
  if (p.inbound) {
    auto s = InboundSlotFor(p.spi);
    if (!s) return s;
    slot = *s;
  } else {
    // Outbound SAs fill the table from the top, away from where inbound hashes usually land.
    slot = info_.sa_slots;
    for (uint32_t i = info_.sa_slots; i-- > 0;) {
      if (!slot_used_[i]) {
        slot = i;
        break;
      }
    }
    if (slot == info_.sa_slots) return Fail(Errc::kNoFreeSlot, "SA table full");
  }
  if (auto s = InstallSaAt(slot, p); !s) return tl::unexpected(s.error());
  return slot;
}

Status Driver::InstallSaAt(uint32_t slot, const SaParams& p) {
  if (slot >= info_.sa_slots) return Fail(Errc::kBadArgument, "slot out of range");
  if (p.key.size() != 16 && p.key.size() != 32) {
    return Fail(Errc::kBadArgument,
                "key must be 16 or 32 bytes, got " + std::to_string(p.key.size()));
  }
  if (p.window > info_.max_window) {
    return Fail(Errc::kBadArgument, "window " + std::to_string(p.window) + " exceeds " +
                                        std::to_string(info_.max_window));
  }
  const bool aes256 = p.key.size() == 32;
  dev_.Write32(hw::kSaCtrlOffset, uint32_t{p.inbound} << hw::kSaCtrlDirInShift |
                                      uint32_t{aes256} << hw::kSaCtrlAes256Shift |
                                      uint32_t{p.tunnel} << hw::kSaCtrlTunnelShift |
                                      uint32_t{p.natt} << hw::kSaCtrlNattShift |
                                      uint32_t{p.esn} << hw::kSaCtrlEsnShift |
                                      static_cast<uint32_t>(p.icv) << hw::kSaCtrlIcvShift);
  dev_.Write32(hw::kSaSpiOffset, p.spi);
  dev_.Write32(hw::kSaSaltOffset, util::LoadLe32(p.salt));
  for (uint32_t i = 0; i < hw::kSaKeyCount; ++i) {
    dev_.Write32(hw::SaKeyOffset(i),
                 4 * i < p.key.size() ? util::LoadLe32(p.key.data() + 4 * i) : 0);
  }
  dev_.Write32(hw::kSaTunSrcOffset, p.tun_src);
  dev_.Write32(hw::kSaTunDstOffset, p.tun_dst);
  dev_.Write32(hw::kSaNattPortsOffset, uint32_t{p.sport} << hw::kSaNattPortsSportShift |
                                           uint32_t{p.dport} << hw::kSaNattPortsDportShift);
  dev_.Write32(hw::kSaWindowOffset, p.window);
  auto write64 = [&](uint32_t off, uint64_t v) {
    dev_.Write32(off, static_cast<uint32_t>(v));
    dev_.Write32(off + 4, static_cast<uint32_t>(v >> 32));
  };
  write64(hw::kSaSeqLoOffset, p.seq);
  write64(hw::kSaSoftBytesOffset, p.soft_bytes);
  write64(hw::kSaHardBytesOffset, p.hard_bytes);
  write64(hw::kSaSoftPktsOffset, p.soft_pkts);
  write64(hw::kSaHardPktsOffset, p.hard_pkts);
  if (auto s = SaCommand(slot, hw::SaCmd::kWrite); !s) return s;
  slot_used_[slot] = true;
  return {};
}

Status Driver::RemoveSa(uint32_t slot) {
  if (slot >= info_.sa_slots) return Fail(Errc::kBadArgument, "slot out of range");
  if (auto s = SaCommand(slot, hw::SaCmd::kInvalidate); !s) return s;
  slot_used_[slot] = false;
  return {};
}

Result<SaStats> Driver::ReadSaStats(uint32_t slot) {
  if (slot >= info_.sa_slots) return Fail(Errc::kBadArgument, "slot out of range");
  if (auto s = SaCommand(slot, hw::SaCmd::kReadStats); !s) return tl::unexpected(s.error());
  auto read64 = [&](uint32_t off) {
    return dev_.Read32(off) | uint64_t{dev_.Read32(off + 4)} << 32;
  };
  SaStats s;
  s.pkts = read64(hw::kSaStatPktsOffset);
  s.bytes = read64(hw::kSaStatBytesOffset);
  s.seq = read64(hw::kSaStatSeqOffset);
  s.bitmap = read64(hw::kSaStatBitmapOffset);
  s.replay = dev_.Read32(hw::kSaStatReplayOffset);
  s.auth_fail = dev_.Read32(hw::kSaStatAuthFailOffset);
  s.other_drops = dev_.Read32(hw::kSaStatOtherDropsOffset);
  const uint32_t f = dev_.Read32(hw::kSaStatFlagsOffset);
  s.valid = Bits(f, hw::kSaStatFlagsValidShift, 1);
  s.soft_hit = Bits(f, hw::kSaStatFlagsSoftHitShift, 1);
  s.hard_hit = Bits(f, hw::kSaStatFlagsHardHitShift, 1);
  s.seq_exhausted = Bits(f, hw::kSaStatFlagsSeqExhaustedShift, 1);
  return s;
}

// ------------------------------------------------------------------------------------- datapath
size_t Driver::ring_capacity() const { return (size_t{1} << opts_.ring_log2) - 1; }
size_t Driver::SubmitRoom(uint32_t q) const { return ring_capacity() - queues_[q].in_flight; }
size_t Driver::InFlight(uint32_t q) const { return queues_[q].in_flight; }

Status Driver::Post(uint32_t q, hw::Opcode op, uint32_t sa_slot, std::span<const uint8_t> pkt,
                    uint32_t cookie, uint8_t flags) {
  if (q >= queues_.size()) return Fail(Errc::kBadArgument, "no such queue");
  Queue& qu = queues_[q];
  if (qu.in_flight >= ring_capacity()) return Fail(Errc::kRingFull, "submission ring full");
  if (pkt.empty() || pkt.size() > kBufferBytes) {
    return Fail(Errc::kBadArgument, "packet of " + std::to_string(pkt.size()) + " bytes");
  }
  const uint32_t i = qu.sq_tail;
  std::memcpy(qu.in_bufs[i].data(), pkt.data(), pkt.size());
  hw::SqDesc d{};
  d.opcode = static_cast<uint8_t>(op);
  d.flags = flags;
  d.sa = static_cast<uint16_t>(sa_slot);
  d.cookie = cookie;
  d.in_addr = qu.in_bufs[i].bus();
  d.out_addr = qu.out_bufs[i].bus();
  d.in_len = static_cast<uint16_t>(pkt.size());
  d.out_cap = static_cast<uint16_t>(kBufferBytes);
  std::memcpy(qu.sq.data() + i * sizeof(d), &d, sizeof(d));
  qu.cookies[i] = cookie;
  qu.sq_tail = (i + 1) & mask();
  ++qu.in_flight;
  qu.dirty = true;
  return {};
}

void Driver::Flush(uint32_t q) {
  Queue& qu = queues_[q];
  if (!qu.dirty) return;
  qu.dirty = false;
  dev_.Write32(hw::QSqTailOffset(q), qu.sq_tail);
}

bool Driver::HasCompletion(uint32_t q) const {
  const Queue& qu = queues_[q];
  if (qu.in_flight == 0) return false;
  const uint8_t flags =
      qu.cq.data()[qu.cq_head * sizeof(hw::CqEntry) + offsetof(hw::CqEntry, flags)];
  return ((flags & hw::kCqEntryFlagsPhase) != 0) == qu.phase;
}

size_t Driver::Reap(uint32_t q, const std::function<void(const Completion&)>& fn, size_t max) {
  Queue& qu = queues_[q];
  size_t n = 0;
  while (n < max && HasCompletion(q)) {
    hw::CqEntry e;
    std::memcpy(&e, qu.cq.data() + qu.cq_head * sizeof(e), sizeof(e));
    // Completions are in submission order: this one belongs to the oldest entry in flight.
    const uint32_t i = (qu.sq_tail - qu.in_flight) & mask();
    Completion c;
    c.cookie = e.cookie;
    c.seq = e.seq;
    // The device is not trusted blindly: an impossible status or length is a device fault.
    c.status =
        e.status < hw::kNumStatus ? static_cast<hw::Status>(e.status) : hw::Status::kDmaError;
    const size_t len = e.out_len <= kBufferBytes ? e.out_len : 0;
    c.data = {qu.out_bufs[i].data(), c.status == hw::Status::kOk ? len : 0};
    fn(c);
    qu.cq_head = (qu.cq_head + 1) & mask();
    if (qu.cq_head == 0) qu.phase = !qu.phase;
    --qu.in_flight;
    ++n;
  }
  if (n > 0) dev_.Write32(hw::QCqHeadOffset(q), qu.cq_head);
  if (opts_.interrupts && n > 0) dev_.Write32(hw::kIrqStatusOffset, 1u << q);
  return n;
}

bool Driver::WaitCompletion(uint32_t q, uint64_t max_cycles) {
  // Interrupt mode sleeps until the (coalesced) vector fires, even if entries are already there.
  if (opts_.interrupts) {
    return dev_.RunUntil([&] { return dev_.IrqAsserted(q) && HasCompletion(q); }, max_cycles);
  }
  return dev_.RunUntil([&] { return HasCompletion(q); }, max_cycles);
}

bool Driver::QueueStopped(uint32_t q) {
  return Bits(dev_.Read32(hw::QStatusOffset(q)), hw::kQStatusStoppedShift, 1) != 0;
}

Result<std::vector<uint32_t>> Driver::RecoverQueue(uint32_t q) {
  if (q >= queues_.size()) return Fail(Errc::kBadArgument, "no such queue");
  Queue& qu = queues_[q];
  std::vector<uint32_t> lost;
  for (uint32_t k = 0; k < qu.in_flight; ++k) {
    lost.push_back(qu.cookies[(qu.sq_tail - qu.in_flight + k) & mask()]);
  }
  // Re-enabling resets both rings' indexes and the phase on the device side.
  qu.sq_tail = qu.cq_head = qu.in_flight = 0;
  qu.phase = true;
  qu.dirty = false;
  std::memset(qu.cq.data(), 0, qu.cq.size());
  WriteQueueRegs(q);
  return lost;
}

// ------------------------------------------------------------------------------ events, counters
std::optional<DeviceEvent> Driver::PollEvent() {
  const uint32_t v = dev_.Read32(hw::kEventOffset);
  const auto type = static_cast<hw::Event>(Bits(v, hw::kEventTypeShift, hw::kEventTypeMask));
  if (type == hw::Event::kNone) {
    dev_.Write32(hw::kIrqStatusOffset, 1u << hw::kIrqStatusEventShift);
    return std::nullopt;
  }
  return DeviceEvent{type, Bits(v, hw::kEventSlotShift, hw::kEventSlotMask),
                     Bits(v, hw::kEventLostShift, 1) != 0};
}

std::vector<uint32_t> Driver::StatusCounters() {
  std::vector<uint32_t> out(hw::kNumStatus);
  for (uint32_t i = 0; i < hw::kNumStatus; ++i) out[i] = dev_.Read32(hw::StatStatusOffset(i));
  return out;
}

}  // namespace ipsec::driver
