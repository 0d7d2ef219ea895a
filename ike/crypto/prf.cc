#include "ike/crypto/prf.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "hw/util/check.h"
#include "ike/crypto/algorithms.h"

namespace ipsec::ike {

Result<Hmac> Hmac::Create(const char* digest) {
  util::UniquePtr<EVP_MAC> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return Fail(Errc::kCrypto, "EVP_MAC_fetch(HMAC) failed");
  const EVP_MD* md = EVP_get_digestbyname(digest);
  if (md == nullptr) return Fail(Errc::kCrypto, std::string("no digest ") + digest);
  return Hmac(std::move(mac), digest, static_cast<size_t>(EVP_MD_get_size(md)));
}

Result<util::SecretBytes> Hmac::Compute(std::span<const uint8_t> key,
                                        std::span<const std::span<const uint8_t>> parts) const {
  util::UniquePtr<EVP_MAC_CTX> ctx(EVP_MAC_CTX_new(mac_.get()));
  if (!ctx) return Fail(Errc::kCrypto, "EVP_MAC_CTX_new failed");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_), 0),
      OSSL_PARAM_construct_end()};
  static const uint8_t kEmpty = 0;
  if (EVP_MAC_init(ctx.get(), key.empty() ? &kEmpty : key.data(), key.size(), params) != 1)
    return Fail(Errc::kCrypto, "EVP_MAC_init failed");
  for (auto part : parts) {
    if (!part.empty() && EVP_MAC_update(ctx.get(), part.data(), part.size()) != 1)
      return Fail(Errc::kCrypto, "EVP_MAC_update failed");
  }
  util::SecretBytes out(out_size_);
  size_t len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out_size_)
    return Fail(Errc::kCrypto, "EVP_MAC_final failed");
  return out;
}

Result<Prf> Prf::Create(uint16_t prf_id) {
  const char* digest = nullptr;
  switch (prf_id) {
    case kPrfHmacSha256:
      digest = "SHA256";
      break;
    case kPrfHmacSha384:
      digest = "SHA384";
      break;
    case kPrfHmacSha512:
      digest = "SHA512";
      break;
    default:
      return Fail(Errc::kUnsupported, "unsupported PRF " + std::to_string(prf_id));
  }
  auto hmac = Hmac::Create(digest);
  if (!hmac) return tl::unexpected(hmac.error());
  return Prf(prf_id, std::move(*hmac));
}

Result<util::SecretBytes> Prf::PlusExpand(std::span<const uint8_t> key,
                                          std::span<const uint8_t> seed, size_t len) const {
  const size_t h = OutputSize();
  if (len > 255 * h) return Fail(Errc::kCrypto, "prf+ output too long");
  util::SecretBytes out(len);
  util::SecretBytes t;
  size_t done = 0;
  for (uint8_t n = 1; done < len; ++n) {
    uint8_t counter[1] = {n};
    std::span<const uint8_t> parts[] = {t.span(), seed, counter};
    auto next = Compute(key, parts);
    if (!next) return next;
    t = std::move(*next);
    size_t take = std::min(h, len - done);
    std::copy_n(t.data(), take, out.data() + done);
    done += take;
  }
  return out;
}

std::vector<uint8_t> Sha1(std::span<const std::span<const uint8_t>> parts) {
  util::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  IPSEC_CHECK(ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) == 1, "sha1 init");
  for (auto p : parts) {
    IPSEC_CHECK(EVP_DigestUpdate(ctx.get(), p.data(), p.size()) == 1, "sha1 update");
  }
  std::vector<uint8_t> out(20);
  unsigned int len = 0;
  IPSEC_CHECK(EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1 && len == 20, "sha1 final");
  return out;
}

bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ipsec::ike
