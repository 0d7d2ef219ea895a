// espsim end to end, as a user runs it: SA files and pcaps in, pcaps and stats out. Every test
// runs once per device backend (--backend model, and --backend rtl when the Verilated device is
// built in), and RtlMatchesModel compares the two backends' output files byte for byte.
// ESP written by espsim, the RTL's included, is checked by an independent implementation,
// tshark, through ../shared/peers/esp-check (Wireshark's ESP dissector decrypts and verifies
// every ICV).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "host/pcap_io.h"
#include "tests/models/packets.h"
#include "tests/system/run_command.h"

namespace ipsec::host {
namespace {

using testing::Ip;
using testing::RunCommand;

const std::string kEspsim = ESPSIM_PATH;
const std::string kEspCheck = "../shared/peers/esp-check";

class EspsimTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  std::string Path(const std::string& f) const { return dir_ + "/" + f; }
  void WriteFile(const std::string& f, const std::string& text) { std::ofstream(Path(f)) << text; }
  std::vector<PcapRecord> Traffic(size_t n, uint32_t seed, uint32_t hosts = 5) {
    std::mt19937 rng(seed);
    std::vector<PcapRecord> v;
    // Well-formed UDP: tshark dissects the decrypted inner packet before it reports the ICV.
    const size_t sizes[] = {28, 29, 30, 31, 64, 100, 512, 1400, 1500, 9000};
    for (size_t i = 0; i < n; ++i) {
      v.push_back({{1700000000u + static_cast<uint32_t>(i), 0},
                   testing::MakeUdp(Ip(10, 1, 0, 1 + i % hosts), Ip(10, 2, 0, 9),
                                    sizes[i % std::size(sizes)], rng)});
    }
    return v;
  }
  // espsim with `args` on the test's backend.
  testing::CommandResult Espsim(const std::string& args) { return Espsim(args, GetParam()); }
  testing::CommandResult Espsim(const std::string& args, const std::string& backend) {
    return RunCommand(kEspsim + " " + args + " --backend " + backend);
  }
  nlohmann::json Stats(const std::string& f) {
    return nlohmann::json::parse(std::ifstream(Path(f)), nullptr, false);
  }
  std::string dir_;
};

// One outbound and one inbound SA per configuration, in the same file (loopback of one gateway).
std::string SaJson(const std::string& mode, bool natt, bool esn, const std::string& key,
                   int icv = 16) {
  const std::string common =
      "\"key\": \"" + key + "\", \"salt\": \"0a0b0c0d\", \"mode\": \"" + mode + "\", " +
      "\"icv\": " + std::to_string(icv) + ", " +
      "\"tunnel\": {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.2\"}, \"natt\": " +
      (natt ? "{\"sport\": 4500, \"dport\": 4500}" : "null") +
      ", \"esn\": " + (esn ? "true" : "false");
  return "{\"sas\": [\n"
         "  {\"name\": \"out\", \"direction\": \"out\", \"spi\": \"0xc0ffee01\", " +
         common +
         "},\n"
         "  {\"name\": \"in\", \"direction\": \"in\", \"spi\": \"0xc0ffee01\", " +
         common +
         "}\n"
         "]}\n";
}

const std::string kKey128 = "000102030405060708090a0b0c0d0e0f";
const std::string kKey256 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST_P(EspsimTest, EncapThenDecapRestoresEveryPacket) {
  auto in = Traffic(60, 7);
  ASSERT_TRUE(WritePcap(Path("in.pcap"), in));
  for (const char* mode : {"tunnel", "transport"}) {
    for (bool natt : {false, true}) {
      for (bool esn : {false, true}) {
        SCOPED_TRACE(std::string(mode) + (natt ? " natt" : "") + (esn ? " esn" : ""));
        WriteFile("sa.json", SaJson(mode, natt, esn, kKey256));
        auto e = Espsim("encap --sa " + Path("sa.json") + " --in " + Path("in.pcap") + " --out " +
                        Path("esp.pcap") + " --stats " + Path("e.json"));
        ASSERT_EQ(e.status, 0) << e.output;
        EXPECT_NE(e.output.find("60 in, 60 out, drops: none"), std::string::npos) << e.output;
        auto d = Espsim("decap --sa " + Path("sa.json") + " --in " + Path("esp.pcap") + " --out " +
                        Path("plain.pcap") + " --stats " + Path("d.json"));
        ASSERT_EQ(d.status, 0) << d.output;
        auto back = ReadPcap(Path("plain.pcap"));
        ASSERT_TRUE(back);
        ASSERT_EQ(back->records.size(), in.size());
        for (size_t i = 0; i < in.size(); ++i) {
          EXPECT_EQ(back->records[i].packet, in[i].packet) << i;
          EXPECT_EQ(back->records[i].ts, in[i].ts) << i;
        }
        auto js = Stats("d.json");
        EXPECT_EQ(js["in"], 60);
        EXPECT_EQ(js["out"], 60);
        EXPECT_TRUE(js["drops"].empty());
        EXPECT_EQ(js["backend"], GetParam());
        if (GetParam() == "rtl") {
          EXPECT_GT(js["cycles"], 0);  // it really ran on the RTL
        }
      }
    }
  }
}

// The SA file's optional "icv" (RFC 4106's 12 and 8 byte ICVs): the ESP is shorter by exactly
// the missing ICV bytes, decap restores every packet, and a flipped bit in the last (truncated)
// ICV byte is AUTH_FAIL, on every backend.
TEST_P(EspsimTest, ShortIcvsRoundTripAndForgeryFails) {
  const auto in = Traffic(20, 3);
  ASSERT_TRUE(WritePcap(Path("in.pcap"), in));
  std::vector<size_t> len16;
  for (int icv : {16, 12, 8}) {
    SCOPED_TRACE("icv " + std::to_string(icv));
    WriteFile("sa.json", SaJson("tunnel", false, true, kKey128, icv));
    auto e = Espsim("encap --sa " + Path("sa.json") + " --in " + Path("in.pcap") + " --out " +
                    Path("esp.pcap"));
    ASSERT_EQ(e.status, 0) << e.output;
    auto esp = ReadPcap(Path("esp.pcap"));
    ASSERT_TRUE(esp);
    ASSERT_EQ(esp->records.size(), in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      if (icv == 16) len16.push_back(esp->records[i].packet.size());
      EXPECT_EQ(esp->records[i].packet.size() + (16 - icv), len16[i]) << i;
    }
    // Forge packet 5: its last byte is the last byte of the (truncated) ICV.
    esp->records[5].packet.back() ^= 0x01;
    ASSERT_TRUE(WritePcap(Path("forged.pcap"), esp->records));
    auto d = Espsim("decap --sa " + Path("sa.json") + " --in " + Path("forged.pcap") + " --out " +
                    Path("plain.pcap") + " --stats " + Path("d.json"));
    ASSERT_EQ(d.status, 0) << d.output;
    auto js = Stats("d.json");
    EXPECT_EQ(js["out"], 19);
    EXPECT_EQ(js["drops"]["AUTH_FAIL"], 1) << js.dump();
    auto back = ReadPcap(Path("plain.pcap"));
    ASSERT_TRUE(back);
    ASSERT_EQ(back->records.size(), 19u);
    for (size_t i = 0, j = 0; i < in.size(); ++i) {
      if (i != 5) {
        EXPECT_EQ(back->records[j++].packet, in[i].packet) << i;
      }
    }
  }
}

// tshark decodes every packet espsim writes (with --backend rtl: packets the RTL wrote) and
// reports its ICV good.
TEST_P(EspsimTest, TsharkVerifiesEveryIcv) {
  auto in = Traffic(30, 11, 1);  // esp-check takes one address pair per SA
  ASSERT_TRUE(WritePcap(Path("in.pcap"), in));
  struct Case {
    const char* mode;
    bool natt;
    const std::string& key;
  };
  for (const Case& c : {Case{"tunnel", false, kKey128}, Case{"tunnel", true, kKey256},
                        Case{"transport", false, kKey256}, Case{"transport", true, kKey128}}) {
    SCOPED_TRACE(std::string(c.mode) + (c.natt ? " natt" : ""));
    WriteFile("sa.json", SaJson(c.mode, c.natt, false, c.key));
    auto e = Espsim("encap --sa " + Path("sa.json") + " --in " + Path("in.pcap") + " --out " +
                    Path("esp.pcap"));
    ASSERT_EQ(e.status, 0) << e.output;
    const bool tunnel = std::string(c.mode) == "tunnel";
    // Transport mode keeps the inner addresses.
    const std::string addrs = tunnel ? "192.0.2.1 192.0.2.2" : "10.1.0.1 10.2.0.9";
    auto r = RunCommand(kEspCheck + " " + Path("esp.pcap") + " " + addrs + " c0ffee01 " + c.key +
                        "0a0b0c0d");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("esp-check: 30/30 ICVs good"), std::string::npos) << r.output;
  }
}

