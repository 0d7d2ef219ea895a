// host/pcap_io: reading (Ethernet with and without VLAN tags, raw IP, IPv4 link types; skipped
// frames counted; errors for missing files, bad link types, truncation) and writing (raw IPv4,
// round trip, timestamps), plus tshark reading what the writer wrote.
// Input files are built byte by byte here, independently of libpcap's writer.
#include "host/pcap_io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hw/util/endian.h"

namespace ipsec::host {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

// An IPv4 header (checksum filled in) followed by payload_len bytes of 0xAB.
Bytes Ipv4(std::array<uint8_t, 4> src, std::array<uint8_t, 4> dst, size_t payload_len,
           uint8_t proto = 17) {
  Bytes p(20 + payload_len, 0xAB);
  p[0] = 0x45;
  p[1] = 0;
  util::StoreBe16(&p[2], static_cast<uint16_t>(p.size()));
  util::StoreBe16(&p[4], 0x1234);
  util::StoreBe16(&p[6], 0x4000);  // DF
  p[8] = 64;
  p[9] = proto;
  util::StoreBe16(&p[10], 0);
  std::copy(src.begin(), src.end(), &p[12]);
  std::copy(dst.begin(), dst.end(), &p[16]);
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += util::LoadBe16(&p[i]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  util::StoreBe16(&p[10], static_cast<uint16_t>(~sum));
  return p;
}

Bytes Ipv6Packet() {
  Bytes p(40 + 8, 0);
  p[0] = 0x60;
  p[5] = 8;   // payload length
  p[6] = 17;  // next header
  p[7] = 64;
  return p;
}

// Ethernet frame: dst, src, then the given EtherType/VLAN tag words, then payload, padded to the
// 60-byte minimum (without FCS) as NICs capture it.
Bytes Eth(std::vector<uint16_t> types, const Bytes& payload) {
  Bytes f = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
  for (size_t i = 0; i < types.size(); ++i) {
    f.push_back(static_cast<uint8_t>(types[i] >> 8));
    f.push_back(static_cast<uint8_t>(types[i]));
    if (i + 1 < types.size()) {  // a VLAN tag: TCI follows the TPID
      f.push_back(0x00);
      f.push_back(0x2A);  // VID 42
    }
  }
  f.insert(f.end(), payload.begin(), payload.end());
  if (f.size() < 60) f.resize(60, 0);
  return f;
}

struct RawRecord {
  uint32_t sec, usec;
  Bytes data;
  uint32_t orig_len = 0;  // 0: data.size()
};

// Classic little-endian pcap file, microsecond (or nanosecond) timestamps.
Bytes PcapBytes(uint32_t linktype, const std::vector<RawRecord>& recs, bool nanos = false) {
  Bytes out(24);
  util::StoreLe32(&out[0], nanos ? 0xa1b23c4d : 0xa1b2c3d4);
  util::StoreLe16(&out[4], 2);
  util::StoreLe16(&out[6], 4);
  util::StoreLe32(&out[16], 65535);
  util::StoreLe32(&out[20], linktype);
  for (const RawRecord& r : recs) {
    uint8_t h[16];
    util::StoreLe32(h, r.sec);
    util::StoreLe32(h + 4, r.usec);
    util::StoreLe32(h + 8, static_cast<uint32_t>(r.data.size()));
    util::StoreLe32(h + 12, r.orig_len != 0 ? r.orig_len : static_cast<uint32_t>(r.data.size()));
    out.insert(out.end(), h, h + 16);
    out.insert(out.end(), r.data.begin(), r.data.end());
  }
  return out;
}

class PcapIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("ipsec_pcap_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::string WriteFile(const std::string& name, const Bytes& bytes) const {
    std::string p = Path(name);
    std::ofstream f(p, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    return p;
  }

  static Bytes ReadFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }

  fs::path dir_;
};

TEST_F(PcapIoTest, RoundTrip) {
  const std::vector<PcapRecord> recs = {
      {{1700000000, 1}, Ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, 0)},
      {{1700000000, 999999}, Ipv4({10, 0, 0, 3}, {10, 0, 0, 4}, 1400)},
      {{1700000005, 500000}, Ipv4({192, 168, 1, 1}, {8, 8, 8, 8}, 65535 - 20)},  // max size
  };
  const std::string path = Path("rt.pcap");
  ASSERT_TRUE(WritePcap(path, recs));

