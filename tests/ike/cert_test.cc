// IKE_AUTH with X.509 certificates (RFC 7427 signatures, ECDSA and RSA) between two engines;
// certificates are made with the openssl command line at suite set-up.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/ike/harness.h"

namespace ipsec::ike::test {
namespace {

class CertTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    have_openssl_ = std::system("command -v openssl >/dev/null 2>&1") == 0;
    if (!have_openssl_) return;
    char tmpl[] = "/tmp/ikecert.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string d = dir_;
    auto sh = [&](const std::string& c) {
      ASSERT_EQ(std::system(("cd " + d + " && (" + c + ") >/dev/null 2>&1").c_str()), 0) << c;
    };
    for (const char* ca : {"ca", "rogue"})
      sh(std::string("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ") +
         "-keyout " + ca + ".key -out " + ca + ".pem -subj /CN=" + ca + " -days 2 " +
         "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign");
    sh("printf 'subjectAltName=DNS:a.example\\n' > a.ext && "
       "printf 'subjectAltName=DNS:b.example,IP:192.0.2.2\\n' > b.ext");
    sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout a.key -out a.csr "
       "-subj /CN=a.example && openssl x509 -req -in a.csr -CA ca.pem -CAkey ca.key "
       "-CAcreateserial -out a.pem -days 2 -extfile a.ext");
    sh("openssl req -newkey rsa:2048 -nodes -keyout b.key -out b.csr -subj /O=Test/CN=b.example "
       "&& openssl x509 -req -in b.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out b.pem "
       "-days 2 -extfile b.ext");
  }
  static void TearDownTestSuite() {
    if (!dir_.empty() && !std::getenv("IKE_KEEP_CERTS")) std::filesystem::remove_all(dir_);
  }
  void SetUp() override {
    if (!have_openssl_) GTEST_SKIP() << "needs the openssl command (Debian package openssl)";
  }

  static std::string F(const char* name) { return dir_ + "/" + name; }

  // a: ECDSA cert, id a.example; b: RSA cert, id = its subject DN. Both trust "ca".
  static std::pair<Config, Config> Configs() {
    auto ca = TwoPeers::DefaultConfig(true);
    auto cb = TwoPeers::DefaultConfig(false);
    auto& la = ca.connections[0].local;
    la = {AuthMethod::kPubkey, "a.example", F("a.pem"), F("a.key"), ""};
    ca.connections[0].remote = {AuthMethod::kPubkey, "%any", "", "", F("ca.pem")};
    cb.connections[0].local = {AuthMethod::kPubkey, "", F("b.pem"), F("b.key"), ""};
    cb.connections[0].remote = {AuthMethod::kPubkey, "a.example", "", "", F("ca.pem")};
    ca.secrets.clear();
    cb.secrets.clear();
    return {ca, cb};
  }

  static std::string dir_;
  static bool have_openssl_;
};
std::string CertTest::dir_;
bool CertTest::have_openssl_ = false;

TEST_F(CertTest, EcdsaInitiatorRsaResponder) {
  TwoPeers t;
  auto [ca, cb] = Configs();
  ASSERT_TRUE(t.Create(ca, cb));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(t.a.Logged("IKE_SA established with '/O=Test/CN=b.example'"));
  EXPECT_TRUE(t.b.Logged("IKE_SA established with 'a.example'"));
  ASSERT_EQ(t.a.sink.Installed().size(), 1u);
  ASSERT_EQ(t.b.sink.Installed().size(), 1u);
  EXPECT_EQ(t.a.sink.Installed()[0]->key_out, t.b.sink.Installed()[0]->key_in);
}

TEST_F(CertTest, IpIdentityFromSubjectAltName) {
  TwoPeers t;
  auto [ca, cb] = Configs();
  cb.connections[0].local.id = "192.0.2.2";  // in b's subjectAltName
  ca.connections[0].remote.id = "192.0.2.2";
  ASSERT_TRUE(t.Create(ca, cb));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_EQ(t.a.sink.Installed().size(), 1u);
}

TEST_F(CertTest, UntrustedCertificate) {
  TwoPeers t;
  auto [ca, cb] = Configs();
  cb.connections[0].remote.ca_file = F("rogue.pem");
  ASSERT_TRUE(t.Create(ca, cb));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(
      t.b.Logged("peer certificate '/CN=a.example' does not verify against CA '/CN=rogue'"));
  EXPECT_TRUE(t.a.Logged(
      "peer rejected our authentication (AUTHENTICATION_FAILED): check the certificate"));
  EXPECT_TRUE(t.a.sink.Installed().empty());
}

TEST_F(CertTest, IdentityNotInCertificate) {
  TwoPeers t;
  auto [ca, cb] = Configs();
  ca.connections[0].local.id = "c.example";
  cb.connections[0].remote.id = "%any";
  ASSERT_TRUE(t.Create(ca, cb));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(
      t.b.Logged("identity mismatch: peer ID 'c.example': peer identity is not in its "
                 "certificate '/CN=a.example'"));
}

TEST_F(CertTest, AuthMethodMismatch) {
  TwoPeers t;
  auto [ca, cb] = Configs();
  ca = TwoPeers::DefaultConfig(true);  // a uses a PSK, b expects a certificate
  cb.connections[0].remote.id = "%any";
  ASSERT_TRUE(t.Create(ca, cb));
  ASSERT_TRUE(t.a.engine->Initiate("net"));
  t.Pump();
  EXPECT_TRUE(
      t.b.Logged("auth method mismatch: peer uses psk (2), connection 'peer' expects "
                 "pubkey (RFC 7427 signature)"));
}

TEST_F(CertTest, BadKeyFileIsAConfigError) {
  auto [ca, cb] = Configs();
  ca.connections[0].local.key_file = F("b.key");  // does not match a.pem
  TwoPeers t;
  Engine::Deps deps{&t.a.out, &t.clock, &t.a.sink, &t.a.random, nullptr, {}};
  auto e = Engine::Create(ca, deps);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("does not match"), std::string::npos) << e.error().message;
}

}  // namespace
}  // namespace ipsec::ike::test
