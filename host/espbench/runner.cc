#include "host/espbench/runner.h"

#include <algorithm>
#include <chrono>

#include "hw/model/esp.h"

namespace ipsec::host::bench {
namespace {

using util::Fail;

constexpr uint64_t kBeat = 16;
uint64_t BeatsOf(uint64_t bytes) { return (bytes + kBeat - 1) / kBeat; }

// What one posted descriptor needs later: its doorbell cycle and its cost.
struct InFlight {
  uint64_t doorbell = 0;
  size_t plain_len = 0;
  BeatCount beats;
};

}  // namespace

uint64_t BeatCount::limit() const { return std::max({aes, ghash, dma_read, dma_write}); }

BeatCount Beats(bool decap, size_t plain_len, const driver::SaParams& sa) {
  using namespace hw::model;
  // ESP payload: the whole packet (tunnel) or the packet past its 20-byte header (transport).
  const uint64_t payload = sa.tunnel ? plain_len : plain_len - kIpv4HeaderLen;
  const uint64_t ct = payload + (4 - (payload + 2) % 4) % 4 + 2;
  const uint64_t esp_pkt =
      kIpv4HeaderLen + (sa.natt ? kUdpHeaderLen : 0) + kEspHeaderLen + kEspIvLen + ct + 16;
  BeatCount b;
  b.aes = BeatsOf(ct) + 1;
  b.ghash = 1 + BeatsOf(ct) + 1;  // AAD (8 or 12 bytes) fits one block
  const uint64_t in = decap ? esp_pkt : plain_len;
  const uint64_t out = decap ? plain_len : esp_pkt;
  b.dma_read = hw::kSubmitBytes / kBeat + BeatsOf(in);
  b.dma_write = BeatsOf(out) + hw::kCompletionBytes / kBeat;
  return b;
}

Percentiles ComputePercentiles(std::vector<uint64_t> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = v.back();
  return p;
}

BenchResult<RunResult> RunTraffic(driver::Driver& drv, const RunConfig& cfg) {
  auto sizes = SizeDist::Parse(cfg.sizes);
  if (!sizes) return tl::unexpected(sizes.error());
  if (cfg.warmup >= cfg.packets) {
    return Fail(BenchErrc::kBadSpec, "packets must exceed warmup");
  }
  if (cfg.sas.count == 0) return Fail(BenchErrc::kBadSpec, "need at least one SA");
  hw::Device& dev = drv.device();

  std::vector<BenchSa> sas = MakeSas(cfg.sas, cfg.seed);
  std::vector<uint32_t> out_slot(sas.size()), in_slot(sas.size());
  for (size_t i = 0; i < sas.size(); ++i) {
    auto o = drv.InstallSa(sas[i].out);
    if (!o) return Fail(BenchErrc::kDevice, "install outbound SA: " + o.error().message);
    auto in = drv.InstallSa(sas[i].in);
    if (!in) return Fail(BenchErrc::kDevice, "install inbound SA: " + in.error().message);
    out_slot[i] = *o;
    in_slot[i] = *in;
  }

  std::mt19937_64 rng(cfg.seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const uint32_t nq = drv.queues();
  // Each SA belongs to one queue pair (SA i to queue i mod queues), as a NIC's receive-side
  // scaling keeps a flow on one queue: a queue's packets take its SAs at random, and an SA's
  // packets stay in order on their queue (the device forwards an SA's state between packets
  // of one queue only). A queue without an SA stays idle.
  std::vector<std::vector<size_t>> q_sas(nq);
  for (size_t i = 0; i < sas.size(); ++i) q_sas[i % nq].push_back(i);
  // Cookies are indexes into a ring of per-descriptor records, one per ring entry per queue.
  const size_t per_q = drv.ring_capacity() + 1;
  std::vector<InFlight> flight(per_q * nq);
  std::vector<uint64_t> latencies;
  latencies.reserve(cfg.packets);

  RunResult r;
  r.backend = std::string(dev.backend_name());
  r.lanes = std::max<uint32_t>(1, drv.info().lanes);
  r.queue_packets.assign(nq, 0);
  uint64_t posted = 0, done = 0;
  std::vector<uint64_t> next_cookie(nq, 0);
  const uint64_t start_cycles = dev.cycles();
  uint64_t t0 = start_cycles, t1 = start_cycles;
  const auto wall0 = std::chrono::steady_clock::now();

  auto post_some = [&]() -> BenchResult<bool> {
    for (uint32_t q = 0; q < nq && posted < cfg.packets; ++q) {
      std::vector<uint32_t> batch;
      while (!q_sas[q].empty() && posted < cfg.packets && drv.SubmitRoom(q) > 0 &&
             (cfg.inflight == 0 || posted - done < cfg.inflight)) {
        const size_t i = q_sas[q][static_cast<size_t>(rng() % q_sas[q].size())];
        const bool decap = u(rng) < cfg.decap;
        const size_t len = sizes->Next(rng);
        std::vector<uint8_t> pkt = MakePlaintext(len, sas[i].inner_src, sas[i].inner_dst, rng);
        if (decap) pkt = MakeEsp(sas[i], pkt);
        const uint32_t cookie = static_cast<uint32_t>(q * per_q + next_cookie[q] % per_q);
        ++next_cookie[q];
        flight[cookie] = {0, len, Beats(decap, len, decap ? sas[i].in : sas[i].out)};
        auto st = drv.Post(q, decap ? hw::Opcode::kDecap : hw::Opcode::kEncap,
                           decap ? in_slot[i] : out_slot[i], pkt, cookie);
        if (!st) return Fail(BenchErrc::kDevice, "post: " + st.error().message);
        batch.push_back(cookie);
        ++posted;
      }
      if (batch.empty()) continue;
      drv.Flush(q);
      const uint64_t now = dev.cycles();
      for (uint32_t c : batch) flight[c].doorbell = now;
    }
    return true;
  };

  while (done < cfg.packets) {
    auto ok = post_some();
    if (!ok) return tl::unexpected(ok.error());
    // With interrupts the runner sleeps until a vector fires (coalescing shows in latency).
    auto any = [&] {
      for (uint32_t q = 0; q < nq; ++q) {
        if (drv.HasCompletion(q) && (!cfg.interrupts || dev.IrqAsserted(q))) return true;
      }
      return false;
    };
    if (!dev.RunUntil(any, cfg.hang_cycles)) {
      return Fail(BenchErrc::kHung, "no completion for " + std::to_string(cfg.hang_cycles) +
                                        " cycles after " + std::to_string(done) + " packets");
    }
    const uint64_t now = dev.cycles();
    const uint64_t before = done;
    for (uint32_t q = 0; q < nq; ++q) {
      drv.Reap(q, [&](const driver::Completion& c) {
        // The cookie comes back from the device: checked before use.
        if (c.cookie >= flight.size()) {
          ++r.statuses["BAD_COOKIE"];
          ++done;
          return;
        }
        const InFlight& f = flight[c.cookie];
        ++r.statuses[hw::StatusName(c.status)];
        ++r.queue_packets[q];
        latencies.push_back(now - f.doorbell);
        ++done;
        if (done > cfg.warmup) {
          ++r.packets;
          r.bytes += f.plain_len;
          r.limit_beats += f.beats.limit();
          r.beats.aes += f.beats.aes;
          r.beats.ghash += f.beats.ghash;
          r.beats.dma_read += f.beats.dma_read;
          r.beats.dma_write += f.beats.dma_write;
        }
        if (done == cfg.warmup) t0 = now;
        if (done == cfg.packets) t1 = now;
      });
    }
    const uint64_t step = std::max<uint64_t>(1, cfg.packets / 100);
    if (cfg.progress && done / step != before / step) cfg.progress(done, cfg.packets);
  }
  r.cycles = t1 - t0;
  if (cfg.progress) cfg.progress(done, cfg.packets);
  r.total_cycles = dev.cycles() - start_cycles;
  r.latency = ComputePercentiles(std::move(latencies));
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  for (size_t i = 0; i < sas.size(); ++i) {
    (void)drv.RemoveSa(out_slot[i]);
    (void)drv.RemoveSa(in_slot[i]);
  }
  return r;
}

}  // namespace ipsec::host::bench