  // The file header says classic pcap, snap length 65535, LINKTYPE_RAW.
  const Bytes raw = ReadFile(path);
  ASSERT_GE(raw.size(), 24u);
  EXPECT_EQ(util::LoadLe32(&raw[0]), 0xa1b2c3d4u);
  EXPECT_EQ(util::LoadLe32(&raw[16]), 65535u);
  EXPECT_EQ(util::LoadLe32(&raw[20]), 101u);
  EXPECT_EQ(raw.size(), 24u + 3 * 16 + 20 + 1420 + 65535);

  auto in = ReadPcap(path);
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->link_type, kLinkTypeRaw);
  ASSERT_EQ(in->records.size(), recs.size());
  for (size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(in->records[i].ts, recs[i].ts) << i;
    EXPECT_EQ(in->records[i].packet, recs[i].packet) << i;
  }
  EXPECT_EQ(in->stats.records, 3u);
  EXPECT_EQ(in->stats.ipv4, 3u);
  EXPECT_EQ(in->stats.skipped_non_ipv4 + in->stats.skipped_short + in->stats.snapped, 0u);
}

TEST_F(PcapIoTest, SynthesizedTimestampsAreMonotonic) {
  const std::string path = Path("ts.pcap");
  {
    auto w = PcapWriter::Open(path);
    ASSERT_TRUE(w) << w.error().message;
    Bytes p = Ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 4);
    ASSERT_TRUE(w->Write(p));                 // 0.000000
    ASSERT_TRUE(w->Write(p));                 // 0.000001
    ASSERT_TRUE(w->Write(p, {100, 999999}));  // given
    ASSERT_TRUE(w->Write(p));                 // 101.000000: usec carries into sec
    ASSERT_TRUE(w->Write(p, {50, 7}));        // given, earlier: written as given
    ASSERT_TRUE(w->Write(p));                 // 50.000008
    EXPECT_EQ(w->written(), 6u);
    ASSERT_TRUE(w->Close());
    ASSERT_TRUE(w->Close());  // idempotent
  }
  auto in = ReadPcap(path);
  ASSERT_TRUE(in) << in.error().message;
  ASSERT_EQ(in->records.size(), 6u);
  const std::vector<PcapTimestamp> want = {{0, 0},   {0, 1},  {100, 999999},
                                           {101, 0}, {50, 7}, {50, 8}};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(in->records[i].ts.sec, want[i].sec) << i;
    EXPECT_EQ(in->records[i].ts.usec, want[i].usec) << i;
  }
}

TEST_F(PcapIoTest, EthernetWithAndWithoutVlan) {
  const Bytes small = Ipv4({10, 1, 0, 1}, {10, 1, 0, 2}, 8);  // 28 bytes: padded on the wire
  const Bytes big = Ipv4({10, 2, 0, 1}, {10, 2, 0, 2}, 1000);
  const Bytes tagged = Ipv4({10, 3, 0, 1}, {10, 3, 0, 2}, 100);
  const Bytes qinq = Ipv4({10, 4, 0, 1}, {10, 4, 0, 2}, 2);  // padded too
  const Bytes arp(28, 0x11);
  Bytes cut_tag = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x81, 0x00, 0x00};  // 15 bytes
  const std::string path = WriteFile(
      "eth.pcap", PcapBytes(kLinkTypeEthernet, {
                                                   {1, 0, Eth({0x0800}, small)},
                                                   {2, 0, Eth({0x0806}, arp)},           // ARP
                                                   {3, 0, Eth({0x86DD}, Ipv6Packet())},  // IPv6
                                                   {4, 0, Eth({0x8100, 0x0800}, tagged)},
                                                   {5, 0, Eth({0x8100, 0x0806}, arp)},
                                                   {6, 0, Eth({0x0800}, big)},
                                                   {7, 0, Bytes(10, 0xFF)},  // runt
                                                   {8, 0, cut_tag},          // ends in the tag
                                                   {9, 0, Eth({0x88A8, 0x8100, 0x0800}, qinq)},
                                               }));
  auto in = ReadPcap(path);
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->link_type, kLinkTypeEthernet);
  ASSERT_EQ(in->records.size(), 4u);
  EXPECT_EQ(in->records[0].packet, small);  // Ethernet padding cut off
  EXPECT_EQ(in->records[0].ts.sec, 1u);
  EXPECT_EQ(in->records[1].packet, tagged);
  EXPECT_EQ(in->records[1].ts.sec, 4u);
  EXPECT_EQ(in->records[2].packet, big);
  EXPECT_EQ(in->records[3].packet, qinq);
  EXPECT_EQ(in->records[3].ts.sec, 9u);
  EXPECT_EQ(in->stats.records, 9u);
  EXPECT_EQ(in->stats.ipv4, 4u);
  EXPECT_EQ(in->stats.skipped_non_ipv4, 3u);  // ARP, IPv6, tagged ARP
  EXPECT_EQ(in->stats.skipped_short, 2u);     // runt, cut tag
}

