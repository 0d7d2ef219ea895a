// Certificate authentication through OpenSSL X.509: our credential (certificate + private key,
// PEM), the peer's trust anchor (CA certificate, PEM), chain and identity checks, and AUTH
// payloads of method 14 "Digital Signature" (RFC 7427) with SHA2-256 for RSA (PKCS#1 v1.5) and
// ECDSA keys. CERT payloads carry DER X.509 (encoding 4), CERTREQ the CA's key hash (3.7).
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hw/util/openssl_ptr.h"
#include "ike/errors.h"

namespace ipsec::ike {

inline constexpr uint8_t kCertX509Signature = 4;

class Credential {
 public:
  static Result<Credential> Load(const std::string& cert_file, const std::string& key_file);
  const std::vector<uint8_t>& cert_der() const { return cert_der_; }
  // DER subject name (for ID_DER_ASN1_DN).
  std::vector<uint8_t> SubjectDer() const;
  // RFC 7427 AUTH data: length of AlgorithmIdentifier, AlgorithmIdentifier, signature.
  Result<std::vector<uint8_t>> Sign(std::span<const uint8_t> octets) const;

 private:
  util::UniquePtr<X509> cert_;
  util::UniquePtr<EVP_PKEY> key_;
  std::vector<uint8_t> cert_der_;
};

class TrustStore {
 public:
  static Result<TrustStore> Load(const std::string& ca_file);
  // Parses and verifies the peer's end-entity certificate against the CA.
  Result<util::UniquePtr<X509>> Verify(std::span<const uint8_t> der) const;
  // SHA-1 of the CA's SubjectPublicKeyInfo (CERTREQ certification authority field).
  std::vector<uint8_t> CaKeyHash() const;

 private:
  util::UniquePtr<X509> ca_;
};

// RFC 7427 AUTH check with the certificate's public key.
Status VerifySignature(X509* cert, std::span<const uint8_t> octets, std::span<const uint8_t> auth);
// The ID payload (type, data) names this certificate: subject DN, or a subjectAltName
// (dNSName, iPAddress, rfc822Name).
Status CheckIdentity(X509* cert, uint8_t id_type, std::span<const uint8_t> id_data);
std::string SubjectString(X509* cert);
// One-line form of a DER distinguished name ("/C=CH/O=x/CN=y").
std::string DnString(std::span<const uint8_t> der);

}  // namespace ipsec::ike
