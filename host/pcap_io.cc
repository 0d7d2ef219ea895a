#include "host/pcap_io.h"

#include <pcap/pcap.h>

#include <cstdio>
#include <utility>

#include "hw/util/endian.h"

namespace ipsec::host {
namespace {

using util::Fail;

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeVlan = 0x8100;  // 802.1Q C-tag
constexpr uint16_t kEtherTypeQinQ = 0x88A8;  // 802.1ad S-tag
constexpr size_t kEthHeaderLen = 14;         // dst, src, EtherType
constexpr size_t kVlanTagLen = 4;            // TPID already counted as EtherType; TCI + type
constexpr int kMaxVlanTags = 2;
constexpr size_t kIpv4MinHeader = 20;

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};
struct DumperCloser {
  void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); }
};
using PcapPtr = std::unique_ptr<pcap_t, PcapCloser>;
using DumperPtr = std::unique_ptr<pcap_dumper_t, DumperCloser>;

// File LINKTYPE_ value for the DLT_ value libpcap reports (they differ only for raw IP).
std::optional<uint32_t> LinkTypeOf(int dlt) {
  switch (dlt) {
    case DLT_EN10MB:
      return kLinkTypeEthernet;
    case DLT_RAW:
      return kLinkTypeRaw;
    case DLT_IPV4:
      return kLinkTypeIpv4;
    default:
      return std::nullopt;
  }
}

std::string DltName(int dlt) {
  const char* name = pcap_datalink_val_to_name(dlt);
  return std::to_string(dlt) + " (" + (name != nullptr ? name : "unknown") + ")";
}

}  // namespace

std::optional<std::span<const uint8_t>> Ipv4FromEthernet(std::span<const uint8_t> frame,
                                                         bool* too_short) {
  if (too_short != nullptr) *too_short = false;
  auto short_frame = [&]() -> std::optional<std::span<const uint8_t>> {
    if (too_short != nullptr) *too_short = true;
    return std::nullopt;
  };
  if (frame.size() < kEthHeaderLen) return short_frame();
  size_t off = kEthHeaderLen;
  uint16_t type = util::LoadBe16(frame.data() + 12);
  for (int tags = 0; (type == kEtherTypeVlan || type == kEtherTypeQinQ) && tags < kMaxVlanTags;
       ++tags) {
    if (frame.size() < off + kVlanTagLen) return short_frame();
    type = util::LoadBe16(frame.data() + off + 2);  // after the 2-byte TCI
    off += kVlanTagLen;
  }
  if (type != kEtherTypeIpv4) return std::nullopt;
  std::span<const uint8_t> ip = frame.subspan(off);
  // Frames shorter than 60 bytes are padded on the wire: cut at the IPv4 total length when the
  // header is there to say it (a bad header is left whole for the datapath to reject).
  if (ip.size() >= kIpv4MinHeader && (ip[0] >> 4) == 4) {
    const uint16_t total = util::LoadBe16(ip.data() + 2);
    if (total >= kIpv4MinHeader && total < ip.size()) ip = ip.first(total);
  }
  return ip;
}

PcapResult<PcapInput> ReadPcap(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapPtr p(
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf));
  if (!p) {
    // libpcap names the file in some messages (missing file) and not in others (bad format).
    std::string why = errbuf;
    if (why.starts_with(path + ": ")) why.erase(0, path.size() + 2);
    return Fail(PcapErrc::kOpen, path + ": cannot read as pcap: " + why);
  }
  const int dlt = pcap_datalink(p.get());
  const std::optional<uint32_t> link_type = LinkTypeOf(dlt);
  if (!link_type) {
    return Fail(PcapErrc::kLinkType, path + ": link type " + DltName(dlt) +
                                         " not supported (Ethernet 1, raw IP 101 or IPv4 228)");
  }
  PcapInput in;
  in.link_type = *link_type;
  for (;;) {
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(p.get(), &hdr, &data);
    if (rc == PCAP_ERROR_BREAK) break;  // end of file
    if (rc != 1) {
      return Fail(PcapErrc::kTruncated, path + ": record " + std::to_string(in.stats.records + 1) +
                                            " unreadable: " + pcap_geterr(p.get()));
    }
    ++in.stats.records;
    std::span<const uint8_t> frame(data, hdr->caplen);
    std::optional<std::span<const uint8_t>> ip;
    switch (in.link_type) {
      case kLinkTypeEthernet: {
        bool too_short = false;
        ip = Ipv4FromEthernet(frame, &too_short);
        if (!ip) ++(too_short ? in.stats.skipped_short : in.stats.skipped_non_ipv4);
        break;
      }
      case kLinkTypeRaw:
        if (!frame.empty() && (frame[0] >> 4) == 4) {
          ip = frame;
        } else {
          ++in.stats.skipped_non_ipv4;
        }
        break;
      default:  // kLinkTypeIpv4
        ip = frame;
        break;
    }
    if (!ip) continue;
    if (hdr->caplen < hdr->len) ++in.stats.snapped;
    ++in.stats.ipv4;
    in.records.push_back(PcapRecord{PcapTimestamp{static_cast<uint32_t>(hdr->ts.tv_sec),
                                                  static_cast<uint32_t>(hdr->ts.tv_usec)},
                                    std::vector<uint8_t>(ip->begin(), ip->end())});
  }
  return in;
}

