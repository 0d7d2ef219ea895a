#include "hw/model/aes_gcm.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <climits>

namespace ipsec::hw::model {
namespace {

const EVP_CIPHER* CipherFor(size_t key_len) {
  switch (key_len) {
    case 16:
      return EVP_aes_128_gcm();
    case 32:
      return EVP_aes_256_gcm();
    default:
      return nullptr;
  }
}

util::UniquePtr<EVP_CIPHER_CTX> KeyedCtx(const EVP_CIPHER* cipher, std::span<const uint8_t> key,
                                         bool encrypt) {
  util::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return nullptr;
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, AesGcm::kIvLen, nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), nullptr, encrypt ? 1 : 0) != 1) {
    return nullptr;
  }
  return ctx;
}

bool Fits(size_t n) { return n <= static_cast<size_t>(INT_MAX); }

}  // namespace

std::optional<AesGcm> AesGcm::Create(std::span<const uint8_t> key) {
  const EVP_CIPHER* cipher = CipherFor(key.size());
  if (cipher == nullptr) return std::nullopt;
  auto enc = KeyedCtx(cipher, key, true);
  auto dec = KeyedCtx(cipher, key, false);
  if (!enc || !dec) return std::nullopt;
  return AesGcm(std::move(enc), std::move(dec), key.size());
}

bool AesGcm::Seal(std::span<const uint8_t> iv, std::span<const uint8_t> aad,
                  std::span<const uint8_t> pt, std::span<uint8_t> ct,
                  std::span<uint8_t> tag) const {
  if (iv.size() != kIvLen || ct.size() != pt.size() || tag.size() < 4 || tag.size() > kMaxTagLen ||
      !Fits(aad.size()) || !Fits(pt.size())) {
    return false;
  }
  EVP_CIPHER_CTX* c = enc_.get();
  int n = 0;
  if (EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, iv.data()) != 1) return false;
  if (!aad.empty() && EVP_EncryptUpdate(c, nullptr, &n, aad.data(), int(aad.size())) != 1) {
    return false;
  }
  if (!pt.empty() && EVP_EncryptUpdate(c, ct.data(), &n, pt.data(), int(pt.size())) != 1) {
    return false;
  }
  uint8_t full_tag[kMaxTagLen];
  if (EVP_EncryptFinal_ex(c, full_tag, &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, kMaxTagLen, full_tag) != 1) {
    return false;
  }
  std::copy_n(full_tag, tag.size(), tag.begin());
  return true;
}

bool AesGcm::Open(std::span<const uint8_t> iv, std::span<const uint8_t> aad,
                  std::span<const uint8_t> ct, std::span<const uint8_t> tag,
                  std::span<uint8_t> pt) const {
  if (iv.size() != kIvLen || pt.size() != ct.size() || tag.size() < 4 || tag.size() > kMaxTagLen ||
      !Fits(aad.size()) || !Fits(ct.size())) {
    return false;
  }
  EVP_CIPHER_CTX* c = dec_.get();
  int n = 0;
  bool ok = EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, iv.data()) == 1 &&
            (aad.empty() || EVP_DecryptUpdate(c, nullptr, &n, aad.data(), int(aad.size())) == 1) &&
            (ct.empty() || EVP_DecryptUpdate(c, pt.data(), &n, ct.data(), int(ct.size())) == 1) &&
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, int(tag.size()),
                                const_cast<uint8_t*>(tag.data())) == 1 &&
            EVP_DecryptFinal_ex(c, nullptr, &n) == 1;
  if (!ok && !pt.empty()) OPENSSL_cleanse(pt.data(), pt.size());
  return ok;
}

}  // namespace ipsec::hw::model