TEST_F(PcapIoTest, EthernetBadIpv4HeaderLeftWhole) {
  // EtherType IPv4 but a total length larger than the frame: the bytes are passed on as they
  // are (the datapath rejects and counts malformed packets; the reader does not hide them).
  Bytes p = Ipv4({1, 1, 1, 1}, {2, 2, 2, 2}, 40);
  util::StoreBe16(&p[2], 1500);
  const std::string path = WriteFile("bad.pcap", PcapBytes(1, {{1, 0, Eth({0x0800}, p)}}));
  auto in = ReadPcap(path);
  ASSERT_TRUE(in) << in.error().message;
  ASSERT_EQ(in->records.size(), 1u);
  EXPECT_EQ(in->records[0].packet, p);
}

TEST_F(PcapIoTest, RawIpSkipsIpv6AndIpv4LinkTypeTakesAll) {
  const Bytes v4 = Ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, 12);
  {
    auto in = ReadPcap(WriteFile("raw.pcap", PcapBytes(101, {{1, 2, v4}, {3, 4, Ipv6Packet()}})));
    ASSERT_TRUE(in) << in.error().message;
    EXPECT_EQ(in->link_type, kLinkTypeRaw);
    ASSERT_EQ(in->records.size(), 1u);
    EXPECT_EQ(in->records[0].packet, v4);
    EXPECT_EQ(in->records[0].ts.usec, 2u);
    EXPECT_EQ(in->stats.skipped_non_ipv4, 1u);
  }
  {
    auto in = ReadPcap(WriteFile("v4.pcap", PcapBytes(228, {{1, 0, v4}, {2, 0, v4}})));
    ASSERT_TRUE(in) << in.error().message;
    EXPECT_EQ(in->link_type, kLinkTypeIpv4);
    ASSERT_EQ(in->records.size(), 2u);
    EXPECT_EQ(in->records[1].packet, v4);
  }
}

TEST_F(PcapIoTest, NanosecondFileAndSnappedRecord) {
  const Bytes v4 = Ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, 100);
  const Bytes head(v4.begin(), v4.begin() + 60);
  auto in = ReadPcap(
      WriteFile("ns.pcap",
                PcapBytes(101, {{7, 123456789, v4}, {8, 0, head, static_cast<uint32_t>(v4.size())}},
                          /*nanos=*/true)));
  ASSERT_TRUE(in) << in.error().message;
  ASSERT_EQ(in->records.size(), 2u);
  EXPECT_EQ(in->records[0].ts.sec, 7u);
  EXPECT_EQ(in->records[0].ts.usec, 123456u);  // nanoseconds scaled to microseconds
  EXPECT_EQ(in->records[1].packet, head);      // returned as captured...
  EXPECT_EQ(in->stats.snapped, 1u);            // ...and counted
}

TEST_F(PcapIoTest, UnsupportedLinkType) {
  auto in = ReadPcap(WriteFile("sll.pcap", PcapBytes(113, {{1, 0, Bytes(40, 0)}})));  // Linux SLL
  ASSERT_FALSE(in);
  EXPECT_EQ(in.error().code, PcapErrc::kLinkType);
  EXPECT_NE(in.error().message.find("sll.pcap"), std::string::npos) << in.error().message;
  EXPECT_NE(in.error().message.find("not supported"), std::string::npos) << in.error().message;
}

