// Owning pointers for the OpenSSL types hw/util/openssl_ptr.h does not cover (EC and BN
// contexts). Kept local to ike/crypto; they could move to hw/util if another layer needs them.
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <memory>

namespace ipsec::ike::ossl {

struct EcGroupFree {
  void operator()(EC_GROUP* p) const { EC_GROUP_free(p); }
};
struct EcPointFree {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
struct BnCtxFree {
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
struct BnClearFree {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};

using EcGroupPtr = std::unique_ptr<EC_GROUP, EcGroupFree>;
using EcPointPtr = std::unique_ptr<EC_POINT, EcPointFree>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;
using SecretBnPtr = std::unique_ptr<BIGNUM, BnClearFree>;  // wiped on free

}  // namespace ipsec::ike::ossl
