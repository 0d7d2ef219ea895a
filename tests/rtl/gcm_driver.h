// Stream driver and scoreboard for esp_gcm, shared by esp_gcm_test and the esp_gcm benchmark.
//
// Messages are queued with Add() (expected results come from OpenSSL through
// hw::model::AesGcm, or from a NIST CAVP vector); Run() clocks the core until all came out:
// - keys: each message names its key bytes; the driver installs keys ahead of use into
//   free key ids (a key id is free when no queued or in-flight message uses it), one install
//   at a time, through the core's key port only, and reuses an id that already holds the key;
// - in_*: beats of the front message, back to back; the header fields and in_tag_i are
//   randomized on the beats where the core must ignore them, and so are the bytes of in_tag_i
//   past in_tag_len_i on the last beat;
// - out_*: every beat is checked against the expected bytes, keep pattern, user tag, and on
//   the last beat the tag (encryption: its first tag_len bytes) or the verdict (decryption).
// Mismatches are collected in errors(); stats() has the cycle counts the tests assert on.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "hw/model/aes_gcm.h"
#include "sim/harness/tb.h"
#include "tests/rtl/rtl_test_util.h"

namespace ipsec::rtltest {

struct GcmMsg {
  std::vector<uint8_t> key, iv, aad, in, want_out;  // in: plaintext, or ciphertext to decrypt
  Block tag_in{};                                   // decryption: the tag to check
  Block want_tag{};                                 // encryption: the expected tag
  size_t tag_len = 16;  // tag bytes that count (SP 800-38D MSB_t): decryption in_tag_len_i,
                        // encryption the bytes of want_tag compared
  bool decrypt = false;
  bool want_ok = true;
  std::string where;
  // Filled in by the driver (cycle numbers of the beats that went through).
  int slot = -1;
  uint8_t user = 0;
  uint64_t first_in = 0, last_in = 0, first_out = 0, last_out = 0;
  uint64_t first_pl_in = 0;  // first payload beat in (0: no payload)
  std::vector<uint8_t> got_out;

  bool NeedsJ0Slot() const { return aad.empty() && !in.empty(); }
  size_t Beats() const {
    return std::max<size_t>(1, (aad.size() + 15) / 16 + (in.size() + 15) / 16);
  }
};

// The reference verdict of a decryption: OpenSSL EVP (hw::model::AesGcm::Open, which sets
// EVP_CTRL_GCM_SET_TAG to the first m.tag_len bytes of m.tag_in; 4..16 bytes).
inline bool OpenSslVerifies(const GcmMsg& m) {
  auto gcm = hw::model::AesGcm::Create(m.key);
  if (!gcm || m.tag_len < 4 || m.tag_len > 16) std::abort();
  std::vector<uint8_t> out(m.in.size());
  return gcm->Open(m.iv, m.aad, m.in, std::span<const uint8_t>(m.tag_in).first(m.tag_len), out);
}

// An encryption, or a decryption of the matching ciphertext (with a wrong tag byte 0 if
// `corrupt`), with a tag of tag_len bytes.
inline GcmMsg MakeGcmMsg(std::vector<uint8_t> key, std::vector<uint8_t> iv,
                         std::vector<uint8_t> aad, const std::vector<uint8_t>& pt, bool decrypt,
                         bool corrupt, size_t tag_len = 16) {
  GcmMsg m;
  m.key = std::move(key);
  m.iv = std::move(iv);
  m.aad = std::move(aad);
  m.decrypt = decrypt;
  m.tag_len = tag_len;
  auto gcm = hw::model::AesGcm::Create(m.key);
  std::vector<uint8_t> ct(pt.size());
  Block tag{};
  if (!gcm || !gcm->Seal(m.iv, m.aad, pt, ct, tag)) std::abort();
  if (!decrypt) {
    m.in = pt;
    m.want_out = ct;
    m.want_tag = tag;
    return m;
  }
  m.in = ct;
  m.tag_in = tag;
  if (corrupt) m.tag_in[0] ^= 0x01;
  m.want_ok = OpenSslVerifies(m);
  m.want_out = pt;  // the core releases plaintext before the verdict, right or wrong
  return m;
}

// P = C ^ AES-CTR keystream from counter block IV || 2 (SP 800-38D 7.2 step 3), through
// OpenSSL EVP AES-CTR: what the core outputs when decrypting, whatever the verdict.
inline std::vector<uint8_t> CtrDecrypt(const std::vector<uint8_t>& key,
                                       const std::vector<uint8_t>& iv,
                                       const std::vector<uint8_t>& ct) {
  const EVP_CIPHER* cipher = key.size() == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();
  uint8_t cb[16] = {};
  std::copy(iv.begin(), iv.end(), cb);
  cb[15] = 2;
  util::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  std::vector<uint8_t> out(ct.size());
  int n = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(), cb) != 1 ||
      (!ct.empty() &&
       EVP_EncryptUpdate(ctx.get(), out.data(), &n, ct.data(), static_cast<int>(ct.size())) != 1)) {
    std::abort();
  }
  return out;
}

