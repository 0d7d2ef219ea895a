// Packet generator, stream driver and scoreboard for esp_lane, shared by esp_lane_test and the
// esp_lane benchmark. The reference is the functional model (hw/model/esp.cc): every packet's
// expected status, output bytes and lengths come from EspEncap / EspDecap on a model Sa with
// the same configuration and key; the RTL lane gets the job the device front end would build
// (esp_lane_pkg.sv lane_job_t), so only packets the front end would dispatch are generated.
//
// Decap packets are built here from a plaintext with AES-GCM through OpenSSL (AesGcm): well
// formed ones, and forgeries that pass the ICV but carry a bad pad, a bad next header or a bad
// inner packet; corrupted ICVs and ciphertexts for AUTH_FAIL; small out_cap for NO_SPACE.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "hw/gen/ipsec_regs.h"
#include "hw/model/aes_gcm.h"
#include "hw/model/esp.h"
#include "hw/model/sa.h"
#include "hw/util/endian.h"
#include "sim/harness/tb.h"

namespace ipsec::rtltest {

using hw::Status;

struct LaneSa {
  uint16_t slot = 0;
  hw::model::SaConfig cfg;
  std::vector<uint8_t> key;
};

struct LanePkt {
  // Job (esp_lane_pkg lane_job_t).
  bool decap = false;
  uint16_t slot = 0;
  hw::model::SaConfig cfg;
  bool aes256 = false;
  uint64_t seq = 0;
  bool explicit_iv = false;
  uint16_t ip_id = 0;
  uint8_t esp_off = 0;
  uint32_t out_cap = 0;
  std::vector<uint8_t> in;
  // Expected (from the model).
  Status want_status = Status::kOk;
  std::vector<uint8_t> want_out;
  uint32_t want_inner_len = 0;
  std::string what;
  // Observed.
  bool got_res = false;
  uint32_t got_status = 0, got_out_len = 0, got_inner_len = 0, got_icv_ok = 0;
  std::vector<uint8_t> got_out;

