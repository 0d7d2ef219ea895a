// Header-only Verilator test-bench harness: clock, reset, cycle count, FST trace on demand.
//
//   ipsec::sim::Tb<Vesp_gcm> tb("esp_gcm");
//   tb.Reset();
//   tb->in_valid_i = 1;   // drive inputs between clock edges (clock is low here)
//   tb.Eval();            // settle combinational outputs that depend on the inputs
//   tb.Tick();            // one full clock: rising edge, then falling edge
//
// A clocked top has clk_i and an active-low reset rst_ni (STYLE.md section 3); a purely
// combinational top (no clk_i) may use the harness too, with Eval() only.
// Tracing: IPSEC_TRACE=1 writes <name>.fst into IPSEC_TRACE_DIR (default: the current
// directory). The trace is flushed and closed when the Tb is destroyed, so a failing test's
// waves are complete up to the failure. IPSEC_TRACE_FROM / IPSEC_TRACE_TO (clock cycles,
// optional) limit the trace to the clocks in [FROM, TO), for long runs.
//
// Bus helpers: rtl/ puts byte 0 of a multi-byte bus in its most significant byte (network
// order); SetBytes/GetBytes convert between such a bus and a byte array.
#pragma once

#include <verilated.h>
#include <verilated_fst_c.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>

namespace ipsec::sim {

template <class Model>
class Tb {
  static constexpr bool kClocked = requires(Model & m) {
    m.clk_i;
    m.rst_ni;
  };

 public:
  explicit Tb(std::string name = "tb") : name_(std::move(name)) {
    ctx_ = std::make_unique<VerilatedContext>();
    const char* trace = std::getenv("IPSEC_TRACE");
    const bool want_trace = trace != nullptr && std::string(trace) == "1";
    if (want_trace) ctx_->traceEverOn(true);
    model_ = std::make_unique<Model>(ctx_.get(), name_.c_str());
    if (want_trace) {
      const char* dir = std::getenv("IPSEC_TRACE_DIR");
      std::string path = std::string(dir != nullptr ? dir : ".") + "/" + name_ + ".fst";
      fst_ = std::make_unique<VerilatedFstC>();
      model_->trace(fst_.get(), 99);
      fst_->open(path.c_str());
      const char* from = std::getenv("IPSEC_TRACE_FROM");
      const char* to = std::getenv("IPSEC_TRACE_TO");
      if (from != nullptr) trace_from_ = std::strtoull(from, nullptr, 0);
      if (to != nullptr) trace_to_ = std::strtoull(to, nullptr, 0);
    }
    if constexpr (kClocked) {
      model_->clk_i = 0;
      model_->rst_ni = 1;
    }
    Eval();
  }

  Tb(const Tb&) = delete;
  Tb& operator=(const Tb&) = delete;

  ~Tb() {
    if (fst_) fst_->close();
    model_->final();
  }

  Model* operator->() { return model_.get(); }
  Model& model() { return *model_; }

  // Settles combinational logic after inputs changed (no clock edge).
  void Eval() { model_->eval(); }

  // One clock period: rising edge (registers load), then falling edge.
  void Tick() requires(kClocked) {
    model_->clk_i = 1;
    Step();
    model_->clk_i = 0;
    Step();
    ++cycles_;
  }

  // Asserts rst_ni (asynchronously) for `cycles` clocks, then releases it on a low clock.
  void Reset(int cycles = 2) requires(kClocked) {
    model_->rst_ni = 0;
    model_->eval();
    for (int i = 0; i < cycles; ++i) Tick();
    model_->rst_ni = 1;
    model_->eval();
  }

  uint64_t cycles() const { return cycles_; }
  VerilatedContext& context() { return *ctx_; }
  bool tracing() const { return fst_ != nullptr; }
  void FlushTrace() {
    if (fst_) fst_->flush();
  }

 private:
  void Step() {
    model_->eval();
    if (fst_ && cycles_ >= trace_from_ && cycles_ < trace_to_) fst_->dump(ctx_->time());
    ctx_->timeInc(5);
  }

  std::string name_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<VerilatedFstC> fst_;
  uint64_t cycles_ = 0;
  uint64_t trace_from_ = 0, trace_to_ = UINT64_MAX;
};

// Byte i of `bytes` goes to bits [width-1-8i -: 8] of the bus (byte 0 most significant).
// `words` is a Verilator wide port (WData[], 32 bits per word, word 0 = bits 31:0).
inline void SetBytes(WData* words, size_t width_bits, std::span<const uint8_t> bytes) {
  const size_t nwords = (width_bits + 31) / 32;
  for (size_t w = 0; w < nwords; ++w) words[w] = 0;
  const size_t nbytes = width_bits / 8;
  for (size_t i = 0; i < nbytes && i < bytes.size(); ++i) {
    const size_t bit = width_bits - 8 * (i + 1);
    words[bit / 32] |= static_cast<WData>(bytes[i]) << (bit % 32);
  }
}

inline void GetBytes(const WData* words, size_t width_bits, std::span<uint8_t> bytes) {
  const size_t nbytes = width_bits / 8;
  for (size_t i = 0; i < nbytes && i < bytes.size(); ++i) {
    const size_t bit = width_bits - 8 * (i + 1);
    bytes[i] = static_cast<uint8_t>(words[bit / 32] >> (bit % 32));
  }
}

}  // namespace ipsec::sim
