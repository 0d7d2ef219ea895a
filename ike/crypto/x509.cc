#include "ike/crypto/x509.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>

#include "hw/util/endian.h"
#include "ike/crypto/prf.h"
#include "ike/message/message.h"

namespace ipsec::ike {
namespace {

// DER AlgorithmIdentifiers (RFC 7427 appendix A).
constexpr uint8_t kSha256WithRsa[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                      0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
constexpr uint8_t kEcdsaWithSha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                        0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
constexpr uint8_t kEcdsaWithSha384[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                        0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
struct X509StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct X509StoreCtxFree {
  void operator()(X509_STORE_CTX* s) const { X509_STORE_CTX_free(s); }
};

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

Result<util::UniquePtr<X509>> ReadCert(const std::string& file) {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(file.c_str(), "r"));
  if (!f) return Fail(Errc::kConfig, "cannot open certificate '" + file + "'");
  util::UniquePtr<X509> c(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  if (!c) return Fail(Errc::kConfig, "'" + file + "' is not a PEM certificate: " + OpenSslError());
  return c;
}

std::vector<uint8_t> Der(X509* c) {
  unsigned char* p = nullptr;
  int n = i2d_X509(c, &p);
  std::vector<uint8_t> out;
  if (n > 0) out.assign(p, p + n);
  OPENSSL_free(p);
  return out;
}

}  // namespace

Result<Credential> Credential::Load(const std::string& cert_file, const std::string& key_file) {
  Credential c;
  auto cert = ReadCert(cert_file);
  if (!cert) return tl::unexpected(cert.error());
  c.cert_ = std::move(*cert);
  std::unique_ptr<FILE, FileCloser> f(std::fopen(key_file.c_str(), "r"));
  if (!f) return Fail(Errc::kConfig, "cannot open private key '" + key_file + "'");
  c.key_.reset(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  if (!c.key_) return Fail(Errc::kConfig, "'" + key_file + "' is not a PEM private key");
  if (X509_check_private_key(c.cert_.get(), c.key_.get()) != 1)
    return Fail(Errc::kConfig, "private key '" + key_file + "' does not match '" + cert_file + "'");
  const int id = EVP_PKEY_get_base_id(c.key_.get());
  if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC)
    return Fail(Errc::kUnsupported, "only RSA and ECDSA keys are supported");
  c.cert_der_ = Der(c.cert_.get());
  return c;
}

std::vector<uint8_t> Credential::SubjectDer() const {
  unsigned char* p = nullptr;
  int n = i2d_X509_NAME(X509_get_subject_name(cert_.get()), &p);
  std::vector<uint8_t> out;
  if (n > 0) out.assign(p, p + n);
  OPENSSL_free(p);
  return out;
}

Result<std::vector<uint8_t>> Credential::Sign(std::span<const uint8_t> octets) const {
  const bool rsa = EVP_PKEY_get_base_id(key_.get()) == EVP_PKEY_RSA;
  std::span<const uint8_t> alg =
      rsa ? std::span<const uint8_t>(kSha256WithRsa) : std::span<const uint8_t>(kEcdsaWithSha256);
  util::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, octets.data(), octets.size()) != 1)
    return Fail(Errc::kCrypto, "signature setup failed: " + OpenSslError());
  std::vector<uint8_t> out{static_cast<uint8_t>(alg.size())};
  out.insert(out.end(), alg.begin(), alg.end());
  const size_t off = out.size();
  out.resize(off + len);
  if (EVP_DigestSign(ctx.get(), out.data() + off, &len, octets.data(), octets.size()) != 1)
    return Fail(Errc::kCrypto, "signing failed: " + OpenSslError());
  out.resize(off + len);
  return out;
}

Result<TrustStore> TrustStore::Load(const std::string& ca_file) {
  TrustStore t;
  auto ca = ReadCert(ca_file);
  if (!ca) return tl::unexpected(ca.error());
  t.ca_ = std::move(*ca);
  return t;
}

Result<util::UniquePtr<X509>> TrustStore::Verify(std::span<const uint8_t> der) const {
  const unsigned char* p = der.data();
  util::UniquePtr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size())
    return Fail(Errc::kMalformed, "CERT payload is not a DER X.509 certificate");
  std::unique_ptr<X509_STORE, X509StoreFree> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, X509StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca_.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1)
    return Fail(Errc::kCrypto, "X509 store setup failed");
  if (X509_verify_cert(ctx.get()) != 1)
    return Fail(Errc::kAuthFailed,
                "peer certificate '" + SubjectString(cert.get()) +
                    "' does not verify against CA '" + SubjectString(ca_.get()) +
                    "': " + X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  return cert;
}

