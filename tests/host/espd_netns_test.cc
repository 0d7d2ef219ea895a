// espd against espd in two network namespaces (needs root; skips otherwise): ping and a UDP stream
// both ways with counters that reconcile between the two engines (b on the RTL device, a on the
// model), a replayed ESP packet counted as REPLAY and a flipped bit as AUTH_FAIL. Plus the
// failures a user meets first (no root needed): bad config line, missing secret, port in use -> one
// clear line, non-zero exit.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <regex>

#include "host/pcap_io.h"
#include "tests/host/espd_harness.h"

namespace ipsec::testing {
namespace {

// b (which receives the replayed and the forged packet) runs its ESP on the RTL device when the
// build has it, a on the functional model: every packet also crosses between the two engines.
#ifdef ESPD_HAS_RTL
constexpr char kBackendB[] = "rtl";
#else
constexpr char kBackendB[] = "model";
#endif

std::string Conf(bool a, bool encap, const std::string& child_extra = "") {
  const std::string me = a ? "192.0.2.1" : "192.0.2.2", peer = a ? "192.0.2.2" : "192.0.2.1";
  const std::string lts = a ? "10.1.0.0/24" : "10.2.0.0/24",
                    rts = a ? "10.2.0.0/24" : "10.1.0.0/24";
  return "connections {\n  t {\n    local_addrs = " + me + "\n    remote_addrs = " + peer +
         "\n    encap = " + (encap ? "yes" : "no") +
         "\n    children {\n      net {\n        local_ts = " + lts +
         "\n        remote_ts = " + rts +
         "\n        esp_proposals = aes128gcm16\n        start_action = " + (a ? "start" : "none") +
         "\n" + child_extra +
         "      }\n    }\n  }\n}\nsecrets { ike-t { secret = \"espd test psk\" } }\n";
}

class EspdPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "espd netns tests need root (network namespaces, TUN)";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = "espdt" + std::to_string(std::hash<std::string>{}(info->name()) % 1000);
    wd_ = MakeTempDir("espdt");
    ASSERT_FALSE(wd_.empty());
    ns_ = std::make_unique<NetnsPair>(prefix_);
    ASSERT_TRUE(ns_->ok()) << "could not create namespaces " << prefix_ << "-a/b";
  }
  void TearDown() override {
    if (HasFailure()) {
      std::fprintf(stderr, "--- espd A log:\n%s\n--- espd B log:\n%s\n", a_.Log().c_str(),
                   b_.Log().c_str());
    }
    a_.Stop();
    b_.Stop();
    ns_.reset();
    if (!wd_.empty()) std::filesystem::remove_all(wd_);
  }

  void Up(bool encap, const std::string& child_extra = "") {
    for (bool a : {false, true}) {
      std::ofstream(wd_ + (a ? "/a.conf" : "/b.conf")) << Conf(a, encap, child_extra);
    }
    ASSERT_TRUE(b_.Start(ns_->b(),
                         {"--config", wd_ + "/b.conf", "--backend", kBackendB, "--control",
                          wd_ + "/b.ctl", "--tun", "espt0"},
                         wd_ + "/b.log"));
    ASSERT_TRUE(
        WaitFor([&] { return std::filesystem::exists(wd_ + "/b.ctl"); }, std::chrono::seconds(10)));
    ASSERT_TRUE(a_.Start(ns_->a(),
                         {"--config", wd_ + "/a.conf", "--backend", "model", "--control",
                          wd_ + "/a.ctl", "--tun", "espt0"},
                         wd_ + "/a.log"));
    ASSERT_TRUE(WaitFor([&] { return ChildCount(A()) == 1 && ChildCount(B()) == 1; },
                        std::chrono::seconds(10)))
        << "no CHILD_SA on both sides within 10 s";
  }
  std::string A() const { return wd_ + "/a.ctl"; }
  std::string B() const { return wd_ + "/b.ctl"; }
  int Ping(const std::string& ns, const std::string& src, const std::string& dst, int n) {
    auto r = RunCommand("ip netns exec " + ns + " ping -c " + std::to_string(n) +
                        " -i 0.2 -W 2 -I " + src + " " + dst);
    std::smatch m;
    if (!std::regex_search(r.output, m, std::regex("(\\d+) received"))) return -1;
    return std::stoi(m[1]);
  }

  std::string prefix_, wd_;
  std::unique_ptr<NetnsPair> ns_;
  EspdProcess a_, b_;
};

