// espd's swanctl.conf subset: a good file converts to the expected ike::Config, and each class of
// bad line gives exactly one error naming FILE:LINE of the offending line.
#include "host/espd_config.h"

#include <gtest/gtest.h>

namespace ipsec::host {
namespace {

constexpr char kGood[] = R"(# a comment
connections {
  gw {
    version = 2
    local_addrs = 192.0.2.1
    remote_addrs = 192.0.2.2, 192.0.2.3
    proposals = aes256gcm16-prfsha256-ecp256,aes128gcm16-prfsha256-x25519
    encap = yes
    mobike = no
    dpd_delay = 30s
    rekey_time = 4h
    local { auth = psk
            id = gw-a.example }
    remote {
      auth = psk
      id = %any
    }
    children {
      net {
        local_ts = 10.1.0.0/24
        remote_ts = 10.2.0.0/24, 10.3.0.0/16[udp/53]
        esp_proposals = aes128gcm16-esn
        mode = tunnel
        rekey_time = 500ms
        rekey_packets = 1000
        life_packets = 2000
        replay_window = 128
        start_action = trap
        dpd_action = restart
      }
      lan { local_ts = 10.1.0.0/24
            remote_ts = 192.168.0.0/16
            mode = pass }
    }
  }
}
secrets {
  ike-gw { id = gw-a.example
           secret = "with # and } inside" }
}
)";

TEST(EspdConfigTest, GoodFileConverts) {
  auto root = ParseSwanctl(kGood, "good.conf");
  ASSERT_TRUE(root) << root.error().message;
  auto cfg = BuildEspdConfig(*root, "good.conf");
  ASSERT_TRUE(cfg) << cfg.error().message;
  ASSERT_EQ(cfg->ike.connections.size(), 1u);
  const auto& c = cfg->ike.connections[0];
  EXPECT_EQ(c.name, "gw");
  EXPECT_EQ(c.local_addrs, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(c.remote_addrs, (std::vector<std::string>{"192.0.2.2", "192.0.2.3"}));
  EXPECT_TRUE(c.encap);
  EXPECT_EQ(c.dpd_delay, std::chrono::seconds(30));
  EXPECT_EQ(c.rekey_time, std::chrono::hours(4));
  EXPECT_EQ(c.local.id, "gw-a.example");
  EXPECT_EQ(c.remote.id, "%any");
  ASSERT_EQ(c.children.size(), 1u);  // "lan" is a shunt, not an IKE child
  const auto& ch = c.children[0];
  EXPECT_EQ(ch.name, "net");
  EXPECT_EQ(ch.remote_ts, (std::vector<std::string>{"10.2.0.0/24", "10.3.0.0/16[udp/53]"}));
  EXPECT_EQ(ch.esp_proposals, "aes128gcm16-esn");
  EXPECT_EQ(ch.rekey_time, std::chrono::milliseconds(500));
  EXPECT_EQ(ch.start_action, ike::StartAction::kTrap);
  const auto& dev = cfg->DeviceFor("gw", "net");
  EXPECT_EQ(dev.rekey_packets, 1000u);
  EXPECT_EQ(dev.life_packets, 2000u);
  EXPECT_EQ(dev.replay_window, 128u);
  EXPECT_EQ(dev.dpd_action, "restart");
  ASSERT_EQ(cfg->shunts.size(), 1u);
  EXPECT_EQ(cfg->shunts[0].action, ShuntAction::kBypass);
  ASSERT_EQ(cfg->ike.secrets.size(), 1u);
  EXPECT_EQ(cfg->ike.secrets[0].secret, "with # and } inside");
  EXPECT_EQ(cfg->ike.secrets[0].ids, std::vector<std::string>{"gw-a.example"});
}

std::string Base(const std::string& child_extra, const std::string& conn_extra = "",
                 const std::string& secrets = "secrets { ike-1 { secret = s } }\n") {
  // Line numbers: a conn_extra line is line 4; a child_extra line is line 7.
  return "connections {\n"
         "  c {\n"
         "    remote_addrs = 192.0.2.2\n" +
         conn_extra +
         "    children {\n"
         "      net {\n"
         "        remote_ts = 10.2.0.0/24\n" +
         child_extra +
         "      }\n"
         "    }\n"
         "  }\n"
         "}\n" +
         secrets;
}

struct BadCase {
  const char* name;
  std::string text;
  int line;
  const char* says;  // a word the message must contain
};

class EspdConfigBadTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(EspdConfigBadTest, OneErrorNamingFileAndLine) {
  const BadCase& bc = GetParam();
  auto root = ParseSwanctl(bc.text, "bad.conf");
  std::string msg;
  if (!root) {
    msg = root.error().message;
  } else {
    auto cfg = BuildEspdConfig(*root, "bad.conf");
    ASSERT_FALSE(cfg) << "accepted:\n" << bc.text;
    msg = cfg.error().message;
  }
  EXPECT_EQ(msg.rfind("bad.conf:" + std::to_string(bc.line) + ": ", 0), 0u) << msg;
  EXPECT_NE(msg.find(bc.says), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Classes, EspdConfigBadTest,
    ::testing::Values(
        BadCase{"UnknownChildKey", Base("        rekey_tme = 1h\n"), 7, "unknown key 'rekey_tme'"},
        BadCase{"UnknownConnKey", Base("", "    ike_version = 2\n"), 4, "unknown key"},
        BadCase{"UnknownSection", Base("", "    locl { auth = psk }\n"), 4, "unknown section"},
        BadCase{"UnknownTopSection", "charon {\n}\n", 1, "unknown section 'charon'"},
        BadCase{"MissingEquals", Base("        mode tunnel\n"), 7, "expected '='"},
        BadCase{"Unclosed", "connections {\n  c {\n    version = 2\n", 2, "not closed"},
        BadCase{"StrayBrace", "}\n", 1, "unexpected '}'"},
        BadCase{"BadDuration", Base("        rekey_time = soon\n"), 7, "not a duration"},
        BadCase{"BadNumber", Base("        rekey_packets = -5\n"), 7, "not a number"},
        BadCase{"BadAddress", Base("", "    local_addrs = 192.0.2.300\n"), 4, "not an IPv4"},
        BadCase{"BadProposal", Base("", "    proposals = aes256-md5-modp768\n"), 4, "proposals"},
        BadCase{"NonGcmEsp", Base("        esp_proposals = aes256-sha256\n"), 7, "esp_proposals"},
        BadCase{"BadTs", Base("        local_ts = 10.1.0.0/33\n"), 7, "local_ts"},
        BadCase{"BadMode", Base("        mode = beet\n"), 7, "mode"},
        BadCase{"BadStartAction", Base("        start_action = go\n"), 7, "start_action"},
        BadCase{"BadYesNo", Base("", "    encap = maybe\n"), 4, "yes or no"},
        BadCase{"Mobike", Base("", "    mobike = yes\n"), 4, "MOBIKE"},
        BadCase{"IkeV1", Base("", "    version = 1\n"), 4, "IKEv2"},
        BadCase{"Duplicate", Base("        mode = tunnel\n        mode = transport\n"), 8,
                "already set at line 7"},
        BadCase{"Unterminated", Base("        esp_proposals = \"aes128gcm16\n"), 7, "unterminated"},
        BadCase{"Include", "include swanctl.d/*.conf\n", 1, "include"},
        BadCase{"KeyPath", "connections.c.version = 2\n", 1, "not supported"},
        BadCase{"MissingSecret", Base("", "", ""), 2, "no secrets"},
        BadCase{"SecretWithoutValue", Base("", "", "secrets {\n  ike-x {\n    id = a\n  }\n}\n"),
                12, "no secret"},
        BadCase{"SecretUnknownKey",
                Base("", "", "secrets {\n  ike-x {\n    secret = s\n    pin = 1\n  }\n}\n"), 14,
                "unknown key 'pin'"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EspdConfigTest, Durations) {
  std::chrono::milliseconds ms{};
  ASSERT_TRUE(ParseDuration("90", &ms));
  EXPECT_EQ(ms.count(), 90'000);
  ASSERT_TRUE(ParseDuration("250ms", &ms));
  EXPECT_EQ(ms.count(), 250);
  ASSERT_TRUE(ParseDuration("2d", &ms));
  EXPECT_EQ(ms, std::chrono::hours(48));
  EXPECT_FALSE(ParseDuration("", &ms));
  EXPECT_FALSE(ParseDuration("1w", &ms));
  EXPECT_FALSE(ParseDuration("s", &ms));
}

TEST(EspdConfigTest, MissingFileIsOneLine) {
  auto cfg = LoadEspdConfig("/nonexistent/espd.conf");
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("/nonexistent/espd.conf"), std::string::npos);
}

TEST(EspdConfigTest, DemoConfigsLoad) {
  for (const char* f : {"host/demo/a.conf", "host/demo/b.conf"}) {
    auto cfg = LoadEspdConfig(f);
    EXPECT_TRUE(cfg) << f << ": " << cfg.error().message;
  }
}

}  // namespace
}  // namespace ipsec::host
