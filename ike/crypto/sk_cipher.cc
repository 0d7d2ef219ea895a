#include "ike/crypto/sk_cipher.h"

#include <openssl/evp.h>

#include "hw/util/endian.h"
#include "hw/util/openssl_ptr.h"
#include "ike/crypto/algorithms.h"

namespace ipsec::ike {
namespace {

const EVP_CIPHER* Cipher(bool gcm, uint16_t bits) {
  if (gcm) return bits == 128 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
  return bits == 128 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
}

}  // namespace

bool SkCipher::Supported(uint16_t encr, uint16_t key_bits, uint16_t integ) {
  if (key_bits != 128 && key_bits != 256) return false;
  if (encr == kEncrAesGcm16) return integ == kIntegNone;
  return encr == kEncrAesCbc && integ == kIntegHmacSha256_128;
}

size_t SkCipher::EncrKeySize(uint16_t encr, uint16_t key_bits) {
  return key_bits / 8 + (encr == kEncrAesGcm16 ? 4 : 0);
}

size_t SkCipher::IntegKeySize(uint16_t integ) { return integ == kIntegHmacSha256_128 ? 32 : 0; }

Result<SkCipher> SkCipher::Create(uint16_t encr, uint16_t key_bits, uint16_t integ,
                                  util::SecretBytes encr_key, util::SecretBytes integ_key) {
  if (!Supported(encr, key_bits, integ))
    return Fail(Errc::kUnsupported, "unsupported IKE SA cipher " +
                                        TransformName(TransformType::kEncr, encr, key_bits) + "/" +
                                        TransformName(TransformType::kInteg, integ, 0));
  if (encr_key.size() != EncrKeySize(encr, key_bits) || integ_key.size() != IntegKeySize(integ))
    return Fail(Errc::kCrypto, "SK key size mismatch");
  SkCipher c;
  c.aead_ = encr == kEncrAesGcm16;
  c.key_bits_ = key_bits;
  c.iv_size_ = c.aead_ ? 8 : 16;
  c.key_ = util::SecretBytes(encr_key.span().first(key_bits / 8));
  if (c.aead_) c.salt_ = util::SecretBytes(encr_key.span().subspan(key_bits / 8));
  if (!c.aead_) {
    auto h = Hmac::Create("SHA256");
    if (!h) return tl::unexpected(h.error());
    c.hmac_.emplace(std::move(*h));
    c.integ_key_ = std::move(integ_key);
  }
  return c;
}

size_t SkCipher::PaddedSize(size_t plain_len) const {
  if (aead_) return plain_len + 1;  // no padding needed, pad length 0
  return (plain_len + 1 + 15) / 16 * 16;
}

size_t SkCipher::BodySize(size_t plain_len) const {
  return iv_size_ + PaddedSize(plain_len) + icv_size_;
}

Result<std::vector<uint8_t>> SkCipher::Seal(std::span<const uint8_t> aad,
                                            std::span<const uint8_t> plain, Random& random) {
  const size_t padded = PaddedSize(plain.size());
  std::vector<uint8_t> body(iv_size_ + padded + icv_size_);
  std::vector<uint8_t> pt(plain.begin(), plain.end());
  pt.resize(padded, 0);
  pt.back() = static_cast<uint8_t>(padded - plain.size() - 1);
  uint8_t* iv = body.data();
  uint8_t* ct = iv + iv_size_;
  uint8_t* icv = ct + padded;
  util::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Fail(Errc::kCrypto, "EVP_CIPHER_CTX_new failed");
  int len = 0;
  if (aead_) {
    util::StoreBe64(iv, ++iv_counter_);
    uint8_t nonce[12];
    std::copy_n(salt_.data(), 4, nonce);
    std::copy_n(iv, 8, nonce + 4);
    if (EVP_EncryptInit_ex(ctx.get(), Cipher(true, key_bits_), nullptr, key_.data(), nonce) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) !=
            1 ||
        EVP_EncryptUpdate(ctx.get(), ct, &len, pt.data(), static_cast<int>(pt.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), ct + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, icv) != 1)
      return Fail(Errc::kCrypto, "AES-GCM encryption failed");
  } else {
    random.Fill(std::span(iv, iv_size_));
    if (EVP_EncryptInit_ex(ctx.get(), Cipher(false, key_bits_), nullptr, key_.data(), iv) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_EncryptUpdate(ctx.get(), ct, &len, pt.data(), static_cast<int>(pt.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), ct + len, &len) != 1)
      return Fail(Errc::kCrypto, "AES-CBC encryption failed");
    std::span<const uint8_t> parts[] = {aad, std::span(iv, iv_size_ + padded)};
    auto mac = hmac_->Compute(integ_key_.span(), parts);
    if (!mac) return tl::unexpected(mac.error());
    std::copy_n(mac->data(), icv_size_, icv);
  }
  OPENSSL_cleanse(pt.data(), pt.size());
  return body;
}

Result<std::vector<uint8_t>> SkCipher::Open(std::span<const uint8_t> aad,
                                            std::span<const uint8_t> body) const {
  if (body.size() < iv_size_ + icv_size_ + (aead_ ? 1 : 16))
    return Fail(Errc::kMalformed, "SK payload too short (" + std::to_string(body.size()) + ")");
  const size_t ct_len = body.size() - iv_size_ - icv_size_;
  if (!aead_ && ct_len % 16 != 0)
    return Fail(Errc::kMalformed, "SK ciphertext not a multiple of the AES block size");
  const uint8_t* iv = body.data();
  const uint8_t* ct = iv + iv_size_;
  const uint8_t* icv = ct + ct_len;
  std::vector<uint8_t> pt(ct_len);
  util::UniquePtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Fail(Errc::kCrypto, "EVP_CIPHER_CTX_new failed");
  int len = 0;
  if (aead_) {
    uint8_t nonce[12];
    std::copy_n(salt_.data(), 4, nonce);
    std::copy_n(iv, 8, nonce + 4);
    if (EVP_DecryptInit_ex(ctx.get(), Cipher(true, key_bits_), nullptr, key_.data(), nonce) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) !=
            1 ||
        EVP_DecryptUpdate(ctx.get(), pt.data(), &len, ct, static_cast<int>(ct_len)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, const_cast<uint8_t*>(icv)) != 1)
      return Fail(Errc::kCrypto, "AES-GCM decryption setup failed");
    if (EVP_DecryptFinal_ex(ctx.get(), pt.data() + len, &len) != 1)
      return Fail(Errc::kCrypto, "SK payload ICV check failed (AES-GCM)");
  } else {
    std::span<const uint8_t> parts[] = {aad, body.first(iv_size_ + ct_len)};
    auto mac = hmac_->Compute(integ_key_.span(), parts);
    if (!mac) return tl::unexpected(mac.error());
    if (!ConstantTimeEqual(mac->span().first(icv_size_), std::span(icv, icv_size_)))
      return Fail(Errc::kCrypto, "SK payload ICV check failed (HMAC-SHA2-256-128)");
    if (EVP_DecryptInit_ex(ctx.get(), Cipher(false, key_bits_), nullptr, key_.data(), iv) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_DecryptUpdate(ctx.get(), pt.data(), &len, ct, static_cast<int>(ct_len)) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), pt.data() + len, &len) != 1)
      return Fail(Errc::kCrypto, "AES-CBC decryption failed");
  }
  const size_t pad = pt.back();
  if (pad + 1 > pt.size()) return Fail(Errc::kMalformed, "SK pad length exceeds the plaintext");
  pt.resize(pt.size() - pad - 1);
  return pt;
}

}  // namespace ipsec::ike
