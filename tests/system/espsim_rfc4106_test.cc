// The RFC 4106 ESP known-answer packets of draft-mcgrew-gcm-test-01
// (tests/vectors/rfc4106_esp.json) through espsim and the device, bit for bit, on every device
// backend (--backend model, and --backend rtl: the Verilated RTL when it is built in): encap of
// each case's payload with the case's SPI, sequence number, salt and explicit IV must give the
// case's ESP packet, and decap of that packet must give the payload back. The draft's packets carry
// next header 1 and standard padding, so they go through transport mode (an IPv4 header with
// protocol 1 in front of the payload). Two cases cannot go through the device, and the test checks
// that they are refused clearly: case 7 (AES-192, not offered) and case 4 (SPI 0, which RFC
// 4303 2.1 forbids on the wire).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "host/pcap_io.h"
#include "hw/model/esp.h"
#include "hw/util/endian.h"
#include "hw/util/hex.h"
#include "tests/system/run_command.h"
#include "tests/vectors/rfc4106_esp.h"

namespace ipsec::host {
namespace {

using testing::RunCommand;

const std::string kEspsim = ESPSIM_PATH;

std::vector<uint8_t> WithIpv4Header(const std::vector<uint8_t>& payload, uint8_t proto) {
  std::vector<uint8_t> p(20);
  p[0] = 0x45;
  util::StoreBe16(&p[2], static_cast<uint16_t>(20 + payload.size()));
  p[8] = 64;
  p[9] = proto;
  util::StoreBe32(&p[12], 0xc0a80101);
  util::StoreBe32(&p[16], 0xc0a80102);
  util::StoreBe16(&p[10], hw::model::Ipv4HeaderChecksum({p.data(), 20}));
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

std::string SaJson(const testvec::Rfc4106Case& c, bool inbound) {
  char seq[32];
  std::snprintf(seq, sizeof(seq), "0x%llx",
                static_cast<unsigned long long>(inbound ? c.seq - 1 : c.seq));
  std::string j = "{\"sas\": [{\"name\": \"kat\", \"direction\": \"" +
                  std::string(inbound ? "in" : "out") + "\", \"spi\": " + std::to_string(c.spi) +
                  ", \"key\": \"" + util::ToHex(c.key) + "\", \"salt\": \"" + util::ToHex(c.salt) +
                  "\", \"mode\": \"transport\", \"esn\": " + (c.esn ? "true" : "false") +
                  ", \"seq\": \"" + seq + "\"";
  if (!inbound) j += ", \"iv\": \"" + util::ToHex(c.iv) + "\"";
  return j + "}]}";
}

class Rfc4106Espsim : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("rfc4106-" + GetParam());
    auto v = testvec::LoadRfc4106Vectors();
    ASSERT_TRUE(v) << v.error().message;
    cases_ = std::move(*v);
    ASSERT_GE(cases_.size(), 16u);
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  // A case the device cannot take: espsim must refuse its SA file with a message naming the field.
  bool ExpectRefused(const testvec::Rfc4106Case& c, const testing::CommandResult& r) {
    const char* why = c.key.size() == 24 ? "key: 24 bytes, need 16 or 32"
                      : c.spi == 0       ? "spi: SPIs 0..255 are reserved"
                                         : nullptr;
    if (why == nullptr) return false;
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find(why), std::string::npos) << r.output;
    return true;
  }
  // Runs espsim on one packet; returns the output packets.
  std::vector<PcapRecord> Run(const std::string& op, const std::string& sa,
                              const std::vector<uint8_t>& pkt, testing::CommandResult* res) {
    std::ofstream(dir_ + "/sa.json") << sa;
    EXPECT_TRUE(WritePcap(dir_ + "/in.pcap", std::vector<PcapRecord>{{{1, 0}, pkt}}));
    *res = RunCommand(kEspsim + " " + op + " --backend " + GetParam() + " --sa " + dir_ +
                      "/sa.json --in " + dir_ + "/in.pcap --out " + dir_ + "/out.pcap");
    if (res->status == 0) {
      EXPECT_NE(res->output.find("(" + GetParam() + ")"), std::string::npos) << res->output;
    }
    auto out = ReadPcap(dir_ + "/out.pcap");
    return out ? out->records : std::vector<PcapRecord>{};
  }
  std::string dir_;
  std::vector<testvec::Rfc4106Case> cases_;
};

TEST_P(Rfc4106Espsim, EncapIsBitExact) {
  int checked = 0;
  for (const auto& c : cases_) {
    SCOPED_TRACE(c.name);
    testing::CommandResult r;
    auto out = Run("encap", SaJson(c, false), WithIpv4Header(c.inner, c.next_header), &r);
    if (ExpectRefused(c, r)) continue;
    ASSERT_TRUE(c.pad_is_standard);
    ASSERT_EQ(r.status, 0) << r.output;
    ASSERT_EQ(out.size(), 1u) << r.output;
    const std::vector<uint8_t> esp(out[0].packet.begin() + 20, out[0].packet.end());
    EXPECT_EQ(util::ToHex(esp), util::ToHex(c.esp));
    EXPECT_EQ(out[0].packet[9], 50);
    ++checked;
  }
  EXPECT_EQ(checked, 14);
}

TEST_P(Rfc4106Espsim, DecapRestoresThePayload) {
  int checked = 0;
  for (const auto& c : cases_) {
    SCOPED_TRACE(c.name);
    testing::CommandResult r;
    auto out = Run("decap", SaJson(c, true), WithIpv4Header(c.esp, 50), &r);
    if (ExpectRefused(c, r)) continue;
    ASSERT_EQ(r.status, 0) << r.output;
    ASSERT_EQ(out.size(), 1u) << r.output;
    EXPECT_EQ(util::ToHex(out[0].packet), util::ToHex(WithIpv4Header(c.inner, c.next_header)));
    ++checked;
  }
  EXPECT_EQ(checked, 14);
}

INSTANTIATE_TEST_SUITE_P(Backends, Rfc4106Espsim, ::testing::ValuesIn(testing::DeviceBackends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ipsec::host