TEST_F(EspdPairTest, PingAndUdpBothWaysCountersReconcile) {
  Up(/*encap=*/false);
  EXPECT_EQ(Ping(ns_->a(), "10.1.0.1", "10.2.0.1", 3), 3);
  EXPECT_EQ(Ping(ns_->b(), "10.2.0.1", "10.1.0.1", 3), 3);
  EXPECT_EQ(UdpStream(ns_->a(), "10.1.0.1", ns_->b(), "10.2.0.1", 300, 5001), 300);
  EXPECT_EQ(UdpStream(ns_->b(), "10.2.0.1", ns_->a(), "10.1.0.1", 300, 5002), 300);

  auto sa = Espctl(A(), "stats"), sb = Espctl(B(), "stats");
  ASSERT_FALSE(sa.is_discarded());
  ASSERT_FALSE(sb.is_discarded());
  // 6 echo requests + 6 replies + 600 datagrams crossed the tunnel, 306 each way.
  EXPECT_EQ(sa["esp"]["out"], 306);
  EXPECT_EQ(sb["esp"]["in"], sa["esp"]["out"]);
  EXPECT_EQ(sb["esp"]["decap_ok"], sa["esp"]["encap_ok"]);
  EXPECT_EQ(sa["esp"]["in"], sb["esp"]["out"]);
  EXPECT_EQ(sa["esp"]["decap_ok"], sb["esp"]["encap_ok"]);
  EXPECT_EQ(sa["plaintext"]["out"], sb["plaintext"]["in"]);
  EXPECT_TRUE(sa["drops"]["inbound"].empty()) << sa["drops"].dump();
  EXPECT_TRUE(sb["drops"]["inbound"].empty()) << sb["drops"].dump();
  // Per-SA device counters: A's outbound SA = B's inbound SA, packet for packet and byte count.
  auto la = Espctl(A(), "list-sas"), lb = Espctl(B(), "list-sas");
  const auto& ca = la["child_sas"][0];
  const auto& cb = lb["child_sas"][0];
  EXPECT_EQ(ca["spi_out"], cb["spi_in"]);
  EXPECT_EQ(ca["spi_in"], cb["spi_out"]);
  EXPECT_EQ(ca["out"]["packets"], 306);
  EXPECT_EQ(cb["in"]["packets"], ca["out"]["packets"]);
  EXPECT_EQ(cb["in"]["highest_seq"], 306);
  EXPECT_EQ(ca["out"]["next_seq"], 307);
  EXPECT_EQ(ca["in"]["packets"], cb["out"]["packets"]);
  EXPECT_EQ(ca["algorithm"], "AES_GCM_16-128");
  EXPECT_EQ(ca["mode"], "TUNNEL");

  // SIGTERM: DELETEs sent, SAs removed, exit 0; no key material in the logs.
  EXPECT_EQ(a_.Stop(), 0);
  EXPECT_EQ(b_.Stop(), 0);
  for (const auto& log : {a_.Log(), b_.Log()}) {
    EXPECT_NE(log.find("removed"), std::string::npos);
    EXPECT_FALSE(std::regex_search(log, std::regex("[0-9a-fA-F]{32}"))) << "hex blob in log";
  }
}

