#include "hw/model/device_model.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "hw/util/check.h"
#include "hw/util/endian.h"

namespace ipsec::hw::model {
namespace {

constexpr uint32_t kCsrWords = 0x2000 / 4;

// Access code and readable/writable field mask of every register word, from the generated table.
struct CsrInfo {
  uint8_t access = 0xff;  // 0 ro, 1 rw, 2 wo, 3 rw1c, 4 rc, 5 wc, 0xff unmapped
  uint32_t reset = 0;
  uint32_t mask = 0;
};

const std::vector<CsrInfo>& CsrTable() {
  static const std::vector<CsrInfo> table = [] {
    std::vector<CsrInfo> t(kCsrWords);
#define IPSEC_CSR(name, offset, reset, access, mask) t[(offset) / 4] = {access, reset, mask};
#include "hw/gen/csr_table.inc"
#undef IPSEC_CSR
    return t;
  }();
  return table;
}

constexpr uint32_t kAccessRo = 0, kAccessRw = 1, kAccessWo = 2;

uint32_t Field(uint32_t reg, uint32_t shift, uint32_t mask) { return (reg >> shift) & mask; }

}  // namespace

ModelDevice::ModelDevice(ModelParams params)
    : params_(params),
      regs_(kCsrWords),
      scratch_in_(kMaxPacket + kEspIvLen),
      scratch_out_(0x10000) {
  IPSEC_CHECK(params_.queues >= 1 && params_.queues <= kMaxQueues, "queues out of range");
  IPSEC_CHECK(params_.sa_slots >= kSaWays && (params_.sa_slots & (params_.sa_slots - 1)) == 0,
              "sa_slots must be a power of two");
  IPSEC_CHECK(params_.max_window >= 1 && params_.max_window <= kMaxWindow, "max_window");
  Reset();
}

void ModelDevice::Reset() {
  const auto& table = CsrTable();
  for (uint32_t w = 0; w < kCsrWords; ++w) regs_[w] = table[w].reset;
  Reg(kCapLanesOffset) = params_.lanes;
  Reg(kCapQueuesOffset) = params_.queues;
  Reg(kCapSaSlotsOffset) = params_.sa_slots;
  Reg(kCapMaxWindowOffset) = params_.max_window;
  ResetSaStaging();
  sas_.clear();
  sas_.resize(params_.sa_slots);  // destroys keyed ciphers: EVP contexts cleanse on free
  queues_.fill(Queue{});
  events_.clear();
  events_lost_ = false;
  irq_status_ = 0;
}

void ModelDevice::ResetSaStaging() {
  key_staging_ = util::SecretBytes(32);
  OPENSSL_cleanse(&salt_staging_, sizeof(salt_staging_));
}

// ------------------------------------------------------------------------------------------ CSRs
uint32_t ModelDevice::Read32(uint32_t offset) {
  if (offset % 4 != 0 || offset >= kCsrWords * 4) return 0;
  const CsrInfo& info = CsrTable()[offset / 4];
  if (info.access == 0xff || info.access == kAccessWo || info.access == 5) return 0;
  if (offset >= kQueueBase) {
    const uint32_t q = (offset - kQueueBase) / kQueueStride;
    return q < params_.queues ? ReadQueue(q, kQueueBase + (offset - kQueueBase) % kQueueStride) : 0;
  }
  switch (offset) {
    case kIrqStatusOffset:
      return irq_status_;
    case kStatusOffset:
      return 1u << kStatusReadyShift | 1u << kStatusIdleShift;
    case kEventOffset: {
      uint32_t v = events_lost_ ? 1u << kEventLostShift : 0;
      events_lost_ = false;
      if (!events_.empty()) {
        v |= events_.front();
        events_.pop_front();
      }
      return v;
    }
    case kCyclesLoOffset:
      cycles_hi_latch_ = static_cast<uint32_t>(cycles_ >> 32);
      return static_cast<uint32_t>(cycles_);
    case kCyclesHiOffset:
      return cycles_hi_latch_;
    default:
      return Reg(offset) & info.mask;
  }
}

void ModelDevice::Write32(uint32_t offset, uint32_t value) {
  if (offset % 4 != 0 || offset >= kCsrWords * 4) return;
  const CsrInfo& info = CsrTable()[offset / 4];
  if (info.access == 0xff || info.access == kAccessRo) return;
  if (offset >= kQueueBase) {
    const uint32_t q = (offset - kQueueBase) / kQueueStride;
    if (q < params_.queues) {
      WriteQueue(q, kQueueBase + (offset - kQueueBase) % kQueueStride, value & info.mask);
    }
    return;
  }
  if (offset >= kSaKeyOffset && offset < kSaKeyOffset + 4 * kSaKeyCount) {
    util::StoreLe32(key_staging_.data() + (offset - kSaKeyOffset), value);
    return;
  }
  switch (offset) {
    case kCtrlOffset:
      if (value >> kCtrlSoftResetShift & 1) {
        Reset();
      } else {
        Reg(offset) = value & (kCtrlEnableMask << kCtrlEnableShift);
        if (value & 1) {
          for (uint32_t q = 0; q < params_.queues; ++q) Process(q);
        }
      }
      return;
    case kIrqStatusOffset:
      irq_status_ &= ~value;
      if (!events_.empty()) irq_status_ |= 1u << kIrqStatusEventShift;
      return;
    case kSaSaltOffset:
      salt_staging_ = value;
      return;
    case kSaCmdOffset:
      SaCommand(Field(value, kSaCmdOpShift, kSaCmdOpMask));
      return;
    default:
      if (info.access == kAccessRw) Reg(offset) = value & info.mask;
      return;
  }
}

bool ModelDevice::IrqAsserted(unsigned vector) {
  return vector < 32 && ((irq_status_ & Reg(kIrqMaskOffset)) >> vector & 1) != 0;
}

void ModelDevice::Advance(uint64_t n) {
  cycles_ += n;
  const uint32_t timer = Field(Reg(kIrqCoalOffset), kIrqCoalTimerShift, kIrqCoalTimerMask);
  if (timer == 0) return;
  for (uint32_t q = 0; q < params_.queues; ++q) {
    if (queues_[q].pending > 0 && cycles_ - queues_[q].pending_since >= timer) {
      SignalCompletion(q, true);
    }
  }
}

bool ModelDevice::RunUntil(const std::function<bool()>& pred, uint64_t max_cycles) {
  constexpr uint64_t kStep = 16;
  for (uint64_t waited = 0; !pred(); waited += kStep) {
    if (waited >= max_cycles) return false;
    Advance(std::min(kStep, max_cycles - waited));
  }
  return true;
}

// ----------------------------------------------------------------------------------- SA window
void ModelDevice::SaCommand(uint32_t op) {
  const uint32_t slot = Field(Reg(kSaSlotOffset), kSaSlotSlotShift, kSaSlotSlotMask);
  auto done = [&](SaError e) {
    Reg(kSaStatusOffset) = static_cast<uint32_t>(e) << kSaStatusErrShift;
  };
  if (op == static_cast<uint32_t>(SaCmd::kNop)) return done(SaError::kNone);
  if (slot >= params_.sa_slots) return done(SaError::kBadSlot);
  Sa& sa = sas_[slot];
  switch (static_cast<SaCmd>(op)) {
    case SaCmd::kWrite: {
      const uint32_t ctrl = Reg(kSaCtrlOffset);
      const uint32_t window = Reg(kSaWindowOffset);
      const uint32_t icv = Field(ctrl, kSaCtrlIcvShift, kSaCtrlIcvMask);
      if (window > params_.max_window) return done(SaError::kBadWindow);
      if (icv > static_cast<uint32_t>(IcvLen::kIcv8)) return done(SaError::kBadIcv);
      const bool aes256 = Field(ctrl, kSaCtrlAes256Shift, 1);
      auto gcm = AesGcm::Create(key_staging_.span().first(aes256 ? 32 : 16));
      if (!gcm) return done(SaError::kBadKey);
      Sa fresh;
      SaConfig& c = fresh.cfg;
      c.dir_in = Field(ctrl, kSaCtrlDirInShift, 1);
      c.tunnel = Field(ctrl, kSaCtrlTunnelShift, 1);
      c.natt = Field(ctrl, kSaCtrlNattShift, 1);
      c.esn = Field(ctrl, kSaCtrlEsnShift, 1);
      c.icv = static_cast<IcvLen>(icv);
      c.spi = Reg(kSaSpiOffset);
      util::StoreLe32(c.salt, salt_staging_);
      c.tun_src = Reg(kSaTunSrcOffset);
      c.tun_dst = Reg(kSaTunDstOffset);
      c.sport = static_cast<uint16_t>(
          Field(Reg(kSaNattPortsOffset), kSaNattPortsSportShift, kSaNattPortsSportMask));
      c.dport = static_cast<uint16_t>(
          Field(Reg(kSaNattPortsOffset), kSaNattPortsDportShift, kSaNattPortsDportMask));
      c.window = window == 0 ? kDefaultWindow : window;
      c.seq = Reg64(kSaSeqLoOffset);
      if (!c.esn) c.seq &= 0xffffffffull;
      c.soft_bytes = Reg64(kSaSoftBytesOffset);
      c.hard_bytes = Reg64(kSaHardBytesOffset);
      c.soft_pkts = Reg64(kSaSoftPktsOffset);
      c.hard_pkts = Reg64(kSaHardPktsOffset);
      fresh.gcm = std::move(gcm);
      if (c.dir_in) {
        fresh.replay.emplace(c.window, c.esn, c.seq);
      } else {
        fresh.next_seq = c.seq == 0 ? 1 : c.seq;  // sequence numbers start at 1 (RFC 4303 3.3.3)
      }
      sa = std::move(fresh);
      ResetSaStaging();  // key material does not linger in the window
      return done(SaError::kNone);
    }
    case SaCmd::kInvalidate:
      sa = Sa{};  // drops the keyed cipher (EVP_CIPHER_CTX_free cleanses the key schedule)
      return done(SaError::kNone);
    case SaCmd::kReadStats: {
      SetReg64(kSaStatPktsOffset, sa.counters.pkts);
      SetReg64(kSaStatBytesOffset, sa.counters.bytes);
      const bool in = sa.replay.has_value();
      SetReg64(kSaStatSeqOffset, in ? sa.replay->highest() : sa.next_seq);
      SetReg64(kSaStatBitmapOffset, in ? sa.replay->recent_bitmap() : 0);
      Reg(kSaStatReplayOffset) = sa.counters.replay;
      Reg(kSaStatAuthFailOffset) = sa.counters.auth_fail;
      Reg(kSaStatOtherDropsOffset) = sa.counters.other_drops;
      Reg(kSaStatFlagsOffset) = uint32_t{sa.gcm.has_value()} << kSaStatFlagsValidShift |
                                uint32_t{sa.soft_hit} << kSaStatFlagsSoftHitShift |
                                uint32_t{sa.hard_hit} << kSaStatFlagsHardHitShift |
                                uint32_t{sa.seq_exhausted} << kSaStatFlagsSeqExhaustedShift;
      return done(SaError::kNone);
    }
    default:
      return done(SaError::kBadCmd);
  }
}

// -------------------------------------------------------------------------------------- queues
uint32_t ModelDevice::ReadQueue(uint32_t q, uint32_t reg) {
  const Queue& qs = queues_[q];
  switch (reg) {
    case kQSqHeadOffset:
      return qs.sq_head;
    case kQCqTailOffset:
      return qs.cq_tail;
    case kQSqTailOffset:
      return qs.sq_tail;
    case kQCqHeadOffset:
      return qs.cq_head;
    case kQStatusOffset: {
      const bool full = qs.enabled && ((qs.cq_tail + 1) & qs.mask()) == qs.cq_head;
      return uint32_t{qs.stopped} << kQStatusStoppedShift | uint32_t{full} << kQStatusCqFullShift;
    }
    default:
      return Reg(reg + q * kQueueStride);
  }
}

void ModelDevice::WriteQueue(uint32_t q, uint32_t reg, uint32_t value) {
  Queue& qs = queues_[q];
  switch (reg) {
    case kQCtrlOffset: {
      Reg(reg + q * kQueueStride) = value;
      const bool enable = Field(value, kQCtrlEnableShift, kQCtrlEnableMask);
      const uint32_t log2 = Field(value, kQCtrlSizeLog2Shift, kQCtrlSizeLog2Mask);
      // Enabling (again) starts the rings afresh: this is also how a stopped queue recovers.
      qs = Queue{};
      qs.enabled = enable && log2 >= 1 && log2 <= kMaxRingLog2;
      qs.size_log2 = log2;
      return;
    }
    case kQSqTailOffset:
      if (!qs.enabled) return;
      qs.sq_tail = value & qs.mask();
      Process(q);
      return;
    case kQCqHeadOffset:
      if (!qs.enabled) return;
      qs.cq_head = value & qs.mask();
      Process(q);
      return;
    default:
      Reg(reg + q * kQueueStride) = value;
      return;
  }
}

void ModelDevice::Process(uint32_t q) {
  Queue& qs = queues_[q];
  if (!(Reg(kCtrlOffset) & 1)) return;
  const uint32_t stride = q * kQueueStride;
  const uint64_t sq_base = Reg64(kQSqBaseLoOffset + stride);
  const uint64_t cq_base = Reg64(kQCqBaseLoOffset + stride);
  while (qs.enabled && !qs.stopped && qs.sq_head != qs.sq_tail &&
         ((qs.cq_tail + 1) & qs.mask()) != qs.cq_head) {
    SqDesc d;
    uint8_t raw[sizeof(SqDesc)];
    if (!memory_.ReadBeats(sq_base + uint64_t{qs.sq_head} * sizeof(SqDesc), raw,
                           params_.beat_bytes)) {
      qs.stopped = true;
      PushEvent(Event::kQueueError, q);
      return;
    }
    std::memcpy(&d, raw, sizeof(d));  // the host is little-endian, like the ring format
    qs.sq_head = (qs.sq_head + 1) & qs.mask();
    CqEntry c = Execute(d);
    c.flags = qs.phase ? kCqEntryFlagsPhase : 0;
    uint8_t out[sizeof(CqEntry)];
    std::memcpy(out, &c, sizeof(c));
    if (!memory_.Write(cq_base + uint64_t{qs.cq_tail} * sizeof(CqEntry), out)) {
      qs.stopped = true;
      PushEvent(Event::kQueueError, q);
      return;
    }
    qs.cq_tail = (qs.cq_tail + 1) & qs.mask();
    if (qs.cq_tail == 0) qs.phase = !qs.phase;
    if (qs.pending++ == 0) qs.pending_since = cycles_;
    SignalCompletion(q, (d.flags & kSqDescFlagsIrq) != 0);
  }
}

void ModelDevice::SignalCompletion(uint32_t q, bool force) {
  Queue& qs = queues_[q];
  const uint32_t count =
      std::max<uint32_t>(1, Field(Reg(kIrqCoalOffset), kIrqCoalCountShift, kIrqCoalCountMask));
  if (qs.pending > 0 && (force || qs.pending >= count)) {
    irq_status_ |= 1u << q;
    qs.pending = 0;
  }
}

void ModelDevice::PushEvent(Event type, uint32_t slot) {
  if (events_.size() >= params_.event_fifo_depth) {
    events_lost_ = true;
  } else {
    events_.push_back(static_cast<uint32_t>(type) << kEventTypeShift | (slot & kEventSlotMask));
  }
  irq_status_ |= 1u << kIrqStatusEventShift;
}

// ------------------------------------------------------------------------------------- packets
CqEntry ModelDevice::Execute(const SqDesc& d) {
  CqEntry c{};
  c.cookie = d.cookie;
  auto finish = [&](Status st) {
    ++Reg(StatStatusOffset(static_cast<uint32_t>(st)));
    c.status = static_cast<uint8_t>(st);
    return c;
  };
  const bool explicit_iv = d.flags & kSqDescFlagsExplicitIv;
  const uint32_t known_flags = kSqDescFlagsExplicitIv | kSqDescFlagsIrq;
  const size_t iv_len = explicit_iv ? kEspIvLen : 0;
  const bool encap = d.opcode == static_cast<uint8_t>(Opcode::kEncap);
  const bool decap = d.opcode == static_cast<uint8_t>(Opcode::kDecap);
  if ((!encap && !decap) || (d.flags & ~known_flags) || d.reserved != 0 || d.in_len <= iv_len ||
      (explicit_iv && !encap) || (encap && d.sa >= params_.sa_slots)) {
    return finish(Status::kBadDescriptor);
  }
  if (d.in_len - iv_len > kMaxPacket) return finish(Status::kMalformed);
  // Scratch buffers are reused across packets (no allocation per packet); the bytes a packet
  // wrote are wiped afterwards so that plaintext does not linger in the device.
  std::span<uint8_t> in(scratch_in_.data(), d.in_len);
  std::span<uint8_t> out(scratch_out_.data(), d.out_cap);
  // As the RTL's bus reads it: in beats of the bus's width (HostMemory::ReadBeats).
  if (!memory_.ReadBeats(d.in_addr, in, params_.beat_bytes)) return finish(Status::kDmaError);
  CqEntry r = encap ? ExecuteEncap(d, in, out) : ExecuteDecap(d, in, out);
  c.seq = r.seq;
  const Status st = static_cast<Status>(r.status);
  bool dma_ok = true;
  if (st == Status::kOk) {
    dma_ok = memory_.Write(d.out_addr, out.first(r.out_len));
    OPENSSL_cleanse(out.data(), r.out_len);
  }
  OPENSSL_cleanse(in.data(), in.size());
  if (!dma_ok) return finish(Status::kDmaError);
  if (st == Status::kOk) {
    c.out_len = r.out_len;
    ++Reg(encap ? kStatEncapPktsOffset : kStatDecapPktsOffset);
  }
  return finish(st);
}

CqEntry ModelDevice::ExecuteEncap(const SqDesc& d, std::span<const uint8_t> in,
                                  std::span<uint8_t> out) {
  CqEntry r{};
  Sa& sa = sas_[d.sa];
  Status st;
  const bool explicit_iv = d.flags & kSqDescFlagsExplicitIv;
  if (!sa.gcm || sa.cfg.dir_in || sa.hard_hit) {
    st = Status::kSaExpired;
  } else {
    const bool was_exhausted = sa.seq_exhausted;
    EspOutcome o = EspEncap(sa, in.subspan(explicit_iv ? kEspIvLen : 0),
                            explicit_iv ? in.first(kEspIvLen) : std::span<const uint8_t>{}, out);
    st = o.status;
    r.seq = o.seq;
    r.out_len = static_cast<uint16_t>(o.out_len);
    if (!was_exhausted && sa.seq_exhausted) PushEvent(Event::kSeqOverflow, d.sa);
  }
  // Lifetime bytes count the plaintext packet (its IPv4 total length, checked by EspEncap).
  if (sa.gcm) {
    Account(d.sa, sa, st,
            st == Status::kOk ? util::LoadBe16(&in[(explicit_iv ? kEspIvLen : 0) + 2]) : 0);
  }
  r.status = static_cast<uint8_t>(st);
  return r;
}

CqEntry ModelDevice::ExecuteDecap(const SqDesc& d, std::span<const uint8_t> in,
                                  std::span<uint8_t> out) {
  CqEntry r{};
  auto loc = LocateEsp(in);
  if (!loc) {
    r.status = static_cast<uint8_t>(Status::kMalformed);
    return r;
  }
  Sa* sa = FindInbound(loc->spi);
  if (sa == nullptr) {
    r.status = static_cast<uint8_t>(Status::kUnknownSpi);
    return r;
  }
  const uint32_t slot = static_cast<uint32_t>(sa - sas_.data());
  Status st = Status::kSaExpired;
  if (!sa->hard_hit) {
    EspOutcome o = EspDecap(*sa, *loc, in, out);
    st = o.status;
    r.seq = o.seq;
    r.out_len = static_cast<uint16_t>(o.out_len);
  }
  Account(slot, *sa, st, r.out_len);
  r.status = static_cast<uint8_t>(st);
  return r;
}

Sa* ModelDevice::FindInbound(uint32_t spi) {
  const uint32_t base = SpiBucket(spi, params_.sa_slots) * kSaWays;
  for (uint32_t way = 0; way < kSaWays; ++way) {
    Sa& sa = sas_[base + way];
    if (sa.gcm && sa.cfg.dir_in && sa.cfg.spi == spi) return &sa;
  }
  return nullptr;
}

void ModelDevice::Account(uint32_t slot, Sa& sa, Status st, uint64_t bytes) {
  SaCounters& k = sa.counters;
  switch (st) {
    case Status::kOk:
      break;
    case Status::kReplay:
      ++k.replay;
      return;
    case Status::kAuthFail:
      ++k.auth_fail;
      return;
    default:
      ++k.other_drops;
      return;
  }
  ++k.pkts;
  k.bytes += bytes;
  const SaConfig& c = sa.cfg;
  auto reached = [&](uint64_t pkts_limit, uint64_t bytes_limit) {
    return (pkts_limit != 0 && k.pkts >= pkts_limit) ||
           (bytes_limit != 0 && k.bytes >= bytes_limit);
  };
  if (!sa.soft_hit && reached(c.soft_pkts, c.soft_bytes)) {
    sa.soft_hit = true;
    PushEvent(Event::kSoftLifetime, slot);
  }
  if (!sa.hard_hit && reached(c.hard_pkts, c.hard_bytes)) {
    sa.hard_hit = true;
    PushEvent(Event::kHardLifetime, slot);
  }
}

}  // namespace ipsec::hw::model
