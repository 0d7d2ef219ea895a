#include "hw/model/esp.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "hw/util/endian.h"

namespace ipsec::hw::model {
namespace {

using util::LoadBe16;
using util::LoadBe32;
using util::StoreBe16;
using util::StoreBe32;
using util::StoreBe64;

constexpr uint8_t kEcnMask = 0x03;
constexpr uint8_t kEcnCe = 0x03;
constexpr uint8_t kEcnEct0 = 0x02;
constexpr uint16_t kDfBit = 0x4000;

struct Ipv4View {
  size_t hlen = 0;
  size_t total = 0;
};

// A well-formed IPv4 header whose total length fits in `in`.
std::optional<Ipv4View> ParseIpv4(std::span<const uint8_t> in) {
  if (in.size() < kIpv4HeaderLen || (in[0] >> 4) != 4) return std::nullopt;
  Ipv4View v;
  v.hlen = size_t{in[0] & 0x0fu} * 4;
  v.total = LoadBe16(&in[2]);
  if (v.hlen < kIpv4HeaderLen || v.total < v.hlen || v.total > in.size()) return std::nullopt;
  return v;
}

void FinishIpv4Header(uint8_t* hdr, size_t hlen, size_t total, uint8_t proto) {
  StoreBe16(hdr + 2, static_cast<uint16_t>(total));
  hdr[9] = proto;
  StoreBe16(hdr + 10, 0);
  StoreBe16(hdr + 10, Ipv4HeaderChecksum({hdr, hlen}));
}

// Nonce = salt || IV (RFC 4106 section 4).
void MakeNonce(const Sa& sa, const uint8_t iv[kEspIvLen], uint8_t nonce[AesGcm::kIvLen]) {
  std::memcpy(nonce, sa.cfg.salt, 4);
  std::memcpy(nonce + 4, iv, kEspIvLen);
}

// AAD = SPI || seq (8 bytes), or SPI || seq_hi || seq_lo with ESN (RFC 4106 section 5).
size_t MakeAad(const Sa& sa, uint64_t seq, uint8_t aad[12]) {
  StoreBe32(aad, sa.cfg.spi);
  if (sa.cfg.esn) {
    StoreBe64(aad + 4, seq);
    return 12;
  }
  StoreBe32(aad + 4, static_cast<uint32_t>(seq));
  return 8;
}

}  // namespace

uint16_t Ipv4HeaderChecksum(std::span<const uint8_t> header) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < header.size(); i += 2) sum += LoadBe16(&header[i]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

EspOutcome EspEncap(Sa& sa, std::span<const uint8_t> in, std::span<const uint8_t> explicit_iv,
                    std::span<uint8_t> out) {
  auto ip = ParseIpv4(in);
  if (!ip) return {Status::kMalformed};
  const uint64_t max_seq = sa.cfg.esn ? ~uint64_t{0} : 0xffffffffull;
  if (sa.seq_exhausted || sa.next_seq > max_seq) {
    sa.seq_exhausted = true;
    return {Status::kSeqOverflow};
  }

  // Payload: the whole packet (tunnel) or what follows the IP header (transport).
  const size_t keep_hdr = sa.cfg.tunnel ? 0 : ip->hlen;
  std::span<const uint8_t> payload = in.subspan(keep_hdr, ip->total - keep_hdr);
  const uint8_t next_header = sa.cfg.tunnel ? kProtoIpip : in[9];
  const size_t pad = (4 - (payload.size() + 2) % 4) % 4;
  const size_t ct_len = payload.size() + pad + 2;
  const size_t icv = sa.icv_len();
  const size_t hdr_len = sa.cfg.tunnel ? kIpv4HeaderLen : ip->hlen;
  const size_t udp_len = sa.cfg.natt ? kUdpHeaderLen : 0;
  const size_t esp_len = kEspHeaderLen + kEspIvLen + ct_len + icv;
  const size_t total = hdr_len + udp_len + esp_len;
  if (total > out.size()) return {Status::kNoSpace};
  if (total > 0xffff) return {Status::kMalformed};

  const uint64_t seq = sa.next_seq;
  uint8_t* o = out.data();
  // IPv4 header.
  if (sa.cfg.tunnel) {
    const uint8_t inner_tos = in[1];
    uint8_t ecn = inner_tos & kEcnMask;
    if (ecn == kEcnCe) ecn = kEcnEct0;  // RFC 6040 normal mode: CE is not copied outward
    o[0] = 0x45;
    o[1] = static_cast<uint8_t>((inner_tos & ~kEcnMask) | ecn);
    StoreBe16(o + 4, sa.ip_id);
    StoreBe16(o + 6, LoadBe16(&in[6]) & kDfBit);  // DF copied, no fragment offset
    o[8] = 64;                                    // TTL
    StoreBe32(o + 12, sa.cfg.tun_src);
    StoreBe32(o + 16, sa.cfg.tun_dst);
  } else {
    std::memcpy(o, in.data(), ip->hlen);
  }
  FinishIpv4Header(o, hdr_len, total, sa.cfg.natt ? kProtoUdp : kProtoEsp);
  uint8_t* esp = o + hdr_len + udp_len;
  if (sa.cfg.natt) {
    uint8_t* udp = o + hdr_len;
    StoreBe16(udp, sa.cfg.sport);
    StoreBe16(udp + 2, sa.cfg.dport);
    StoreBe16(udp + 4, static_cast<uint16_t>(udp_len + esp_len));
    StoreBe16(udp + 6, 0);  // RFC 3948 section 2.1: checksum zero
  }
  // ESP header and IV.
  StoreBe32(esp, sa.cfg.spi);
  StoreBe32(esp + 4, static_cast<uint32_t>(seq));
  uint8_t* iv = esp + kEspHeaderLen;
  if (explicit_iv.size() == kEspIvLen) {
    std::memcpy(iv, explicit_iv.data(), kEspIvLen);
  } else {
    StoreBe64(iv, seq);
  }
  // Plaintext in place: payload || 1,2,3.. || pad_len || next_header.
  uint8_t* ct = iv + kEspIvLen;
  std::memcpy(ct, payload.data(), payload.size());
  for (size_t i = 0; i < pad; ++i) ct[payload.size() + i] = static_cast<uint8_t>(i + 1);
  ct[payload.size() + pad] = static_cast<uint8_t>(pad);
  ct[payload.size() + pad + 1] = next_header;

  uint8_t nonce[AesGcm::kIvLen], aad[12];
  MakeNonce(sa, iv, nonce);
  const size_t aad_len = MakeAad(sa, seq, aad);
  if (!sa.gcm->Seal(nonce, {aad, aad_len}, {ct, ct_len}, {ct, ct_len}, {ct + ct_len, icv})) {
    return {Status::kMalformed};
  }
  // The sequence counter stops at its maximum: the next encap reports SEQ_OVERFLOW.
  if (seq == max_seq) {
    sa.seq_exhausted = true;
  } else {
    sa.next_seq = seq + 1;
  }
  if (sa.cfg.tunnel) ++sa.ip_id;
  return {Status::kOk, total, seq};
}

std::optional<EspLocation> LocateEsp(std::span<const uint8_t> in) {
  auto ip = ParseIpv4(in);
  if (!ip) return std::nullopt;
  EspLocation loc;
  loc.ip_hlen = ip->hlen;
  const uint8_t proto = in[9];
  const uint16_t frag = LoadBe16(&in[6]);
  if ((frag & 0x3fff) != 0) return std::nullopt;  // fragments are reassembled before IPsec
  size_t off = ip->hlen;
  if (proto == kProtoUdp) {
    if (ip->total - off < kUdpHeaderLen) return std::nullopt;
    const size_t udp_len = LoadBe16(&in[off + 4]);
    if (LoadBe16(&in[off + 2]) != kNattPort || udp_len != ip->total - off) return std::nullopt;
    off += kUdpHeaderLen;
    loc.udp = true;
  } else if (proto != kProtoEsp) {
    return std::nullopt;
  }
  loc.esp_off = off;
  loc.esp_len = ip->total - off;
  // SPI + seq + IV + at least the 2-byte trailer + an 8-byte ICV; a shorter one (including the
  // 1-byte NAT keepalive and the non-ESP marker's SPI of 0, RFC 3948 2.2) is not ESP.
  if (loc.esp_len < kEspHeaderLen + kEspIvLen + 2 + 8) return std::nullopt;
  loc.spi = LoadBe32(&in[off]);
  if (loc.spi == 0) return std::nullopt;
  return loc;
}

EspOutcome EspDecap(Sa& sa, const EspLocation& loc, std::span<const uint8_t> in,
                    std::span<uint8_t> out) {
  const size_t icv = sa.icv_len();
  if (loc.esp_len < kEspHeaderLen + kEspIvLen + 2 + icv) return {Status::kMalformed};
  const uint8_t* esp = &in[loc.esp_off];
  const uint32_t seq_lo = LoadBe32(esp + 4);
  const ReplayWindow::Verdict v = sa.replay->Check(seq_lo);
  if (!v.ok) return {Status::kReplay, 0, v.seq};

  const uint8_t* iv = esp + kEspHeaderLen;
  const uint8_t* ct = iv + kEspIvLen;
  const size_t ct_len = loc.esp_len - kEspHeaderLen - kEspIvLen - icv;
  // Decrypt into the output buffer past the room a transport header needs; checked size first.
  const size_t hdr_len = sa.cfg.tunnel ? 0 : loc.ip_hlen;
  if (hdr_len + ct_len > out.size()) {
    // Still verify, so that a forged packet is AUTH_FAIL and not NO_SPACE.
    std::vector<uint8_t> scratch(ct_len);
    uint8_t nonce[AesGcm::kIvLen], aad[12];
    MakeNonce(sa, iv, nonce);
    const size_t aad_len = MakeAad(sa, v.seq, aad);
    if (!sa.gcm->Open(nonce, {aad, aad_len}, {ct, ct_len}, {ct + ct_len, icv}, scratch)) {
      return {Status::kAuthFail, 0, v.seq};
    }
    OPENSSL_cleanse(scratch.data(), scratch.size());
    return {Status::kNoSpace, 0, v.seq};
  }
  uint8_t* pt = out.data() + hdr_len;
  uint8_t nonce[AesGcm::kIvLen], aad[12];
  MakeNonce(sa, iv, nonce);
  const size_t aad_len = MakeAad(sa, v.seq, aad);
  if (!sa.gcm->Open(nonce, {aad, aad_len}, {ct, ct_len}, {ct + ct_len, icv}, {pt, ct_len})) {
    return {Status::kAuthFail, 0, v.seq};
  }
  sa.replay->Accept(v.seq);  // RFC 4303 3.4.3: only after the ICV verified

  const uint8_t pad_len = pt[ct_len - 2];
  const uint8_t next_header = pt[ct_len - 1];
  auto wipe = [&] { OPENSSL_cleanse(out.data(), hdr_len + ct_len); };
  if (size_t{pad_len} + 2 > ct_len) {
    wipe();
    return {Status::kBadPad, 0, v.seq};
  }
  const size_t payload_len = ct_len - 2 - pad_len;
  for (size_t i = 0; i < pad_len; ++i) {
    if (pt[payload_len + i] != static_cast<uint8_t>(i + 1)) {
      wipe();
      return {Status::kBadPad, 0, v.seq};
    }
  }
  if (sa.cfg.tunnel) {
    // The inner packet must be an IPv4 packet that fills the payload exactly.
    auto inner = ParseIpv4({pt, payload_len});
    if (next_header != kProtoIpip || !inner || inner->total != payload_len) {
      wipe();
      return {Status::kMalformed, 0, v.seq};
    }
    return {Status::kOk, payload_len, v.seq};
  }
  // Transport: the outer header with the protocol restored (RFC 4303 3.4.4.1).
  const size_t total = hdr_len + payload_len;
  std::memcpy(out.data(), in.data(), hdr_len);
  FinishIpv4Header(out.data(), hdr_len, total, next_header);
  return {Status::kOk, total, v.seq};
}

}  // namespace ipsec::hw::model