  // The per-packet beat limit: the largest of AES blocks (J0 + payload), GHASH blocks (AAD +
  // payload; esp_gcm hashes the length block in a second multiplier), in beats, out beats.
  uint64_t BeatLimit() const {
    const uint64_t in_beats = (in.size() + 15) / 16;
    const uint64_t out_beats = (want_out.size() + 15) / 16;
    uint64_t clen = 0;
    if (decap) {
      const size_t total = util::LoadBe16(&in[2]);
      const size_t icv =
          cfg.icv == hw::IcvLen::kIcv12 ? 12 : (cfg.icv == hw::IcvLen::kIcv8 ? 8 : 16);
      clen = total - esp_off - 16 - icv;
    } else {
      const size_t icv =
          cfg.icv == hw::IcvLen::kIcv12 ? 12 : (cfg.icv == hw::IcvLen::kIcv8 ? 8 : 16);
      clen = want_out.size() - 16 - icv - esp_hdr_bytes;
    }
    const uint64_t gcm = 1 + (clen + 15) / 16;
    return std::max({in_beats, out_beats, gcm});
  }
  size_t esp_hdr_bytes = 0;  // encap: output bytes before the ESP header (IP + UDP)
  bool key_only = false;     // not a packet: a key install for `slot` (LaneDriver::AddKey)
  std::vector<uint8_t> key;
};

inline uint16_t Ipv4Csum(const uint8_t* h, size_t len) {
  return hw::model::Ipv4HeaderChecksum({h, len});
}

// A random IPv4 packet of `total` bytes (>= 20) with an IHL of ihl words.
inline std::vector<uint8_t> RandomIpv4(std::mt19937_64& rng, size_t total, unsigned ihl) {
  std::vector<uint8_t> p(total);
  for (auto& b : p) b = static_cast<uint8_t>(rng());
  p[0] = static_cast<uint8_t>(0x40 | ihl);
  util::StoreBe16(&p[2], static_cast<uint16_t>(total));
  return p;
}

inline hw::model::Sa ModelSa(const LaneSa& s, bool inbound) {
  hw::model::Sa sa;
  sa.cfg = s.cfg;
  sa.cfg.dir_in = inbound;
  sa.gcm = hw::model::AesGcm::Create(s.key);
  return sa;
}

// Encap job: inner packet of `total` bytes (+ `tail` garbage bytes the lane must ignore).
inline LanePkt MakeEncap(std::mt19937_64& rng, const LaneSa& s, size_t total, bool explicit_iv,
                         uint64_t seq, uint16_t ip_id, size_t tail = 0) {
  LanePkt p;
  p.decap = false;
  p.slot = s.slot;
  p.cfg = s.cfg;
  p.aes256 = s.key.size() == 32;
  p.seq = seq;
  p.explicit_iv = explicit_iv;
  p.ip_id = ip_id;
  unsigned ihl = 5;
  if (!s.cfg.tunnel || rng() % 2 == 0) ihl += static_cast<unsigned>(rng() % 11);
  ihl = std::min<unsigned>(ihl, static_cast<unsigned>(total / 4));
  auto pkt = RandomIpv4(rng, total, ihl);
  std::vector<uint8_t> iv;
  if (explicit_iv)
    iv = {static_cast<uint8_t>(rng()), 1, 2, 3, 4, 5, 6, static_cast<uint8_t>(rng())};
  p.in = iv;
  p.in.insert(p.in.end(), pkt.begin(), pkt.end());
  for (size_t i = 0; i < tail; ++i) p.in.push_back(static_cast<uint8_t>(rng()));
  hw::model::Sa sa = ModelSa(s, false);
  sa.next_seq = seq;
  sa.ip_id = ip_id;
  std::vector<uint8_t> out(16383);
  auto o = hw::model::EspEncap(sa, std::span<const uint8_t>(p.in).subspan(iv.size()), iv, out);
  p.out_cap = 16383;
  p.want_status = o.status;
  p.want_out.assign(out.begin(), out.begin() + static_cast<long>(o.out_len));
  p.want_inner_len = o.status == Status::kOk ? static_cast<uint32_t>(total) : 0;
  p.esp_hdr_bytes = (s.cfg.tunnel ? 20 : ihl * 4) + (s.cfg.natt ? 8 : 0);
  p.what = "encap len " + std::to_string(total) + " slot " + std::to_string(s.slot);
  return p;
}

enum class DecapKind { kGood, kBadIcv, kBadCt, kBadPad, kBadPadLen, kBadInner, kBadNh, kNoSpace };

// Decap job: an ESP packet for SA s built from an inner packet of `inner` bytes (tunnel: the
// whole inner packet; transport: the payload after the outer header), forged per `kind`.
inline LanePkt MakeDecap(std::mt19937_64& rng, const LaneSa& s, size_t inner, uint64_t seq,
                         DecapKind kind, size_t tail = 0) {
  LanePkt p;
  p.decap = true;
  p.slot = s.slot;
  p.cfg = s.cfg;
  p.aes256 = s.key.size() == 32;
  p.seq = seq;
  const size_t icv =
      s.cfg.icv == hw::IcvLen::kIcv12 ? 12 : (s.cfg.icv == hw::IcvLen::kIcv8 ? 8 : 16);
  // Plaintext: payload || pad 1,2,.. || pad_len || next header.
  std::vector<uint8_t> pt;
  uint8_t nh = 4;
  if (s.cfg.tunnel) {
    const size_t len = std::max<size_t>(inner, 20);
    pt = RandomIpv4(
        rng, len,
        std::min<unsigned>(5 + static_cast<unsigned>(rng() % 3), static_cast<unsigned>(len / 4)));
    if (kind == DecapKind::kBadInner) {
      switch (rng() % 4) {
        case 0:
          pt[0] = 0x65;
          break;  // version 6
        case 1:
          pt[0] = 0x44;
          break;  // IHL 4
        case 2:
          util::StoreBe16(&pt[2], static_cast<uint16_t>(pt.size() - 1));
          break;
        default:
          util::StoreBe16(&pt[2], static_cast<uint16_t>(pt.size() + 4));
          break;
      }
    }
    if (kind == DecapKind::kBadNh) nh = static_cast<uint8_t>(5 + rng() % 200);
  } else {
    pt.resize(inner);
    for (auto& b : pt) b = static_cast<uint8_t>(rng());
    nh = static_cast<uint8_t>(rng());
  }
  size_t pad = (4 - (pt.size() + 2) % 4) % 4;
  if (rng() % 4 == 0) pad += 4 * (rng() % 8);  // longer pads are legal too (RFC 4303 2.4)
  if (kind == DecapKind::kBadPadLen) pad = std::min<size_t>(255, pt.size() + 1 + rng() % 4);
  const size_t data_len = pt.size();
  if (kind != DecapKind::kBadPadLen) {
    for (size_t i = 0; i < pad; ++i) pt.push_back(static_cast<uint8_t>(i + 1));
    if (kind == DecapKind::kBadPad && pad == 0) {
      pt.push_back(1);
      pt.push_back(3);
      pad = 2;
    }
    if (kind == DecapKind::kBadPad)
      pt[data_len + rng() % pad] ^= static_cast<uint8_t>(1 + rng() % 255);
  }
  pt.push_back(static_cast<uint8_t>(pad));
  pt.push_back(nh);
  // Outer header.
  const unsigned ihl = s.cfg.tunnel ? 5 : 5 + static_cast<unsigned>(rng() % 11);
  const size_t udp = s.cfg.natt ? 8 : 0;
  const size_t esp_len = 16 + pt.size() + icv;
  const size_t total = ihl * 4 + udp + esp_len;
  std::vector<uint8_t> pkt(total);
  for (auto& b : pkt) b = static_cast<uint8_t>(rng());
  pkt[0] = static_cast<uint8_t>(0x40 | ihl);
  util::StoreBe16(&pkt[2], static_cast<uint16_t>(total));
  pkt[6] &= 0x40;  // DF may be set; no fragments
  pkt[7] = 0;
  pkt[9] = s.cfg.natt ? 17 : 50;
  uint8_t* esp = &pkt[ihl * 4 + udp];
  if (s.cfg.natt) {
    uint8_t* u = &pkt[ihl * 4];
    util::StoreBe16(u, s.cfg.sport);
    util::StoreBe16(u + 2, 4500);
    util::StoreBe16(u + 4, static_cast<uint16_t>(udp + esp_len));
  }
  util::StoreBe32(esp, s.cfg.spi);
  util::StoreBe32(esp + 4, static_cast<uint32_t>(seq));
  util::StoreBe64(esp + 8, rng() % 3 == 0 ? rng() : seq);  // the IV is the sender's choice
  uint8_t nonce[12], aad[12];
  std::copy(s.cfg.salt, s.cfg.salt + 4, nonce);
  std::copy(esp + 8, esp + 16, nonce + 4);
  util::StoreBe32(aad, s.cfg.spi);
  size_t aad_len = 8;
  if (s.cfg.esn) {
    util::StoreBe64(aad + 4, seq);
    aad_len = 12;
  } else {
    util::StoreBe32(aad + 4, static_cast<uint32_t>(seq));
  }
  auto gcm = hw::model::AesGcm::Create(s.key);
  if (!gcm || !gcm->Seal({nonce, 12}, {aad, aad_len}, pt, {esp + 16, pt.size()},
                         {esp + 16 + pt.size(), icv})) {
    std::abort();
  }
  if (kind == DecapKind::kBadIcv)
    esp[16 + pt.size() + rng() % icv] ^= static_cast<uint8_t>(1u << (rng() % 8));
  if (kind == DecapKind::kBadCt)
    esp[16 + rng() % pt.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
  p.in = pkt;
  for (size_t i = 0; i < tail; ++i) p.in.push_back(static_cast<uint8_t>(rng()));
  // The model, as the device runs it (LocateEsp, then EspDecap on the SA).
  auto loc = hw::model::LocateEsp(p.in);
  if (!loc) std::abort();  // the generator only makes packets the front end dispatches
  p.esp_off = static_cast<uint8_t>(loc->esp_off);
  const size_t hdr_len = s.cfg.tunnel ? 0 : loc->ip_hlen;
  const size_t clen = pt.size();
  p.out_cap = 16383;
  if (kind == DecapKind::kNoSpace) {
    p.out_cap = static_cast<uint32_t>(hdr_len + clen - 1 - rng() % std::min<size_t>(clen, 8));
  } else if (rng() % 4 == 0) {
    p.out_cap = static_cast<uint32_t>(hdr_len + clen + rng() % 3);  // just enough
  }
  hw::model::Sa sa = ModelSa(s, true);
  sa.replay.emplace(s.cfg.window, s.cfg.esn, seq - 1);
  std::vector<uint8_t> out(p.out_cap);
  auto o = hw::model::EspDecap(sa, *loc, p.in, out);
  if (o.seq != seq && o.status != Status::kReplay) std::abort();
  p.want_status = o.status;
  p.want_out.assign(out.begin(), out.begin() + static_cast<long>(o.out_len));
  p.want_inner_len = static_cast<uint32_t>(o.out_len);
  p.what = "decap len " + std::to_string(total) + " slot " + std::to_string(s.slot);
  return p;
}

// lane_job_t, packed MSB first in declaration order (esp_lane_pkg.sv), as Verilator's words.
inline void PackJob(const LanePkt& p, uint32_t w[10]) {
  std::fill(w, w + 10, 0u);
  int pos = 299;
  auto put = [&](uint64_t v, int width) {
    pos -= width;
    for (int i = 0; i < width; ++i) {
      if ((v >> i) & 1) w[(pos + i) / 32] |= 1u << ((pos + i) % 32);
    }
  };
  const auto& c = p.cfg;
  const uint32_t salt = c.salt[0] | c.salt[1] << 8 | c.salt[2] << 16 | uint32_t{c.salt[3]} << 24;
  put(p.decap, 1);
  put(p.slot, 16);
  put(p.aes256, 1);
  put(c.tunnel, 1);
  put(c.natt, 1);
  put(c.esn, 1);
  put(static_cast<uint8_t>(c.icv), 2);
  put(c.spi, 32);
  put(salt, 32);
  put(c.tun_src, 32);
  put(c.tun_dst, 32);
  put(c.sport, 16);
  put(c.dport, 16);
  put(p.seq, 64);
  put(p.explicit_iv, 1);
  put(p.ip_id, 16);
  put(p.esp_off, 7);
  put(p.in.size(), 14);
  put(p.out_cap, 14);
  if (pos != 0) std::abort();
}

struct LaneStats {
  uint64_t cycles = 0;
  uint64_t packets = 0;
  uint64_t first_in = 0, last_out = 0;  // first in beat, last out beat or result
  uint64_t beat_limit = 0;              // sum of the packets' beat limits
  uint64_t in_stalls = 0;               // clocks with in_valid_i && !in_ready_o
  uint64_t key_installs = 0;            // key items installed during traffic
  uint64_t first_res = 0;               // clock of the first result taken
};

struct LaneDriverOptions {
  int p_in = 100;   // percent: present an in beat when one is ready
  int p_job = 100;  // percent: present a job when one is ready
  int p_out = 100;  // percent: out_ready_i
  int p_res = 100;  // percent: res_ready_i
  uint64_t seed = 1;
};

template <class Model>
class LaneDriver {
 public:
  LaneDriver(sim::Tb<Model>& tb, LaneDriverOptions opt) : tb_(tb), opt_(opt), rng_(opt.seed) {}

  // Installs a key at a slot through the key port; clocks until key_done_o.
  void InstallKey(uint16_t slot, const std::vector<uint8_t>& key) {
    auto& t = tb_.model();
    std::vector<uint8_t> bus(32, 0);
    std::copy(key.begin(), key.end(), bus.begin());
    t.key_valid_i = 1;
    t.key_slot_i = slot;
    t.key_aes256_i = key.size() == 32;
    sim::SetBytes(t.key_i.data(), 256, bus);
    for (int i = 0; i < 100; ++i) {
      tb_.Eval();
      const bool fire = t.key_ready_o;
      tb_.Tick();
      if (fire) break;
    }
    t.key_valid_i = 0;
    sim::SetBytes(t.key_i.data(), 256, std::vector<uint8_t>(32, 0));
    for (int i = 0; i < 100; ++i) {
      tb_.Eval();
      const bool done = t.key_done_o;
      tb_.Tick();
      if (done) return;
    }
    Error("key install did not finish");
  }

  void Add(LanePkt p) { pending_.push_back(std::move(p)); }

  // A key install in the packet stream: it starts when every packet added before it has been
  // handed to the lane (their traffic keeps flowing), and packets added after it are handed
  // over only once it is done, as the front end orders SA_CMD WRITE and jobs.
  void AddKey(uint16_t slot, const std::vector<uint8_t>& key) {
    LanePkt k;
    k.key_only = true;
    k.slot = slot;
    k.key = key;
    pending_.push_back(std::move(k));
  }

  // Clocks until every packet added has its result and output, or max_cycles pass.
  void Run(uint64_t max_cycles) {
    const uint64_t stop = tb_.cycles() + max_cycles;
    while (!AllDone() && tb_.cycles() < stop) Cycle();
    if (!AllDone()) Error("timeout with packets outstanding");
    auto& t = tb_.model();
    t.job_valid_i = 0;
    t.in_valid_i = 0;
  }

  const LaneStats& stats() const { return stats_; }
  void ResetStats() { stats_ = LaneStats{}; }
  const std::vector<std::string>& errors() const { return errors_; }
  const std::deque<LanePkt>& done() const { return done_; }

 private:
  bool AllDone() const { return pending_.empty() && jobs_.empty(); }

  void Error(const std::string& e) {
    if (errors_.size() < 20) errors_.push_back(e);
  }

  void DriveJob(const LanePkt& p) {
    uint32_t w[10];
    PackJob(p, w);
    auto& t = tb_.model();
    for (int i = 0; i < 10; ++i) t.job_i[i] = w[i];
  }

  void Cycle() {
    auto& t = tb_.model();
    // Key install item at the front: drive the key port; no job meanwhile.
    const bool key_item = !job_presenting_ && !pending_.empty() && pending_.front().key_only;
    t.key_valid_i = key_item && key_state_ == 0;
    if (key_item && key_state_ == 0) {
      std::vector<uint8_t> bus(32, 0);
      std::copy(pending_.front().key.begin(), pending_.front().key.end(), bus.begin());
      t.key_slot_i = pending_.front().slot;
      t.key_aes256_i = pending_.front().key.size() == 32;
      sim::SetBytes(t.key_i.data(), 256, bus);
    }
    // Job: the next pending packet.
    if (!job_presenting_ && !pending_.empty() && !pending_.front().key_only) {
      job_presenting_ = static_cast<int>(rng_() % 100) < opt_.p_job;
    }
    t.job_valid_i = job_presenting_;
    if (job_presenting_) DriveJob(pending_.front());
    // In beats: of jobs already accepted, in order.
    if (!in_presenting_ && in_job_ < jobs_.size()) {
      in_presenting_ = static_cast<int>(rng_() % 100) < opt_.p_in;
    }
    t.in_valid_i = in_presenting_;
    if (in_presenting_) {
      const LanePkt& p = jobs_[in_job_];
      std::vector<uint8_t> beat(16);
      for (auto& b : beat) b = static_cast<uint8_t>(rng_());  // garbage past the end
      const size_t off = 16 * in_beat_;
      const size_t n = std::min<size_t>(16, p.in.size() - off);
      std::copy(p.in.begin() + static_cast<long>(off), p.in.begin() + static_cast<long>(off + n),
                beat.begin());
      sim::SetBytes(t.in_data_i.data(), 128, beat);
      t.in_keep_i = static_cast<uint16_t>(0xffff0000u >> n);
      t.in_last_i = off + 16 >= p.in.size();
    }
    t.res_ready_i = static_cast<int>(rng_() % 100) < opt_.p_res;
    t.out_ready_i = static_cast<int>(rng_() % 100) < opt_.p_out;
    tb_.Eval();

    const uint64_t now = tb_.cycles();
    if (t.in_valid_i && !t.in_ready_o) ++stats_.in_stalls;
    const bool job_fire = t.job_valid_i && t.job_ready_o;
    if (key_item && key_state_ == 0 && t.key_ready_o) {
      key_state_ = 1;
    } else if (key_item && key_state_ == 1 && t.key_done_o) {
      key_state_ = 0;
      pending_.pop_front();
      ++stats_.key_installs;
    }
    const bool in_fire = t.in_valid_i && t.in_ready_o;
    const bool res_fire = t.res_valid_o && t.res_ready_i;
    const bool out_fire = t.out_valid_o && t.out_ready_i;
    if (in_fire) {
      if (stats_.first_in == 0 && stats_.packets == 0) stats_.first_in = now;
      in_presenting_ = false;
      ++in_beat_;
      if (16 * in_beat_ >= jobs_[in_job_].in.size()) {
        ++in_job_;
        in_beat_ = 0;
      }
    }
    if (res_fire) {
      if (stats_.first_res == 0) stats_.first_res = now;
      TakeResult(now);
    }
    if (out_fire) TakeOut(now);
    if (job_fire) {
      job_presenting_ = false;
      jobs_.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    tb_.Tick();
    ++stats_.cycles;
    Retire(now);
  }

  void TakeResult(uint64_t) {
    auto& t = tb_.model();
    if (res_idx_ >= jobs_.size()) {
      Error("result with no job outstanding");
      return;
    }
    LanePkt& p = jobs_[res_idx_++];
    const uint64_t r = t.res_o;
    p.got_res = true;
    p.got_inner_len = static_cast<uint32_t>(r & 0x3fff);
    p.got_out_len = static_cast<uint32_t>((r >> 14) & 0x3fff);
    p.got_icv_ok = static_cast<uint32_t>((r >> 28) & 1);
    p.got_status = static_cast<uint32_t>((r >> 29) & 0xf);
  }

  void TakeOut(uint64_t) {
    auto& t = tb_.model();
    // The oldest packet with a result whose output is not complete.
    while (out_idx_ < res_idx_ && jobs_[out_idx_].got_out.size() >= jobs_[out_idx_].got_out_len) {
      ++out_idx_;
    }
    if (out_idx_ >= res_idx_) {
      Error("output beat before its result");
      return;
    }
    LanePkt& p = jobs_[out_idx_];
    std::vector<uint8_t> beat(16);
    sim::GetBytes(t.out_data_o.data(), 128, beat);
    const size_t n = std::min<size_t>(16, p.got_out_len - p.got_out.size());
    const uint16_t want_keep = static_cast<uint16_t>(0xffff0000u >> n);
    if (t.out_keep_o != want_keep) Error(p.what + ": out_keep_o");
    if (static_cast<bool>(t.out_last_o) != (p.got_out.size() + n == p.got_out_len)) {
      Error(p.what + ": out_last_o");
    }
    p.got_out.insert(p.got_out.end(), beat.begin(), beat.begin() + static_cast<long>(n));
  }

  // Checks and retires packets at the front that are complete.
  void Retire(uint64_t now) {
    while (!jobs_.empty() && res_idx_ > 0 && in_job_ > 0) {
      LanePkt& p = jobs_.front();
      if (!p.got_res || p.got_out.size() < p.got_out_len) return;
      Check(p);
      stats_.last_out = now;
      stats_.beat_limit += p.BeatLimit();
      ++stats_.packets;
      if (keep_done_) done_.push_back(std::move(p));
      jobs_.pop_front();
      --res_idx_;
      --in_job_;
      if (out_idx_ > 0) --out_idx_;
    }
  }

  void Check(const LanePkt& p) {
    const std::string w = p.what + " (" + (p.cfg.tunnel ? "tunnel" : "transport") +
                          (p.cfg.natt ? " natt" : "") + (p.cfg.esn ? " esn" : "") +
                          (p.explicit_iv ? " iv" : "") + ")";
    if (p.got_status != static_cast<uint32_t>(p.want_status)) {
      Error(w + ": status " + std::to_string(p.got_status) + " want " +
            std::to_string(static_cast<int>(p.want_status)));
      return;
    }
    if (p.got_out_len != p.want_out.size()) {
      Error(w + ": out_len " + std::to_string(p.got_out_len) + " want " +
            std::to_string(p.want_out.size()));
      return;
    }
    if (p.got_out != p.want_out) {
      size_t i = 0;
      while (p.got_out[i] == p.want_out[i]) ++i;
      Error(w + ": output differs at byte " + std::to_string(i));
    }
    if (p.got_inner_len != p.want_inner_len) {
      Error(w + ": inner_len " + std::to_string(p.got_inner_len) + " want " +
            std::to_string(p.want_inner_len));
    }
    const bool want_icv_ok = p.decap && p.want_status != Status::kAuthFail;
    if (static_cast<bool>(p.got_icv_ok) != want_icv_ok) Error(w + ": icv_ok");
  }

 public:
  bool keep_done_ = false;  // keep checked packets in done() (for per-packet inspection)

 private:
  sim::Tb<Model>& tb_;
  LaneDriverOptions opt_;
  std::mt19937_64 rng_;
  std::deque<LanePkt> pending_, jobs_;  // jobs_: accepted by the lane, not yet retired
  std::deque<LanePkt> done_;
  bool job_presenting_ = false, in_presenting_ = false;
  int key_state_ = 0;                // key item: 0 request, 1 installing
  size_t in_job_ = 0, in_beat_ = 0;  // index into jobs_ of the packet whose beats go in
  size_t res_idx_ = 0, out_idx_ = 0;
  LaneStats stats_;
  std::vector<std::string> errors_;
};

}  // namespace ipsec::rtltest
