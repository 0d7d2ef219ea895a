// Interop with strongSwan's charon (../shared/peers): our engine in netns ikeh-a (192.0.2.1),
// charon in ikeh-b (192.0.2.2), both roles, three proposals. Checks that the ESP keys we derive
// equal charon's (charon-keys), and that a CHILD_SA rekey and a delete complete. Needs root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ike/transport/udp_transport.h"
#include "tests/ike/harness.h"

namespace ipsec::ike::test {
namespace {

constexpr char kPeers[] = "../shared/peers";

int Sh(const std::string& cmd) { return std::system(cmd.c_str()); }

std::string Capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Moves this thread into a named network namespace; restores the original on destruction.
class NetnsGuard {
 public:
  explicit NetnsGuard(const std::string& name) {
    orig_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int fd = open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    ok_ = fd >= 0 && setns(fd, CLONE_NEWNET) == 0;
    if (fd >= 0) close(fd);
  }
  ~NetnsGuard() {
    if (orig_ >= 0) {
      (void)setns(orig_, CLONE_NEWNET);
      close(orig_);
    }
  }
  bool ok() const { return ok_; }

 private:
  int orig_ = -1;
  bool ok_ = false;
};

std::string Hex8(uint32_t v) {
  char b[9];
  std::snprintf(b, sizeof(b), "%08x", v);
  return b;
}

class InteropTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "interop tests need root";
    if (!std::filesystem::exists(std::string(kPeers) + "/charon-up"))
      GTEST_SKIP() << kPeers << " not found (run from the project root)";
    // Our netns prefix, unique per test so that ctest -j can run them side by side.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = std::string("ikeh") +
              (std::string(info->name()).find("WeInitiate") == 0 ? "i" : "r") +
              std::to_string(std::string(info->name()).back() - '0');
    char tmpl[] = "/tmp/ikeh.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    wd_ = tmpl;
    ASSERT_EQ(Sh(std::string(kPeers) + "/netns-pair up " + prefix_ + " >/dev/null"), 0);
  }
  void TearDown() override {
    if (wd_.empty()) return;
    if (HasFailure()) {
      for (const auto& l : log_) std::fprintf(stderr, "ours: %s\n", l.c_str());
      Sh("tail -40 " + wd_ + "/c/charon.log >&2");
    }
    Sh(std::string(kPeers) + "/charon-down " + wd_ + "/c");
    Sh(std::string(kPeers) + "/netns-pair down " + prefix_);
    std::filesystem::remove_all(wd_);
  }

  std::string CharonUp(const std::string& extra) {
    return Capture(std::string(kPeers) + "/charon-up " + prefix_ + "-b " + wd_ +
                   "/c IKE=" + GetParam() + " " + extra);
  }
  void Swanctl(const std::string& args) {
    Sh("ip netns exec " + std::string(prefix_) + "-b swanctl " + args + " --uri " + uri_ + " >>" +
       wd_ + "/swanctl.log 2>&1 &");
  }

  Config OurConfig(bool initiator) {
    Config c;
    ConnectionConfig conn;
    conn.name = "peer";
    conn.local_addrs = {"192.0.2.1"};
    conn.remote_addrs = {initiator ? "192.0.2.2" : "%any"};
    conn.proposals = GetParam();
    conn.remote.id = "%any";
    conn.dpd_delay = std::chrono::seconds(1);
    ChildConfig ch;
    ch.name = "net";
    ch.local_ts = {"10.1.0.0/24"};
    ch.remote_ts = {"10.2.0.0/24"};
    ch.esp_proposals = "aes256gcm16";
    conn.children.push_back(ch);
    c.connections.push_back(conn);
    c.secrets.push_back({{}, "correct horse battery staple"});
    c.retransmit.timeout = std::chrono::milliseconds(1000);
    return c;
  }

