// Table-driven codec for RFC 7296 payloads. Every parse function receives the payload body
// (generic header stripped, length already checked against the row's minimum) and reads it
// through Reader, which checks each length before reading.
#include <openssl/crypto.h>

#include <algorithm>
#include <array>

#include "hw/util/endian.h"
#include "ike/crypto/sk_cipher.h"
#include "ike/message/message.h"

namespace ipsec::ike {
namespace {

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  bool Has(size_t n) const { return b_.size() - pos_ >= n; }
  size_t left() const { return b_.size() - pos_; }
  uint8_t U8() { return b_[pos_++]; }
  uint16_t U16() {
    uint16_t v = util::LoadBe16(&b_[pos_]);
    pos_ += 2;
    return v;
  }
  uint32_t U32() {
    uint32_t v = util::LoadBe32(&b_[pos_]);
    pos_ += 4;
    return v;
  }
  std::vector<uint8_t> Bytes(size_t n) {
    std::vector<uint8_t> v(b_.begin() + pos_, b_.begin() + pos_ + n);
    pos_ += n;
    return v;
  }
  std::span<const uint8_t> Span(size_t n) {
    auto s = b_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::vector<uint8_t> Rest() { return Bytes(left()); }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
  void U8(uint8_t v) { out_.push_back(v); }
  void U16(uint16_t v) {
    uint8_t b[2];
    util::StoreBe16(b, v);
    out_.insert(out_.end(), b, b + 2);
  }
  void U32(uint32_t v) {
    uint8_t b[4];
    util::StoreBe32(b, v);
    out_.insert(out_.end(), b, b + 4);
  }
  void Bytes(std::span<const uint8_t> v) { out_.insert(out_.end(), v.begin(), v.end()); }
  size_t pos() const { return out_.size(); }
  void PatchU16(size_t at, uint16_t v) { util::StoreBe16(&out_[at], v); }

 private:
  std::vector<uint8_t>& out_;
};

Error Malformed(std::string what) { return Error{Errc::kMalformed, std::move(what)}; }

// ---- SA (3.3) ----
Result<PayloadBody> ParseSa(Reader& r) {
  SaPayload sa;
  bool last = false;
  while (!last) {
    if (!r.Has(8)) return tl::unexpected(Malformed("SA: truncated proposal header"));
    uint8_t more = r.U8();
    r.U8();
    uint16_t plen = r.U16();
    if (more != 0 && more != 2) return tl::unexpected(Malformed("SA: bad last-proposal flag"));
    last = more == 0;
    if (plen < 8 || !r.Has(plen - 4))
      return tl::unexpected(
          Malformed("SA: proposal length " + std::to_string(plen) + " exceeds the payload"));
    Reader pr(r.Span(plen - 4));
    Proposal p;
    p.number = pr.U8();
    p.protocol = pr.U8();
    uint8_t spi_size = pr.U8();
    uint8_t ntrans = pr.U8();
    if (!pr.Has(spi_size)) return tl::unexpected(Malformed("SA: SPI exceeds the proposal"));
    p.spi = pr.Bytes(spi_size);
    for (int i = 0; i < ntrans; ++i) {
      if (!pr.Has(8)) return tl::unexpected(Malformed("SA: truncated transform"));
      uint8_t tmore = pr.U8();
      pr.U8();
      uint16_t tlen = pr.U16();
      if ((tmore != 0 && tmore != 3) || (tmore == 0) != (i == ntrans - 1))
        return tl::unexpected(Malformed("SA: transform count and last flags disagree"));
      if (tlen < 8 || !pr.Has(tlen - 4))
        return tl::unexpected(Malformed("SA: transform length exceeds the proposal"));
      Reader tr(pr.Span(tlen - 4));
      Transform t;
      t.type = tr.U8();
      tr.U8();
      t.id = tr.U16();
      while (tr.left() > 0) {
        if (!tr.Has(4)) return tl::unexpected(Malformed("SA: truncated transform attribute"));
        uint16_t at = tr.U16();
        uint16_t av = tr.U16();
        if (at & 0x8000) {
          if ((at & 0x7fff) == 14)
            t.key_bits = av;
          else
            t.unknown_attr = true;
        } else {  // TLV
          if (!tr.Has(av)) return tl::unexpected(Malformed("SA: attribute exceeds transform"));
          tr.Span(av);
          t.unknown_attr = true;
        }
      }
      p.transforms.push_back(t);
    }
    if (pr.left() != 0) return tl::unexpected(Malformed("SA: bytes after the last transform"));
    sa.proposals.push_back(std::move(p));
  }
  if (r.left() != 0) return tl::unexpected(Malformed("SA: bytes after the last proposal"));
  return sa;
}

void WriteSa(const PayloadBody& b, Writer& w) {
  const auto& sa = std::get<SaPayload>(b);
  for (size_t i = 0; i < sa.proposals.size(); ++i) {
    const Proposal& p = sa.proposals[i];
    w.U8(i + 1 == sa.proposals.size() ? 0 : 2);
    w.U8(0);
    size_t len_at = w.pos();
    w.U16(0);
    size_t start = len_at - 2;
    w.U8(p.number);
    w.U8(p.protocol);
    w.U8(static_cast<uint8_t>(p.spi.size()));
    w.U8(static_cast<uint8_t>(p.transforms.size()));
    w.Bytes(p.spi);
    for (size_t j = 0; j < p.transforms.size(); ++j) {
      const Transform& t = p.transforms[j];
      w.U8(j + 1 == p.transforms.size() ? 0 : 3);
      w.U8(0);
      w.U16(t.key_bits ? 12 : 8);
      w.U8(t.type);
      w.U8(0);
      w.U16(t.id);
      if (t.key_bits) {
        w.U16(0x8000 | 14);
        w.U16(t.key_bits);
      }
    }
    w.PatchU16(len_at, static_cast<uint16_t>(w.pos() - start));
  }
}

// ---- KE (3.4) ----
Result<PayloadBody> ParseKe(Reader& r) {
  KePayload ke;
  ke.group = r.U16();
  r.U16();
  ke.data = r.Rest();
  return ke;
}
void WriteKe(const PayloadBody& b, Writer& w) {
  const auto& ke = std::get<KePayload>(b);
  w.U16(ke.group);
  w.U16(0);
  w.Bytes(ke.data);
}

// ---- IDi/IDr (3.5) ----
Result<PayloadBody> ParseId(Reader& r) {
  IdPayload id;
  id.id_type = r.U8();
  for (auto& x : id.reserved) x = r.U8();
  id.data = r.Rest();
  return id;
}
void WriteId(const PayloadBody& b, Writer& w) { w.Bytes(std::get<IdPayload>(b).Body()); }

// ---- CERT/CERTREQ (3.6, 3.7) ----
Result<PayloadBody> ParseCert(Reader& r) {
  CertPayload c;
  c.encoding = r.U8();
  c.data = r.Rest();
  return c;
}
void WriteCert(const PayloadBody& b, Writer& w) {
  const auto& c = std::get<CertPayload>(b);
  w.U8(c.encoding);
  w.Bytes(c.data);
}

// ---- AUTH (3.8) ----
Result<PayloadBody> ParseAuth(Reader& r) {
  AuthPayload a;
  a.method = r.U8();
  r.U8();
  r.U8();
  r.U8();
  a.data = r.Rest();
  return a;
}
void WriteAuth(const PayloadBody& b, Writer& w) {
  const auto& a = std::get<AuthPayload>(b);
  w.U8(a.method);
  w.U8(0);
  w.U8(0);
  w.U8(0);
  w.Bytes(a.data);
}

// ---- Ni/Nr (3.9): 16..256 bytes ----
Result<PayloadBody> ParseNonce(Reader& r) {
  if (r.left() > 256) return tl::unexpected(Malformed("nonce longer than 256 bytes"));
  return NoncePayload{r.Rest()};
}
void WriteNonce(const PayloadBody& b, Writer& w) { w.Bytes(std::get<NoncePayload>(b).data); }

// ---- N (3.10) ----
Result<PayloadBody> ParseNotify(Reader& r) {
  NotifyPayload n;
  n.protocol = r.U8();
  uint8_t spi_size = r.U8();
  n.type = r.U16();
  if (!r.Has(spi_size)) return tl::unexpected(Malformed("N: SPI exceeds the payload"));
  n.spi = r.Bytes(spi_size);
  n.data = r.Rest();
  return n;
}
void WriteNotify(const PayloadBody& b, Writer& w) {
  const auto& n = std::get<NotifyPayload>(b);
  w.U8(n.protocol);
  w.U8(static_cast<uint8_t>(n.spi.size()));
  w.U16(n.type);
  w.Bytes(n.spi);
  w.Bytes(n.data);
}

// ---- D (3.11) ----
Result<PayloadBody> ParseDelete(Reader& r) {
  DeletePayload d;
  d.protocol = r.U8();
  d.spi_size = r.U8();
  uint16_t n = r.U16();
  if (size_t{n} * d.spi_size != r.left())
    return tl::unexpected(Malformed("D: " + std::to_string(n) + " SPIs of " +
                                    std::to_string(d.spi_size) + " bytes do not fill " +
                                    std::to_string(r.left()) + " bytes"));
  for (int i = 0; i < n; ++i) d.spis.push_back(r.Bytes(d.spi_size));
  return d;
}
void WriteDelete(const PayloadBody& b, Writer& w) {
  const auto& d = std::get<DeletePayload>(b);
  w.U8(d.protocol);
  w.U8(d.spi_size);
  w.U16(static_cast<uint16_t>(d.spis.size()));
  for (const auto& s : d.spis) w.Bytes(s);
}

// ---- V (3.12) ----
Result<PayloadBody> ParseVendor(Reader& r) { return VendorPayload{r.Rest()}; }
void WriteVendor(const PayloadBody& b, Writer& w) { w.Bytes(std::get<VendorPayload>(b).data); }

// ---- TSi/TSr (3.13) ----
Result<PayloadBody> ParseTs(Reader& r) {
  TsPayload ts;
  uint8_t n = r.U8();
  r.U8();
  r.U8();
  r.U8();
  if (n == 0) return tl::unexpected(Malformed("TS: zero traffic selectors"));
  for (int i = 0; i < n; ++i) {
    if (!r.Has(8)) return tl::unexpected(Malformed("TS: truncated selector"));
    TrafficSelector s;
    s.ts_type = r.U8();
    s.ip_proto = r.U8();
    uint16_t len = r.U16();
    s.start_port = r.U16();
    s.end_port = r.U16();
    size_t alen = s.ts_type == kTsIpv4AddrRange ? 4 : s.ts_type == kTsIpv6AddrRange ? 16 : 0;
    if (alen == 0)
      return tl::unexpected(Error{Errc::kUnsupported, "TS: type " + std::to_string(s.ts_type)});
    if (len != 8 + 2 * alen || !r.Has(2 * alen))
      return tl::unexpected(Malformed("TS: selector length " + std::to_string(len)));
    s.start = r.Bytes(alen);
    s.end = r.Bytes(alen);
    ts.selectors.push_back(std::move(s));
  }
  if (r.left() != 0) return tl::unexpected(Malformed("TS: bytes after the last selector"));
  return ts;
}
void WriteTs(const PayloadBody& b, Writer& w) {
  const auto& ts = std::get<TsPayload>(b);
  w.U8(static_cast<uint8_t>(ts.selectors.size()));
  w.U8(0);
  w.U8(0);
  w.U8(0);
  for (const auto& s : ts.selectors) {
    w.U8(s.ts_type);
    w.U8(s.ip_proto);
    w.U16(static_cast<uint16_t>(8 + s.start.size() + s.end.size()));
    w.U16(s.start_port);
    w.U16(s.end_port);
    w.Bytes(s.start);
    w.Bytes(s.end);
  }
}

// ---- CP, EAP, unknown ----
Result<PayloadBody> ParseRaw(Reader& r) { return RawPayload{r.Rest()}; }
void WriteRaw(const PayloadBody& b, Writer& w) { w.Bytes(std::get<RawPayload>(b).data); }

struct PayloadDesc {
  PayloadType type;
  const char* name;
  size_t min_body;
  Result<PayloadBody> (*parse)(Reader&);
  void (*write)(const PayloadBody&, Writer&);
};

// One row per payload type (RFC 7296 3.2 - 3.16). SK is handled by the message layer.
constexpr PayloadDesc kPayloads[] = {
    {PayloadType::kSa, "SA", 8, ParseSa, WriteSa},
    {PayloadType::kKe, "KE", 4, ParseKe, WriteKe},
    {PayloadType::kIdi, "IDi", 4, ParseId, WriteId},
    {PayloadType::kIdr, "IDr", 4, ParseId, WriteId},
    {PayloadType::kCert, "CERT", 1, ParseCert, WriteCert},
    {PayloadType::kCertReq, "CERTREQ", 1, ParseCert, WriteCert},
    {PayloadType::kAuth, "AUTH", 4, ParseAuth, WriteAuth},
    {PayloadType::kNonce, "No", 16, ParseNonce, WriteNonce},
    {PayloadType::kNotify, "N", 4, ParseNotify, WriteNotify},
    {PayloadType::kDelete, "D", 4, ParseDelete, WriteDelete},
    {PayloadType::kVendor, "V", 0, ParseVendor, WriteVendor},
    {PayloadType::kTsi, "TSi", 4, ParseTs, WriteTs},
    {PayloadType::kTsr, "TSr", 4, ParseTs, WriteTs},
    {PayloadType::kCp, "CP", 4, ParseRaw, WriteRaw},
    {PayloadType::kEap, "EAP", 4, ParseRaw, WriteRaw},
};

const PayloadDesc* Describe(PayloadType t) {
  for (const auto& d : kPayloads)
    if (d.type == t) return &d;
  return nullptr;
}

// Parses a chain; an SK payload ends it (its body is kept, `sk_base` is its offset base).
Result<std::vector<Payload>> ParseChain(PayloadType next, std::span<const uint8_t> bytes,
                                        size_t sk_base, bool allow_sk) {
  std::vector<Payload> out;
  size_t pos = 0;
  while (next != PayloadType::kNone) {
    if (bytes.size() - pos < 4)
      return Fail(Errc::kMalformed, "truncated generic header of " + PayloadName(next));
    const uint8_t* g = &bytes[pos];
    PayloadType following = static_cast<PayloadType>(g[0]);
    bool critical = g[1] & 0x80;
    uint16_t len = util::LoadBe16(g + 2);
    if (len < 4 || len > bytes.size() - pos)
      return Fail(Errc::kMalformed, PayloadName(next) + " length " + std::to_string(len) +
                                        " exceeds the " + std::to_string(bytes.size() - pos) +
                                        " bytes left");
    auto body = bytes.subspan(pos + 4, len - 4);
    Payload p{next, critical, RawPayload{}};
    if (next == PayloadType::kSk) {
      if (!allow_sk) return Fail(Errc::kMalformed, "SK payload inside SK payload");
      if (pos + len != bytes.size())
        return Fail(Errc::kMalformed, "SK payload is not the last payload");
      p.body = EncryptedPayload{following, sk_base + pos, {body.begin(), body.end()}};
      out.push_back(std::move(p));
      return out;
    }
    const PayloadDesc* d = Describe(next);
    if (d == nullptr) {
      if (critical)
        return Fail(Errc::kUnsupported,
                    "unsupported critical payload " + std::to_string(static_cast<int>(next)));
      p.body = RawPayload{{body.begin(), body.end()}};
    } else {
      if (body.size() < d->min_body)
        return Fail(Errc::kMalformed, std::string(d->name) + " body of " +
                                          std::to_string(body.size()) + " bytes, minimum " +
                                          std::to_string(d->min_body));
      Reader r(body);
      auto parsed = d->parse(r);
      if (!parsed) return tl::unexpected(parsed.error());
      p.body = std::move(*parsed);
    }
    out.push_back(std::move(p));
    pos += len;
    next = following;
  }
  if (pos != bytes.size())
    return Fail(Errc::kMalformed,
                std::to_string(bytes.size() - pos) + " bytes after the last payload");
  return out;
}

}  // namespace

std::vector<uint8_t> IdPayload::Body() const {
  std::vector<uint8_t> b{id_type, reserved[0], reserved[1], reserved[2]};
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::string PayloadName(PayloadType type) {
  if (type == PayloadType::kSk) return "SK";
  if (const PayloadDesc* d = Describe(type)) return d->name;
  return "payload" + std::to_string(static_cast<int>(type));
}

Result<Header> ParseHeader(std::span<const uint8_t> b) {
  if (b.size() < kHeaderSize)
    return Fail(Errc::kMalformed,
                "message of " + std::to_string(b.size()) + " bytes is shorter than the IKE header");
  Header h;
  h.spi_i = util::LoadBe64(&b[0]);
  h.spi_r = util::LoadBe64(&b[8]);
  h.next = static_cast<PayloadType>(b[16]);
  h.version = b[17];
  h.exchange = static_cast<ExchangeType>(b[18]);
  h.flags = b[19];
  h.message_id = util::LoadBe32(&b[20]);
  h.length = util::LoadBe32(&b[24]);
  if (h.version >> 4 != 2)
    return Fail(Errc::kUnsupported, "IKE major version " + std::to_string(h.version >> 4));
  if (h.length != b.size())
    return Fail(Errc::kMalformed, "header length " + std::to_string(h.length) +
                                      " but datagram has " + std::to_string(b.size()) + " bytes");
  return h;
}

Result<Message> ParseMessage(std::span<const uint8_t> bytes) {
  auto h = ParseHeader(bytes);
  if (!h) return tl::unexpected(h.error());
  auto payloads = ParseChain(h->next, bytes.subspan(kHeaderSize), kHeaderSize, true);
  if (!payloads) return tl::unexpected(payloads.error());
  return Message{*h, std::move(*payloads)};
}

Result<std::vector<Payload>> ParsePayloads(PayloadType first, std::span<const uint8_t> bytes) {
  return ParseChain(first, bytes, 0, false);
}

Status DecryptMessage(std::span<const uint8_t> bytes, const SkCipher& cipher, Message& msg) {
  if (msg.payloads.empty() || msg.payloads.back().type != PayloadType::kSk)
    return Fail(Errc::kMalformed, "no SK payload in " + msg.Summary());
  auto& sk = std::get<EncryptedPayload>(msg.payloads.back().body);
  if (sk.header_offset + 4 > bytes.size()) return Fail(Errc::kMalformed, "SK offset");
  auto plain = cipher.Open(bytes.first(sk.header_offset + 4), sk.body);
  if (!plain) return tl::unexpected(plain.error());
  auto inner = ParsePayloads(sk.inner_first, *plain);
  if (!inner) return tl::unexpected(inner.error());
  msg.payloads.pop_back();
  for (auto& p : *inner) msg.payloads.push_back(std::move(p));
  return {};
}

std::vector<uint8_t> SerializePayloads(const std::vector<Payload>& payloads, PayloadType* first) {
  std::vector<uint8_t> out;
  Writer w(out);
  for (size_t i = 0; i < payloads.size(); ++i) {
    const Payload& p = payloads[i];
    size_t start = w.pos();
    w.U8(static_cast<uint8_t>(i + 1 < payloads.size() ? payloads[i + 1].type : PayloadType::kNone));
    w.U8(p.critical ? 0x80 : 0);
    w.U16(0);
    if (const PayloadDesc* d = Describe(p.type)) {
      d->write(p.body, w);
    } else if (const auto* raw = std::get_if<RawPayload>(&p.body)) {
      w.Bytes(raw->data);
    }
    w.PatchU16(start + 2, static_cast<uint16_t>(w.pos() - start));
  }
  if (first) *first = payloads.empty() ? PayloadType::kNone : payloads.front().type;
  return out;
}

namespace {
void WriteHeader(const Header& h, PayloadType next, uint32_t length, std::vector<uint8_t>& out) {
  out.resize(kHeaderSize);
  util::StoreBe64(&out[0], h.spi_i);
  util::StoreBe64(&out[8], h.spi_r);
  out[16] = static_cast<uint8_t>(next);
  out[17] = h.version;
  out[18] = static_cast<uint8_t>(h.exchange);
  out[19] = h.flags;
  util::StoreBe32(&out[20], h.message_id);
  util::StoreBe32(&out[24], length);
}
}  // namespace

std::vector<uint8_t> SerializeMessage(const Message& msg) {
  PayloadType first;
  auto body = SerializePayloads(msg.payloads, &first);
  std::vector<uint8_t> out;
  WriteHeader(msg.header, first, static_cast<uint32_t>(kHeaderSize + body.size()), out);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<std::vector<uint8_t>> SerializeEncrypted(const Message& msg, SkCipher& cipher,
                                                Random& random) {
  PayloadType first;
  auto inner = SerializePayloads(msg.payloads, &first);
  const size_t sk_len = 4 + cipher.BodySize(inner.size());
  std::vector<uint8_t> out;
  WriteHeader(msg.header, PayloadType::kSk, static_cast<uint32_t>(kHeaderSize + sk_len), out);
  out.push_back(static_cast<uint8_t>(first));
  out.push_back(0);
  out.resize(out.size() + 2);
  util::StoreBe16(&out[kHeaderSize + 2], static_cast<uint16_t>(sk_len));
  auto body = cipher.Seal(out, inner, random);
  OPENSSL_cleanse(inner.data(), inner.size());
  if (!body) return tl::unexpected(body.error());
  out.insert(out.end(), body->begin(), body->end());
  return out;
}

}  // namespace ipsec::ike