struct GcmStats {
  uint64_t cycles = 0;      // clocks run
  uint64_t in_beats = 0;    // beats accepted
  uint64_t out_beats = 0;   // beats delivered
  uint64_t out_blocks = 0;  // beats delivered with payload (out_keep_o != 0)
  uint64_t stalls = 0;      // clocks with in_valid_i && !in_ready_o
  uint64_t j0_msgs = 0;     // messages with AAD empty and a payload (one stall each)
  uint64_t key_waits = 0;   // clocks the front message waited for its key install
  uint64_t installs = 0;    // keys installed
  uint64_t messages = 0;    // messages checked
  uint64_t gap_clocks = 0;  // clocks between one message's last beat and the next's first
  uint64_t first_fire = 0, last_fire = 0;                     // first and last accepted beat
  uint64_t max_first_latency = 0, min_first_latency = ~0ull;  // first beat in -> first out
  uint64_t max_block_latency = 0, min_block_latency = ~0ull;  // first payload in -> out
  uint64_t max_tag_latency = 0, min_tag_latency = ~0ull;      // last beat in -> tag out
};

struct GcmDriverOptions {
  int num_keys = 16;
  int p_valid = 100;  // percent: present the next beat when one is ready
  int p_ready = 100;  // percent: out_ready_i
  uint64_t seed = 1;
  bool check = true;  // compare outputs (off only to time the bare core)
};

template <class Model>
class GcmDriver {
 public:
  GcmDriver(sim::Tb<Model>& tb, GcmDriverOptions opt)
      : tb_(tb), opt_(opt), rng_(opt.seed), slots_(opt.num_keys) {}

  void Add(GcmMsg m) {
    m.user = static_cast<uint8_t>(added_++);
    pending_.push_back(std::move(m));
  }

  void ResetStats() { stats_ = GcmStats{}; }

  // Clocks until every message added so far has come out (or max_cycles pass).
  void Run(uint64_t max_cycles = 100'000'000) {
    const uint64_t stop = tb_.cycles() + max_cycles;
    while ((!pending_.empty() || !inflight_.empty()) && tb_.cycles() < stop) Cycle();
    if (!pending_.empty() || !inflight_.empty()) Error("timeout with messages outstanding");
  }

  const GcmStats& stats() const { return stats_; }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct Slot {
    std::vector<uint8_t> key;
    bool installed = false;
    int refs = 0;
    uint64_t last_use = 0;
  };

  void Error(const std::string& e) {
    if (errors_.size() < 20) errors_.push_back(e);
  }

  // Gives slots to the next messages; starts at most one install.
  void AssignSlots() {
    size_t look = std::min<size_t>(pending_.size(), 2 * slots_.size());
    for (size_t i = 0; i < look; ++i) {
      GcmMsg& m = pending_[i];
      if (m.slot >= 0) continue;
      int found = -1;
      for (int s = 0; s < static_cast<int>(slots_.size()); ++s) {
        const bool loaded = slots_[s].installed || s == installing_ || s == key_req_;
        if (slots_[s].key == m.key && loaded) found = s;
      }
      if (found < 0) {
        if (installing_ >= 0 || key_req_ >= 0) return;  // one install at a time, in order
        // A free key id (no queued or in-flight message uses it): an empty one if any, else
        // the one used least recently.
        for (int s = 0; s < static_cast<int>(slots_.size()); ++s) {
          if (slots_[s].refs != 0) continue;
          if (found < 0 || (!slots_[s].installed && slots_[found].installed) ||
              (slots_[s].installed == slots_[found].installed &&
               slots_[s].last_use < slots_[found].last_use)) {
            found = s;
          }
        }
        if (found < 0) return;
        slots_[found].key = m.key;
        slots_[found].installed = false;
        key_req_ = found;
      }
      m.slot = found;
      ++slots_[found].refs;
      slots_[found].last_use = ++use_seq_;
    }
  }