struct PcapWriter::Handles {
  PcapPtr pcap;
  DumperPtr dumper;
};

PcapWriter::PcapWriter(std::unique_ptr<Handles> h, std::string path)
    : h_(std::move(h)), path_(std::move(path)) {}
PcapWriter::PcapWriter(PcapWriter&&) noexcept = default;
PcapWriter& PcapWriter::operator=(PcapWriter&& other) noexcept {
  if (this != &other) {
    (void)Close();
    h_ = std::move(other.h_);
    path_ = std::move(other.path_);
    last_ts_ = other.last_ts_;
    written_ = other.written_;
  }
  return *this;
}
PcapWriter::~PcapWriter() { (void)Close(); }

PcapResult<PcapWriter> PcapWriter::Open(const std::string& path) {
  auto h = std::make_unique<Handles>();
  h->pcap.reset(pcap_open_dead(DLT_RAW, kPcapSnapLen));
  if (!h->pcap) return Fail(PcapErrc::kWrite, path + ": pcap_open_dead failed");
  h->dumper.reset(pcap_dump_open(h->pcap.get(), path.c_str()));
  if (!h->dumper) {
    return Fail(PcapErrc::kWrite, path + ": cannot create: " + pcap_geterr(h->pcap.get()));
  }
  return PcapWriter(std::move(h), path);
}

PcapStatus PcapWriter::Write(std::span<const uint8_t> packet) {
  PcapTimestamp ts;
  if (last_ts_) {
    ts = *last_ts_;
    if (++ts.usec == 1000000) {
      ts.usec = 0;
      ++ts.sec;
    }
  }
  return Write(packet, ts);
}

PcapStatus PcapWriter::Write(std::span<const uint8_t> packet, PcapTimestamp ts) {
  if (!h_ || !h_->dumper) return Fail(PcapErrc::kClosed, path_ + ": write after close");
  if (packet.size() > kPcapSnapLen) {
    return Fail(PcapErrc::kPacketTooLong, path_ + ": packet of " + std::to_string(packet.size()) +
                                              " bytes exceeds the snap length 65535");
  }
  if (ts.usec >= 1000000) {
    return Fail(PcapErrc::kWrite,
                path_ + ": timestamp usec " + std::to_string(ts.usec) + " out of range");
  }
  pcap_pkthdr hdr{};
  hdr.ts.tv_sec = ts.sec;
  hdr.ts.tv_usec = ts.usec;
  hdr.caplen = static_cast<bpf_u_int32>(packet.size());
  hdr.len = hdr.caplen;
  pcap_dump(reinterpret_cast<u_char*>(h_->dumper.get()), &hdr, packet.data());
  last_ts_ = ts;
  ++written_;
  return {};
}

PcapStatus PcapWriter::Close() {
  if (!h_ || !h_->dumper) return {};
  const bool flushed = pcap_dump_flush(h_->dumper.get()) == 0;
  FILE* f = pcap_dump_file(h_->dumper.get());
  const bool had_error = f != nullptr && std::ferror(f) != 0;
  h_->dumper.reset();  // fclose
  h_->pcap.reset();
  if (!flushed || had_error) return Fail(PcapErrc::kWrite, path_ + ": write failed");
  return {};
}

PcapStatus WritePcap(const std::string& path, std::span<const PcapRecord> records) {
  auto w = PcapWriter::Open(path);
  if (!w) return tl::unexpected(w.error());
  for (const PcapRecord& r : records) {
    if (auto st = w->Write(r.packet, r.ts); !st) return st;
  }
  return w->Close();
}

}  // namespace ipsec::host