TEST_F(PcapIoTest, MissingFileAndGarbage) {
  auto in = ReadPcap(Path("does_not_exist.pcap"));
  ASSERT_FALSE(in);
  EXPECT_EQ(in.error().code, PcapErrc::kOpen);
  EXPECT_NE(in.error().message.find("does_not_exist.pcap"), std::string::npos);

  auto junk = ReadPcap(WriteFile("junk.pcap", Bytes(100, 0x5A)));
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().code, PcapErrc::kOpen);

  auto empty = ReadPcap(WriteFile("empty.pcap", {}));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, PcapErrc::kOpen);
}

TEST_F(PcapIoTest, TruncatedFiles) {
  const Bytes v4 = Ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, 100);
  const Bytes full = PcapBytes(101, {{1, 0, v4}, {2, 0, v4}});
  // Cut inside the second record's data, inside its header, and inside the file header.
  for (size_t cut : {full.size() - 1, full.size() - 50, 24 + 16 + v4.size() + 7, size_t{10}}) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    auto in = ReadPcap(WriteFile("cut.pcap", Bytes(full.begin(), full.begin() + cut)));
    ASSERT_FALSE(in);
    if (cut > 24) {
      EXPECT_EQ(in.error().code, PcapErrc::kTruncated);
      EXPECT_NE(in.error().message.find("record 2"), std::string::npos) << in.error().message;
    } else {
      EXPECT_EQ(in.error().code, PcapErrc::kOpen);
    }
  }
  // A record header claiming more than the snap length.
  Bytes huge = PcapBytes(101, {{1, 0, v4}});
  util::StoreLe32(&huge[24 + 8], 0x7FFFFFFF);
  auto in = ReadPcap(WriteFile("huge.pcap", huge));
  ASSERT_FALSE(in);
  EXPECT_EQ(in.error().code, PcapErrc::kTruncated);
  // Ending exactly at a record boundary is a complete file.
  auto whole = ReadPcap(WriteFile("whole.pcap", full));
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(whole->records.size(), 2u);
}

TEST_F(PcapIoTest, WriterErrors) {
  EXPECT_EQ(PcapWriter::Open(Path("no/such/dir/x.pcap")).error().code, PcapErrc::kWrite);
  auto w = PcapWriter::Open(Path("w.pcap"));
  ASSERT_TRUE(w) << w.error().message;
  Bytes too_long(65536, 0x45);
  EXPECT_EQ(w->Write(too_long).error().code, PcapErrc::kPacketTooLong);
  EXPECT_EQ(w->Write(Bytes(20, 0x45), {1, 1000000}).error().code, PcapErrc::kWrite);
  EXPECT_TRUE(w->Write(Bytes(20, 0x45)));
  ASSERT_TRUE(w->Close());
  EXPECT_EQ(w->Write(Bytes(20, 0x45)).error().code, PcapErrc::kClosed);
  auto in = ReadPcap(Path("w.pcap"));
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->records.size(), 1u);  // only the good write landed
}

TEST_F(PcapIoTest, WriterMovedAndDestroyedStillWritesFile) {
  const std::string path = Path("moved.pcap");
  {
    auto opened = PcapWriter::Open(path);
    ASSERT_TRUE(opened);
    PcapWriter w = std::move(*opened);
    ASSERT_TRUE(w.Write(Ipv4({1, 1, 1, 1}, {2, 2, 2, 2}, 0)));
  }  // destructor closes
  auto in = ReadPcap(path);
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->records.size(), 1u);
}

TEST_F(PcapIoTest, TsharkReadsWhatWeWrite) {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "tshark is not installed (apt-get install tshark): cannot cross-check";
  }
  const std::string path = Path("tshark.pcap");
  ASSERT_TRUE(WritePcap(path, std::vector<PcapRecord>{
                                  {{1, 0}, Ipv4({10, 0, 0, 1}, {10, 0, 0, 2}, 8)},
                                  {{2, 0}, Ipv4({192, 168, 7, 9}, {10, 0, 0, 2}, 100, 50)},
                                  {{3, 0}, Ipv4({172, 16, 0, 254}, {10, 0, 0, 2}, 1400, 6)},
                              }));
  const std::string cmd = "tshark -n -r '" + path + "' -T fields -e ip.src 2>/dev/null";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
  const int rc = ::pclose(pipe);
  EXPECT_EQ(rc, 0) << "tshark failed on " << path;
  EXPECT_EQ(out, "10.0.0.1\n192.168.7.9\n172.16.0.254\n");
}

}  // namespace
}  // namespace ipsec::host