TEST_P(EspsimTest, ReplayedAndForgedPacketsAreCountedByCause) {
  auto in = Traffic(10, 3);
  ASSERT_TRUE(WritePcap(Path("in.pcap"), in));
  WriteFile("sa.json", SaJson("tunnel", false, false, kKey128));
  ASSERT_EQ(Espsim("encap --sa " + Path("sa.json") + " --in " + Path("in.pcap") + " --out " +
                   Path("esp.pcap"))
                .status,
            0);
  auto esp = ReadPcap(Path("esp.pcap"));
  ASSERT_TRUE(esp);
  std::vector<PcapRecord> mixed = esp->records;
  mixed.push_back(esp->records[3]);  // replay
  PcapRecord forged = esp->records[9];
  forged.packet.back() ^= 0x40;  // ICV bit
  mixed.insert(mixed.begin() + 9, forged);
  PcapRecord cut = esp->records[0];
  cut.packet.resize(30);  // truncated
  mixed.push_back(cut);
  ASSERT_TRUE(WritePcap(Path("mixed.pcap"), mixed));
  auto d = Espsim("decap --sa " + Path("sa.json") + " --in " + Path("mixed.pcap") + " --out " +
                  Path("plain.pcap") + " --stats " + Path("d.json"));
  ASSERT_EQ(d.status, 0) << d.output;
  auto js = Stats("d.json");
  EXPECT_EQ(js["in"], 13);
  EXPECT_EQ(js["out"], 10);
  EXPECT_EQ(js["drops"]["REPLAY"], 1);
  EXPECT_EQ(js["drops"]["AUTH_FAIL"], 1);
  EXPECT_EQ(js["drops"]["MALFORMED"], 1);
  EXPECT_NE(d.output.find("AUTH_FAIL=1"), std::string::npos) << d.output;
}

