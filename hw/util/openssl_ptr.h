// UniquePtr<T> for OpenSSL handles, in the manner of BoringSSL's base.h.
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace ipsec::util {

template <class T>
struct OpenSslDeleter;

#define IPSEC_OPENSSL_DELETER(type, fn)       \
  template <>                                 \
  struct OpenSslDeleter<type> {               \
    void operator()(type* p) const { fn(p); } \
  }

IPSEC_OPENSSL_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free);
IPSEC_OPENSSL_DELETER(EVP_CIPHER, EVP_CIPHER_free);
IPSEC_OPENSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free);
IPSEC_OPENSSL_DELETER(EVP_MAC, EVP_MAC_free);
IPSEC_OPENSSL_DELETER(EVP_MAC_CTX, EVP_MAC_CTX_free);
IPSEC_OPENSSL_DELETER(EVP_PKEY, EVP_PKEY_free);
IPSEC_OPENSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
IPSEC_OPENSSL_DELETER(BIGNUM, BN_free);
IPSEC_OPENSSL_DELETER(X509, X509_free);

#undef IPSEC_OPENSSL_DELETER

template <class T>
using UniquePtr = std::unique_ptr<T, OpenSslDeleter<T>>;

}  // namespace ipsec::util