TEST_F(EspdPairTest, ReplayedPacketIsReplayFlippedBitIsAuthFail) {
  Up(/*encap=*/true);  // ESP in UDP 4500: the injected copy reaches espd's shared socket
  const std::string pcap = wd_ + "/wire.pcap";
  Sh("ip netns exec " + ns_->b() + " tcpdump -U --immediate-mode -i " + prefix_ + "-vb -w " + pcap +
     " 'udp port 4500 and src 192.0.2.1' >/dev/null 2>&1 & echo $! >" + wd_ + "/tcpdump.pid");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(Ping(ns_->a(), "10.1.0.1", "10.2.0.1", 2), 2);
  Sh("kill $(cat " + wd_ + "/tcpdump.pid); sleep 0.3");
  auto in = host::ReadPcap(pcap);
  ASSERT_TRUE(in) << in.error().message;
  std::vector<uint8_t> esp;
  for (const auto& r : in->records) {
    // UDP to 4500 with a non-zero first word: ESP, not IKE (non-ESP marker) or a keepalive.
    if (r.packet.size() > 60 && r.packet[9] == 17 && (r.packet[28] | r.packet[29]) != 0) {
      esp = r.packet;
    }
  }
  // The sender's kernel left the UDP checksum to veth offload (partial in the capture): zero it
  // (RFC 3948 2.1 allows 0) so that B's kernel does not drop the copy as a checksum error.
  if (!esp.empty()) esp[26] = esp[27] = 0;
  ASSERT_FALSE(esp.empty()) << "no ESP packet captured: " << in->records.size() << " records, "
                            << RunCommand("tcpdump -nr " + pcap).output;
  auto before = Espctl(B(), "stats");
  ASSERT_TRUE(SendRawIpv4(ns_->a(), esp));  // the same packet again
  auto flipped = esp;
  flipped[28 + 4 + 2] ^= 0x01;  // sequence number + 256: passes the replay pre-check, not the ICV
  ASSERT_TRUE(SendRawIpv4(ns_->a(), flipped));
  ASSERT_TRUE(WaitFor([&] { return Drop(Espctl(B(), "stats"), "inbound", "AUTH_FAIL") == 1; },
                      std::chrono::seconds(3)))
      << Espctl(B(), "stats").dump() << " injected " << esp.size() << " bytes";
  auto after = Espctl(B(), "stats");
  EXPECT_EQ(Drop(after, "inbound", "REPLAY"), 1u) << after["drops"].dump();
  EXPECT_EQ(Drop(after, "inbound", "AUTH_FAIL"), 1u) << after["drops"].dump();
  EXPECT_EQ(after["esp"]["decap_ok"], before["esp"]["decap_ok"]);
  const auto sa = Espctl(B(), "list-sas")["child_sas"][0]["in"];
  EXPECT_EQ(sa["replay_drops"], 1);
  EXPECT_EQ(sa["auth_fail"], 1);
  EXPECT_EQ(sa["highest_seq"], 2) << "the window moved on a bad packet";
  // The tunnel still works after both.
  EXPECT_EQ(Ping(ns_->a(), "10.1.0.1", "10.2.0.1", 1), 1);
}

// --- Failures a user meets first: one clear line on stderr, non-zero exit (no root needed).

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string l; std::getline(ss, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

class EspdErrorTest : public ::testing::Test {
 protected:
  void SetUp() override { wd_ = MakeTempDir("espde"); }
  void TearDown() override { std::filesystem::remove_all(wd_); }
  CommandResult Espd(const std::string& conf, const std::string& args = "") {
    std::ofstream(wd_ + "/e.conf") << conf;
    return RunCommand(std::string(ESPD_PATH) + " --config " + wd_ + "/e.conf --backend model " +
                      "--no-tun --control " + wd_ + "/e.ctl --bind 127.0.0.1 " + args);
  }
  std::string wd_;
};

TEST_F(EspdErrorTest, BadConfigLine) {
  auto r = Espd("connections {\n  c {\n    remote_addrs = 127.0.0.2\n    rekey = 1h\n  }\n}\n");
  EXPECT_EQ(r.status, 2);
  auto l = Lines(r.output);
  ASSERT_EQ(l.size(), 1u) << r.output;
  EXPECT_NE(l[0].find("e.conf:4: "), std::string::npos) << l[0];
  EXPECT_NE(l[0].find("unknown key 'rekey'"), std::string::npos) << l[0];
}

TEST_F(EspdErrorTest, MissingSecret) {
  auto r = Espd("connections {\n  c {\n    remote_addrs = 127.0.0.2\n  }\n}\n");
  EXPECT_NE(r.status, 0);
  auto l = Lines(r.output);
  ASSERT_EQ(l.size(), 1u) << r.output;
  EXPECT_NE(l[0].find("e.conf:2: "), std::string::npos) << l[0];
  EXPECT_NE(l[0].find("psk"), std::string::npos) << l[0];
}

TEST_F(EspdErrorTest, PortInUse) {
  const int s = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(0x7f000001);
  socklen_t len = sizeof(a);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(getsockname(s, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const int port = ntohs(a.sin_port);
  auto r = Espd(Conf(true, true), "--ike-port " + std::to_string(port) + " --natt-port " +
                                      std::to_string(port == 65535 ? port - 1 : port + 1));
  close(s);
  EXPECT_EQ(r.status, 1);
  auto l = Lines(r.output);
  ASSERT_EQ(l.size(), 1u) << r.output;
  EXPECT_NE(l[0].find(std::to_string(port)), std::string::npos) << l[0];
  EXPECT_NE(l[0].find("in use"), std::string::npos) << l[0];
}

TEST_F(EspdErrorTest, EspctlWithoutEspd) {
  auto r = RunCommand(std::string(ESPCTL_PATH) + " --control " + wd_ + "/none.ctl list-sas");
  EXPECT_EQ(r.status, 1);
  auto l = Lines(r.output);
  ASSERT_EQ(l.size(), 1u) << r.output;
  EXPECT_NE(l[0].find("is espd running"), std::string::npos) << l[0];
}

}  // namespace
}  // namespace ipsec::testing