  void Cycle() {
    auto& t = tb_.model();
    AssignSlots();

    // Key port.
    t.key_valid_i = key_req_ >= 0;
    if (key_req_ >= 0) {
      const auto& k = slots_[key_req_].key;
      std::vector<uint8_t> bus(32, 0);
      std::copy(k.begin(), k.end(), bus.begin());
      t.key_id_i = key_req_;
      t.key_256_i = k.size() == 32;
      sim::SetBytes(t.key_i.data(), 256, bus);
    }

    // Input beat: the rest of the message being sent, or the first beat of the next one.
    if (!presenting_ && (sending_ || !pending_.empty())) {
      GcmMsg& m = Current();
      if (sending_ || (m.slot >= 0 && slots_[m.slot].installed)) {
        presenting_ = static_cast<int>(rng_() % 100) < opt_.p_valid;
      } else {
        ++stats_.key_waits;
      }
    }
    t.in_valid_i = presenting_;
    if (presenting_) DriveBeat(Current());
    t.out_ready_i = static_cast<int>(rng_() % 100) < opt_.p_ready;
    tb_.Eval();

    const uint64_t now = tb_.cycles();
    const bool key_fire = t.key_valid_i && t.key_ready_o;
    const bool key_done = t.key_done_o;
    const bool in_fire = t.in_valid_i && t.in_ready_o;
    if (t.in_valid_i && !t.in_ready_o) ++stats_.stalls;
    if (t.out_valid_o && t.out_ready_i) TakeOut(now);
    if (in_fire) {
      if (!sending_) {
        // A message is in flight from its first beat on: its output may start before its
        // last beat goes in.
        inflight_.push_back(std::move(pending_.front()));
        pending_.pop_front();
        sending_ = true;
      }
      GcmMsg& m = inflight_.back();
      if (beat_ == 0) {
        m.first_in = now;
        if (stats_.in_beats == 0) {
          stats_.first_fire = now;
        } else {
          stats_.gap_clocks += now - stats_.last_fire - 1;
        }
        if (m.NeedsJ0Slot()) ++stats_.j0_msgs;
      }
      if (beat_ == (m.aad.size() + 15) / 16 && !m.in.empty()) m.first_pl_in = now;
      ++stats_.in_beats;
      stats_.last_fire = now;
      presenting_ = false;
      if (++beat_ == m.Beats()) {
        m.last_in = now;
        sending_ = false;
        beat_ = 0;
      }
    }
    tb_.Tick();
    ++stats_.cycles;

    if (key_fire) {
      installing_ = key_req_;
      key_req_ = -1;
      ++stats_.installs;
    }
    if (key_done) {
      if (installing_ < 0) {
        Error("key_done_o without an install");
      } else {
        slots_[installing_].installed = true;
        installing_ = -1;
      }
    }
  }

  GcmMsg& Current() { return sending_ ? inflight_.back() : pending_.front(); }

  void DriveBeat(const GcmMsg& m) {
    auto& t = tb_.model();
    const size_t na = (m.aad.size() + 15) / 16, np = (m.in.size() + 15) / 16;
    Block data = RandomBlock(rng_);  // bytes past the end are garbage: the core ignores them
    uint16_t keep = 0;
    const std::vector<uint8_t>* src = nullptr;
    size_t off = 0;
    if (beat_ < na) {
      src = &m.aad;
      off = 16 * beat_;
    } else if (beat_ - na < np) {
      src = &m.in;
      off = 16 * (beat_ - na);
    }
    if (src != nullptr) {
      const size_t n = std::min<size_t>(16, src->size() - off);
      for (size_t i = 0; i < n; ++i) {
        data[i] = (*src)[off + i];
        keep |= static_cast<uint16_t>(0x8000u >> i);
      }
    }
    sim::SetBytes(t.in_data_i.data(), 128, data);
    t.in_keep_i = keep;
    t.in_last_i = beat_ + 1 == m.Beats();
    t.in_user_i = m.user;
    if (beat_ == 0) {
      t.in_key_id_i = m.slot;
      sim::SetBytes(t.in_iv_i.data(), 96, m.iv);
      t.in_aad_len_i = static_cast<uint32_t>(m.aad.size());
      t.in_pt_len_i = static_cast<uint32_t>(m.in.size());
      t.in_decrypt_i = m.decrypt;
    } else {
      // Header fields count on the first beat only: make them garbage elsewhere.
      t.in_key_id_i = rng_() % slots_.size();
      sim::SetBytes(t.in_iv_i.data(), 96, RandomBytes(rng_, 12));
      t.in_aad_len_i = static_cast<uint32_t>(rng_() % 65);
      t.in_pt_len_i = static_cast<uint32_t>(rng_() % 4096);
      t.in_decrypt_i = rng_() & 1;
    }
    // The tag and its length count on the last beat only, and only the first tag_len bytes of
    // the tag: garbage everywhere else.
    Block tag = RandomBlock(rng_);
    if (t.in_last_i) std::copy_n(m.tag_in.begin(), m.tag_len, tag.begin());
    sim::SetBytes(t.in_tag_i.data(), 128, tag);
    t.in_tag_len_i = t.in_last_i ? static_cast<uint32_t>(m.tag_len) : rng_() % 32;
  }