std::vector<uint8_t> TrustStore::CaKeyHash() const {
  unsigned char* p = nullptr;
  int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca_.get()), &p);
  std::vector<uint8_t> out;
  if (n > 0) {
    std::span<const uint8_t> parts[] = {std::span<const uint8_t>(p, static_cast<size_t>(n))};
    out = Sha1(parts);
  }
  OPENSSL_free(p);
  return out;
}

Status VerifySignature(X509* cert, std::span<const uint8_t> octets, std::span<const uint8_t> auth) {
  if (auth.empty() || auth[0] + 1u > auth.size())
    return Fail(Errc::kMalformed, "AUTH (digital signature): bad AlgorithmIdentifier length");
  auto alg = auth.subspan(1, auth[0]);
  auto sig = auth.subspan(1 + auth[0]);
  const EVP_MD* md = nullptr;
  auto is = [&](std::span<const uint8_t> want) {
    return alg.size() == want.size() && std::equal(alg.begin(), alg.end(), want.begin());
  };
  if (is(kSha256WithRsa) || is(kEcdsaWithSha256))
    md = EVP_sha256();
  else if (is(kEcdsaWithSha384))
    md = EVP_sha384();
  else
    return Fail(Errc::kUnsupported, "AUTH uses a signature algorithm we do not support");
  EVP_PKEY* pub = X509_get0_pubkey(cert);
  util::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!pub || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pub) != 1)
    return Fail(Errc::kCrypto, "signature verification setup failed");
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), octets.data(), octets.size()) != 1)
    return Fail(Errc::kAuthFailed, "signature of '" + SubjectString(cert) + "' does not verify");
  return {};
}

Status CheckIdentity(X509* cert, uint8_t id_type, std::span<const uint8_t> id) {
  std::string s(id.begin(), id.end());
  bool ok = false;
  switch (id_type) {
    case kIdDerAsn1Dn: {
      unsigned char* p = nullptr;
      int n = i2d_X509_NAME(X509_get_subject_name(cert), &p);
      ok = n > 0 && static_cast<size_t>(n) == id.size() && std::equal(id.begin(), id.end(), p);
      OPENSSL_free(p);
      break;
    }
    case kIdFqdn:
      ok = X509_check_host(cert, s.data(), s.size(), X509_CHECK_FLAG_NO_WILDCARDS, nullptr) == 1;
      break;
    case kIdRfc822Addr:
      ok = X509_check_email(cert, s.data(), s.size(), 0) == 1;
      break;
    case kIdIpv4Addr:
      ok = id.size() == 4 && X509_check_ip(cert, id.data(), 4, 0) == 1;
      break;
    default:
      break;
  }
  if (!ok)
    return Fail(Errc::kAuthFailed, "peer identity is not in its certificate '" +
                                       SubjectString(cert) +
                                       "' (neither the subject nor a subjectAltName)");
  return {};
}

std::string DnString(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  X509_NAME* name = d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size()));
  if (!name) return "(bad DN)";
  char buf[256];
  X509_NAME_oneline(name, buf, sizeof(buf));
  X509_NAME_free(name);
  return buf;
}

std::string SubjectString(X509* cert) {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof(buf));
  return buf;
}

}  // namespace ipsec::ike
