#include "host/espbench/traffic.h"

#include <algorithm>
#include <charconv>

#include "host/pcap_io.h"
#include "hw/model/esp.h"
#include "hw/util/check.h"
#include "hw/util/endian.h"

namespace ipsec::host::bench {
namespace {

using util::Fail;

// Simple IMIX (7:4:1 of 40, 576 and 1500-byte IP packets), as in Agilent's and Spirent's
// traffic generators and RFC 6985's discussion of IMIX.
constexpr size_t kImixSizes[3] = {40, 576, 1500};
constexpr unsigned kImixWeights[3] = {7, 4, 1};

bool ParseSize(std::string_view s, size_t* out) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && p == end;
}

BenchResult<size_t> CheckedSize(std::string_view s) {
  size_t v = 0;
  if (!ParseSize(s, &v)) return Fail(BenchErrc::kBadSpec, "size '" + std::string(s) + "'");
  if (v < kMinPacket || v > hw::kMaxPacket) {
    return Fail(BenchErrc::kBadSpec, "size " + std::to_string(v) + " outside " +
                                         std::to_string(kMinPacket) + ".." +
                                         std::to_string(hw::kMaxPacket));
  }
  return v;
}

void FillKey(util::SecretBytes& key, size_t len, std::mt19937_64& rng) {
  std::vector<uint8_t> k(len);
  for (auto& b : k) b = static_cast<uint8_t>(rng());
  key = util::SecretBytes(k);
  std::fill(k.begin(), k.end(), 0);
}

}  // namespace

BenchResult<SizeDist> SizeDist::Parse(std::string_view spec) {
  SizeDist d;
  d.label_ = std::string(spec);
  if (spec == "imix") {
    d.kind_ = Kind::kImix;
    return d;
  }
  if (spec.starts_with("uniform:")) {
    const std::string_view range = spec.substr(8);
    const size_t dash = range.find('-');
    if (dash == std::string_view::npos) {
      return Fail(BenchErrc::kBadSpec, "sizes '" + d.label_ + "': need uniform:LO-HI");
    }
    auto lo = CheckedSize(range.substr(0, dash));
    auto hi = CheckedSize(range.substr(dash + 1));
    if (!lo) return tl::unexpected(lo.error());
    if (!hi) return tl::unexpected(hi.error());
    if (*lo > *hi) return Fail(BenchErrc::kBadSpec, "sizes '" + d.label_ + "': LO > HI");
    d.kind_ = Kind::kUniform;
    d.sizes_ = {*lo, *hi};
    return d;
  }
  if (spec.starts_with("pcap:")) {
    auto records = ReadPcap(std::string(spec.substr(5)));
    if (!records) return Fail(BenchErrc::kIo, records.error().message);
    for (const auto& r : records->records) {
      if (r.packet.size() >= kMinPacket && r.packet.size() <= hw::kMaxPacket) {
        d.sizes_.push_back(r.packet.size());
      }
    }
    if (d.sizes_.empty()) return Fail(BenchErrc::kBadSpec, d.label_ + ": no usable IPv4 packet");
    return d;
  }
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    if (comma == std::string_view::npos) comma = spec.size();
    auto v = CheckedSize(spec.substr(start, comma - start));
    if (!v) return tl::unexpected(v.error());
    d.sizes_.push_back(*v);
    start = comma + 1;
  }
  return d;
}

size_t SizeDist::Next(std::mt19937_64& rng) {
  switch (kind_) {
    case Kind::kImix: {
      const unsigned r = static_cast<unsigned>(rng() % 12);
      return r < kImixWeights[0]                     ? kImixSizes[0]
             : r < kImixWeights[0] + kImixWeights[1] ? kImixSizes[1]
                                                     : kImixSizes[2];
    }
    case Kind::kUniform:
      return sizes_[0] + static_cast<size_t>(rng() % (sizes_[1] - sizes_[0] + 1));
    case Kind::kList:
      break;
  }
  const size_t s = sizes_[next_];
  next_ = (next_ + 1) % sizes_.size();
  return s;
}