  bool Start(bool initiator) {
    transport_ = UdpTransport::Open(0xc0000201);
    if (!transport_) {
      ADD_FAILURE() << transport_.error().message;
      return false;
    }
    Engine::Deps deps{transport_->get(),
                      &clock_,
                      &sink_,
                      &random_,
                      [this](LogLevel, std::string_view s) {
                        log_.emplace_back(s);
                        if (std::getenv("IKE_TEST_LOG"))
                          std::fprintf(stderr, "ours: %.*s\n", int(s.size()), s.data());
                      },
                      {}};
    auto e = Engine::Create(OurConfig(initiator), deps);
    if (!e) {
      ADD_FAILURE() << e.error().message;
      return false;
    }
    engine_ = std::move(*e);
    return true;
  }

  // Runs the event loop until `pred` or `limit`.
  bool RunUntil(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      (void)(*transport_)->Poll(std::chrono::milliseconds(10), [this](const Datagram& d) {
        engine_->OnDatagram(d);
      });
      if (auto t = engine_->NextTimer(); t && *t <= clock_.Now()) engine_->RunTimers();
    }
    return pred();
  }

  // The newest installed child's keys equal what charon logged for the same SPIs.
  void ExpectKeysMatchCharon() {
    auto inst = sink_.Installed();
    ASSERT_FALSE(inst.empty());
    const Event& e = *inst.back();
    auto json = nlohmann::json::parse(
        Capture(std::string(kPeers) + "/charon-keys " + wd_ + "/c/charon.log"), nullptr, false);
    ASSERT_TRUE(json.is_array()) << "charon-keys output is not JSON";
    bool found = false;
    for (const auto& sa : json) {
      if (sa.value("spi_in", "") != Hex8(e.spi_out)) continue;
      found = true;
      EXPECT_EQ(sa.value("spi_out", ""), Hex8(e.spi_in));
      EXPECT_EQ(sa.value("key_in", ""), e.key_out + e.salt_out) << "our outbound key";
      EXPECT_EQ(sa.value("key_out", ""), e.key_in + e.salt_in) << "our inbound key";
    }
    EXPECT_TRUE(found) << "charon logged no CHILD_SA with inbound SPI " << Hex8(e.spi_out);
    compared_++;
  }

  std::string wd_, uri_, prefix_;
  SteadyClock clock_;
  OpenSslRandom random_;
  RecordingSink sink_;
  std::vector<std::string> log_;
  Result<std::unique_ptr<UdpTransport>> transport_ = util::Fail(Errc::kIo, "not open");
  std::unique_ptr<Engine> engine_;
  int compared_ = 0;
};

