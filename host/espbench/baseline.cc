#include "host/espbench/baseline.h"

#include <chrono>

#include "hw/model/esp.h"

namespace ipsec::host::bench {

BenchResult<BaselineResult> RunBaseline(const std::string& sizes, const SaMix& mix, uint64_t seed,
                                        double seconds) {
  auto dist = SizeDist::Parse(sizes);
  if (!dist) return tl::unexpected(dist.error());
  SaMix one = mix;
  one.count = 1;
  std::vector<BenchSa> sas = MakeSas(one, seed);
  BenchSa& sa = sas[0];
  // The packets are made before the clock starts: 256 of them, reused round robin.
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint8_t>> pkts;
  for (int i = 0; i < 256; ++i) {
    pkts.push_back(MakePlaintext(dist->Next(rng), sa.inner_src, sa.inner_dst, rng));
  }
  std::vector<uint8_t> out(hw::kMaxPacket + hw::model::kMaxEncapOverhead);
  BaselineResult r;
  r.sizes = sizes;
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    for (int k = 0; k < 64; ++k) {
      const auto& p = pkts[r.packets % pkts.size()];
      const hw::model::EspOutcome o = hw::model::EspEncap(sa.peer, p, {}, out);
      if (o.status != hw::Status::kOk) {
        return util::Fail(BenchErrc::kDevice,
                          std::string("software encap: ") + hw::StatusName(o.status));
      }
      ++r.packets;
      r.bytes += p.size();
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

}  // namespace ipsec::host::bench