double SizeDist::MeanBytes() const {
  switch (kind_) {
    case Kind::kImix:
      return (7.0 * 40 + 4.0 * 576 + 1500) / 12;
    case Kind::kUniform:
      return (static_cast<double>(sizes_[0]) + static_cast<double>(sizes_[1])) / 2;
    case Kind::kList:
      break;
  }
  double sum = 0;
  for (size_t s : sizes_) sum += static_cast<double>(s);
  return sum / static_cast<double>(sizes_.size());
}

std::vector<BenchSa> MakeSas(const SaMix& mix, uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x5a5a5a5a5a5a5a5aull);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<BenchSa> sas(mix.count);
  for (uint32_t i = 0; i < mix.count; ++i) {
    BenchSa& s = sas[i];
    const bool tunnel = u(rng) < mix.tunnel;
    const bool natt = u(rng) < mix.natt;
    const bool esn = u(rng) < mix.esn;
    const size_t key_len = u(rng) < mix.aes256 ? 32 : 16;
    s.inner_src = 0x0a010000u | (i & 0xffff);  // 10.1.x.y -> 10.2.x.y
    s.inner_dst = 0x0a020000u | (i & 0xffff);
    for (driver::SaParams* p : {&s.out, &s.in}) {
      p->tunnel = tunnel;
      p->natt = natt;
      p->esn = esn;
      p->tun_src = 0xc0000201;  // 192.0.2.1
      p->tun_dst = 0xc6336402;  // 198.51.100.2
      FillKey(p->key, key_len, rng);
      for (auto& b : p->salt) b = static_cast<uint8_t>(rng());
    }
    s.out.spi = 0x10000000u + 2 * i;
    // Inbound SPIs are spread so that each lands alone in its hash bucket for any table of at
    // least 2 * count slots: spi_hash(s) = s ^ s>>11 ^ s>>22 is the identity below 2^11.
    s.in.spi = 0x100u + i;
    s.in.inbound = true;
    s.in.window = 1024;
    // The peer encapsulates what the device's inbound SA decapsulates.
    hw::model::SaConfig& c = s.peer.cfg;
    c.tunnel = tunnel;
    c.natt = natt;
    c.esn = esn;
    c.spi = s.in.spi;
    std::copy(std::begin(s.in.salt), std::end(s.in.salt), c.salt);
    c.tun_src = s.in.tun_dst;
    c.tun_dst = s.in.tun_src;
    auto gcm = hw::model::AesGcm::Create(s.in.key.span());
    IPSEC_CHECK(gcm.has_value(), "AES-GCM key setup");
    s.peer.gcm = std::move(gcm);
  }
  return sas;
}

std::vector<uint8_t> MakePlaintext(size_t size, uint32_t src, uint32_t dst, std::mt19937_64& rng) {
  IPSEC_CHECK(size >= kMinPacket && size <= hw::kMaxPacket, "packet size");
  std::vector<uint8_t> p(size);
  p[0] = 0x45;
  util::StoreBe16(&p[2], static_cast<uint16_t>(size));
  util::StoreBe16(&p[4], static_cast<uint16_t>(rng()));
  p[8] = 64;
  p[9] = 17;
  util::StoreBe32(&p[12], src);
  util::StoreBe32(&p[16], dst);
  util::StoreBe16(&p[10], hw::model::Ipv4HeaderChecksum({p.data(), 20}));
  util::StoreBe16(&p[20], 5000);
  util::StoreBe16(&p[22], 6000);
  util::StoreBe16(&p[24], static_cast<uint16_t>(size - 20));
  // Payload: cheap deterministic bytes (the cipher does not care what they are).
  uint64_t x = rng();
  for (size_t i = 28; i < size; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    p[i] = static_cast<uint8_t>(x >> 56);
  }
  return p;
}

std::vector<uint8_t> MakeEsp(BenchSa& sa, const std::vector<uint8_t>& plain) {
  std::vector<uint8_t> out(plain.size() + hw::model::kMaxEncapOverhead);
  const hw::model::EspOutcome o = hw::model::EspEncap(sa.peer, plain, {}, out);
  IPSEC_CHECK(o.status == hw::Status::kOk, "peer encap of a generated packet");
  out.resize(o.out_len);
  return out;
}

}  // namespace ipsec::host::bench