TEST_P(InteropTest, WeInitiateCharonResponds) {
  uri_ = CharonUp("");
  ASSERT_FALSE(uri_.empty());
  NetnsGuard ns(std::string(prefix_) + "-a");
  ASSERT_TRUE(ns.ok());
  ASSERT_TRUE(Start(true));
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(engine_->Initiate("net"));
  ASSERT_TRUE(RunUntil([&] { return !sink_.Installed().empty(); }, std::chrono::seconds(10)));
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  RecordProperty("handshake_ms", static_cast<int>(ms.count()));
  EXPECT_TRUE(sink_.Installed().back()->encap);  // charon forces UDP encapsulation
  ExpectKeysMatchCharon();
  // Liveness: with dpd_delay = 1s and no other traffic we probe charon; it answers.
  RunUntil([] { return false; }, std::chrono::milliseconds(2500));
  EXPECT_EQ(engine_->stats().retransmits, 0u);
  EXPECT_GE(engine_->stats().rx, 4u);  // INIT, AUTH and at least two DPD answers
  // We rekey the child; charon answers; we delete the old SA.
  ASSERT_TRUE(engine_->OnSoftLifetime(sink_.Installed().back()->spi_in));
  ASSERT_TRUE(
      RunUntil([&] { return sink_.Count(Event::kRekeyed) == 1 && sink_.Count(Event::kDown) == 1; },
               std::chrono::seconds(10)));
  ExpectKeysMatchCharon();
  // We rekey the IKE SA; the child moves to the new one and is deleted through it.
  const uint64_t old_spi = engine_->List().at(0).spi_i;
  ASSERT_TRUE(engine_->RekeyIke("peer"));
  ASSERT_TRUE(RunUntil(
      [&] {
        auto l = engine_->List();
        return l.size() == 1 && l[0].spi_i != old_spi && l[0].established;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(engine_->List().at(0).children.size(), 1u);
  // We delete the child.
  ASSERT_TRUE(engine_->Terminate("net"));
  ASSERT_TRUE(RunUntil([&] { return sink_.Installed().empty(); }, std::chrono::seconds(10)));
  engine_->Shutdown();
  EXPECT_TRUE(RunUntil([&] { return engine_->List().empty(); }, std::chrono::seconds(5)));
  EXPECT_EQ(compared_, 2);
  EXPECT_EQ(Sh("grep -q 'received DELETE for ESP CHILD_SA' " + wd_ + "/c/charon.log"), 0);
}

TEST_P(InteropTest, CharonInitiatesWeRespond) {
  uri_ = CharonUp("REMOTE=192.0.2.1 DPD=1s");
  ASSERT_FALSE(uri_.empty());
  NetnsGuard ns(std::string(prefix_) + "-a");
  ASSERT_TRUE(ns.ok());
  ASSERT_TRUE(Start(false));
  Swanctl("--initiate --child net");
  ASSERT_TRUE(RunUntil([&] { return !sink_.Installed().empty(); }, std::chrono::seconds(15)));
  EXPECT_TRUE(sink_.Installed().back()->encap);
  ExpectKeysMatchCharon();
  // Liveness: both sides have dpd_delay = 1s; whichever timer fires first probes and the other
  // answers (a request received counts as traffic, so the other side's own probe then stays
  // quiet: which side probes is a race, seen both ways). Either way at least two liveness
  // messages reach us in 2.5 s (charon's requests or its answers to ours), none retransmitted.
  const uint64_t rx0 = engine_->stats().rx;
  RunUntil([] { return false; }, std::chrono::milliseconds(2500));
  EXPECT_GE(engine_->stats().rx - rx0, 2u);
  EXPECT_EQ(engine_->stats().retransmits, 0u);
  EXPECT_NE(Sh("grep -q 'retransmit' " + wd_ + "/c/charon.log"), 0);
  // charon rekeys the child (we respond); charon then deletes the old SA.
  Swanctl("--rekey --child net");
  ASSERT_TRUE(
      RunUntil([&] { return sink_.Count(Event::kRekeyed) == 1 && sink_.Count(Event::kDown) == 1; },
               std::chrono::seconds(10)));
  ExpectKeysMatchCharon();
  // We rekey it too (responder of the IKE SA initiating CREATE_CHILD_SA).
  ASSERT_TRUE(engine_->OnSoftLifetime(sink_.Installed().back()->spi_in));
  ASSERT_TRUE(
      RunUntil([&] { return sink_.Count(Event::kRekeyed) == 2 && sink_.Count(Event::kDown) == 2; },
               std::chrono::seconds(10)));
  ExpectKeysMatchCharon();
  // charon rekeys the IKE SA (we respond), then deletes the child through the new IKE SA.
  const uint64_t old_spi = engine_->List().at(0).spi_i;
  Swanctl("--rekey --ike peer");
  ASSERT_TRUE(RunUntil(
      [&] {
        auto l = engine_->List();
        return l.size() == 1 && l[0].spi_i != old_spi && l[0].established;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(engine_->List().at(0).children.size(), 1u);
  // charon deletes the child.
  Swanctl("--terminate --child net");
  ASSERT_TRUE(RunUntil([&] { return sink_.Installed().empty(); }, std::chrono::seconds(10)));
  EXPECT_EQ(sink_.events.back().reason, DownReason::kPeerDeleted);
  EXPECT_EQ(compared_, 3);
}

INSTANTIATE_TEST_SUITE_P(Charon, InteropTest,
                         ::testing::Values("aes256gcm16-prfsha256-ecp256",
                                           "aes128gcm16-prfsha384-x25519",
                                           "aes256-sha256-modp2048"),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s + "_" + std::to_string(info.index);
                         });

}  // namespace
}  // namespace ipsec::ike::test