  void TakeOut(uint64_t now) {
    auto& t = tb_.model();
    ++stats_.out_beats;
    if (inflight_.empty()) {
      Error("output beat with no message in flight");
      return;
    }
    GcmMsg& m = inflight_.front();
    if (m.got_out.empty() && m.first_out == 0) {
      m.first_out = now;
      stats_.max_first_latency = std::max(stats_.max_first_latency, now - m.first_in);
      stats_.min_first_latency = std::min(stats_.min_first_latency, now - m.first_in);
      if (m.first_pl_in != 0) {
        stats_.max_block_latency = std::max(stats_.max_block_latency, now - m.first_pl_in);
        stats_.min_block_latency = std::min(stats_.min_block_latency, now - m.first_pl_in);
      }
    }
    if (t.out_keep_o != 0) ++stats_.out_blocks;
    if (opt_.check) {
      Block data;
      sim::GetBytes(t.out_data_o.data(), 128, data);
      const size_t remaining = m.want_out.size() - m.got_out.size();
      const size_t n = std::min<size_t>(16, remaining);
      const uint16_t want_keep = n == 0 ? 0 : static_cast<uint16_t>(0xffff0000u >> n);
      if (t.out_keep_o != want_keep) Error(m.where + ": out_keep_o");
      if (t.out_user_o != m.user) Error(m.where + ": out_user_o");
      for (size_t i = 0; i < n; ++i) m.got_out.push_back(data[i]);
      const bool want_last = m.got_out.size() == m.want_out.size();
      if (static_cast<bool>(t.out_last_o) != want_last) Error(m.where + ": out_last_o");
      if (!t.out_last_o) return;
      Block tag;
      sim::GetBytes(t.out_tag_o.data(), 128, tag);
      if (m.got_out != m.want_out) Error(m.where + ": payload out differs");
      if (m.decrypt) {
        if (tag != Block{}) Error(m.where + ": decryption released a tag");
        if (static_cast<bool>(t.out_tag_ok_o) != m.want_ok) {
          Error(m.where + ": verdict " + std::to_string(t.out_tag_ok_o));
        }
      } else if (!std::equal(tag.begin(), tag.begin() + m.tag_len, m.want_tag.begin()) ||
                 !t.out_tag_ok_o) {
        Error(m.where + ": tag differs");
      }
    } else if (!t.out_last_o) {
      return;
    }
    m.last_out = now;
    stats_.max_tag_latency = std::max(stats_.max_tag_latency, now - m.last_in);
    stats_.min_tag_latency = std::min(stats_.min_tag_latency, now - m.last_in);
    --slots_[m.slot].refs;
    ++stats_.messages;
    inflight_.pop_front();
  }

  sim::Tb<Model>& tb_;
  GcmDriverOptions opt_;
  std::mt19937_64 rng_;
  std::vector<Slot> slots_;
  std::deque<GcmMsg> pending_, inflight_;
  int key_req_ = -1;         // slot whose install is being requested on the key port
  int installing_ = -1;      // slot being installed
  bool presenting_ = false;  // in_valid_i is up with beat beat_ of Current()
  bool sending_ = false;     // inflight_.back() has beats still to go in
  size_t beat_ = 0;
  uint32_t added_ = 0;
  uint64_t use_seq_ = 0;
  GcmStats stats_;
  std::vector<std::string> errors_;
};

}  // namespace ipsec::rtltest