TEST_P(EspsimTest, BadSaFileNamesFieldAndLine) {
  ASSERT_TRUE(WritePcap(Path("in.pcap"), Traffic(1, 1)));
  struct Bad {
    std::string json, expect;
  };
  const std::vector<Bad> cases = {
      {"{\"sas\": [\n{\"name\": \"gw\", \"direction\": \"out\", \"spi\": 4096,\n"
       " \"key\": \"0011223344556677889900112233445566778899\",\n"
       " \"salt\": \"01020304\", \"tunnel\": {\"src\": \"1.1.1.1\", \"dst\": \"2.2.2.2\"}}]}",
       "line 3: SA \"gw\" (sas[0]): key: 20 bytes, need 16 or 32"},
      {"{\"sas\": [{\"name\": \"x\", \"direction\": \"sideways\"}]}", "direction"},
      {"{\"sas\": [{\"name\": \"x\", \"direction\": \"in\", \"spi\": \"0x1234\", \"key\": \"" +
           kKey128 + "\", \"salt\": \"01020304\", \"mode\": \"transport\", \"window\": 5000}]}",
       "window: 5000 exceeds 4096"},
      {"{\"sas\": [{\"name\": \"x\", \"direction\": \"in\", \"spi\": \"0x1234\", \"key\": \"" +
           kKey128 + "\", \"salt\": \"01020304\", \"mode\": \"transport\", \"colour\": 1}]}",
       "colour: unknown field"},
      {"{\"sas\": [{\"name\": \"x\", \"direction\": \"in\", \"spi\": \"0x1234\", \"key\": \"" +
           kKey128 + "\", \"salt\": \"01020304\", \"mode\": \"transport\", \"icv\": 10}]}",
       "icv: 10 bytes, need 16, 12 or 8"},
      {"{\"sas\": [\n{\"name\": ", "JSON syntax error at line 2"},
  };
  for (const Bad& b : cases) {
    WriteFile("sa.json", b.json);
    auto r = Espsim("encap --sa " + Path("sa.json") + " --in " + Path("in.pcap") + " --out " +
                    Path("o.pcap"));
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(b.expect), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line: " << r.output;
  }
  auto r = Espsim("encap --sa " + Path("missing.json") + " --in " + Path("in.pcap") + " --out " +
                  Path("o.pcap"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("cannot open"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Backends, EspsimTest, ::testing::ValuesIn(testing::DeviceBackends()),
                         [](const auto& info) { return info.param; });

// `espsim --backend rtl` behaves exactly like `--backend model`: the same traffic (all modes,
// sizes up to 9000 B; then the RTL's own ESP with a replay, a forged ICV, a truncated packet and
// a packet of an unknown SPI) gives byte-identical output pcaps and identical statistics apart
// from the backend's name and its cycle count.
#ifdef IPSEC_HAVE_RTL_DEVICE
class EspsimBackends : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("espsim-backends");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  std::string Path(const std::string& f) const { return dir_ + "/" + f; }
  // Runs op on both backends; expects identical output bytes and statistics.
  void Compare(const std::string& op, const std::string& in, const std::string& out) {
    nlohmann::json js[2];
    std::string bytes[2];
    const char* backends[] = {"model", "rtl"};
    for (int b = 0; b < 2; ++b) {
      const std::string o = Path(out + "." + backends[b]);
      auto r =
          RunCommand(kEspsim + " " + op + " --backend " + backends[b] + " --sa " + Path("sa.json") +
                     " --in " + Path(in) + " --out " + o + " --stats " + o + ".json");
      ASSERT_EQ(r.status, 0) << r.output;
      js[b] = nlohmann::json::parse(std::ifstream(o + ".json"), nullptr, false);
      ASSERT_FALSE(js[b].is_discarded());
      std::ifstream f(o, std::ios::binary);
      bytes[b].assign(std::istreambuf_iterator<char>(f), {});
      ASSERT_FALSE(bytes[b].empty());
    }
    EXPECT_GT(js[1]["cycles"], 0);
    for (auto& j : js) {
      j.erase("backend");
      j.erase("cycles");
    }
    EXPECT_EQ(js[0], js[1]) << op << " statistics differ";
    EXPECT_TRUE(bytes[0] == bytes[1]) << op << ": output pcaps differ";
  }
  std::string dir_;
};

TEST_F(EspsimBackends, RtlMatchesModel) {
  std::mt19937 rng(5);
  std::vector<PcapRecord> in;
  const size_t sizes[] = {28, 29, 41, 64, 100, 511, 1400, 1500, 9000};  // UDP: 28 and up
  for (size_t i = 0; i < 36; ++i) {
    in.push_back(
        {{1700000000u + static_cast<uint32_t>(i), 0},
         testing::MakeUdp(Ip(10, 1, 0, 1), Ip(10, 2, 0, 9), sizes[i % std::size(sizes)], rng)});
  }
  ASSERT_TRUE(WritePcap(Path("in.pcap"), in));
  for (const char* mode : {"tunnel", "transport"}) {
    for (bool natt : {false, true}) {
      const bool esn = natt;
      SCOPED_TRACE(std::string(mode) + (natt ? " natt esn" : ""));
      std::ofstream(Path("sa.json")) << SaJson(mode, natt, esn, natt ? kKey128 : kKey256);
      Compare("encap", "in.pcap", "esp.pcap");
      auto esp = ReadPcap(Path("esp.pcap.rtl"));
      ASSERT_TRUE(esp);
      ASSERT_EQ(esp->records.size(), in.size());
      std::vector<PcapRecord> mixed = esp->records;
      mixed.push_back(esp->records[5]);  // replay
      PcapRecord forged = esp->records[7];
      forged.packet.back() ^= 0x01;  // ICV bit
      mixed.insert(mixed.begin() + 7, forged);
      PcapRecord cut = esp->records[2];
      cut.packet.resize(cut.packet.size() - 20);  // truncated
      mixed.push_back(cut);
      PcapRecord stranger = esp->records[3];
      const size_t spi_at = (stranger.packet[0] & 0xf) * 4 + (natt ? 8 : 0);
      stranger.packet[spi_at + 3] ^= 0x10;  // unknown SPI
      mixed.push_back(stranger);
      ASSERT_TRUE(WritePcap(Path("mixed.pcap"), mixed));
      Compare("decap", "mixed.pcap", "plain.pcap");
      auto plain = ReadPcap(Path("plain.pcap.rtl"));
      ASSERT_TRUE(plain);
      ASSERT_EQ(plain->records.size(), in.size());
      for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(plain->records[i].packet, in[i].packet);
    }
  }
}
#endif

}  // namespace
}  // namespace ipsec::host
