#include "ike/crypto/dh.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "hw/util/openssl_ptr.h"
#include "ike/crypto/ossl.h"

namespace ipsec::ike {
namespace {

constexpr size_t kModp2048Bytes = 256;
constexpr size_t kModpExponentBytes = 40;  // 320-bit exponent: > 2 x 112-bit strength

int CurveNid(DhGroup g) { return g == DhGroup::kEcp256 ? NID_X9_62_prime256v1 : NID_secp384r1; }
size_t CurveBytes(DhGroup g) { return g == DhGroup::kEcp256 ? 32 : 48; }
bool IsEcp(DhGroup g) { return g == DhGroup::kEcp256 || g == DhGroup::kEcp384; }

bool BnToPadded(const BIGNUM* bn, std::span<uint8_t> out) {
  return BN_bn2binpad(bn, out.data(), static_cast<int>(out.size())) == static_cast<int>(out.size());
}

Result<std::vector<uint8_t>> ModpPublic(std::span<const uint8_t> priv) {
  ossl::BnCtxPtr ctx(BN_CTX_new());
  util::UniquePtr<BIGNUM> p(BN_get_rfc3526_prime_2048(nullptr));
  util::UniquePtr<BIGNUM> g(BN_new());
  ossl::SecretBnPtr x(BN_bin2bn(priv.data(), static_cast<int>(priv.size()), nullptr));
  util::UniquePtr<BIGNUM> y(BN_new());
  if (!ctx || !p || !g || !x || !y || BN_set_word(g.get(), 2) != 1)
    return Fail(Errc::kCrypto, "MODP: BN allocation failed");
  BN_set_flags(x.get(), BN_FLG_CONSTTIME);
  if (BN_mod_exp(y.get(), g.get(), x.get(), p.get(), ctx.get()) != 1)
    return Fail(Errc::kCrypto, "MODP: BN_mod_exp failed");
  std::vector<uint8_t> pub(kModp2048Bytes);
  if (!BnToPadded(y.get(), pub)) return Fail(Errc::kCrypto, "MODP: encode failed");
  return pub;
}

Result<util::SecretBytes> ModpDerive(std::span<const uint8_t> priv, std::span<const uint8_t> peer) {
  if (peer.size() != kModp2048Bytes)
    return Fail(Errc::kMalformed, "MODP-2048 public value has " + std::to_string(peer.size()) +
                                      " bytes, expected 256");
  ossl::BnCtxPtr ctx(BN_CTX_new());
  util::UniquePtr<BIGNUM> p(BN_get_rfc3526_prime_2048(nullptr));
  util::UniquePtr<BIGNUM> y(BN_bin2bn(peer.data(), static_cast<int>(peer.size()), nullptr));
  ossl::SecretBnPtr x(BN_bin2bn(priv.data(), static_cast<int>(priv.size()), nullptr));
  ossl::SecretBnPtr s(BN_new());
  util::UniquePtr<BIGNUM> pm1(BN_new());
  if (!ctx || !p || !y || !x || !s || !pm1 || BN_copy(pm1.get(), p.get()) == nullptr ||
      BN_sub_word(pm1.get(), 1) != 1)
    return Fail(Errc::kCrypto, "MODP: BN allocation failed");
  // RFC 7296 5 / SP 800-56A: reject y <= 1 and y >= p - 1.
  if (BN_cmp(y.get(), BN_value_one()) <= 0 || BN_cmp(y.get(), pm1.get()) >= 0)
    return Fail(Errc::kCrypto, "MODP: peer public value out of range");
  BN_set_flags(x.get(), BN_FLG_CONSTTIME);
  if (BN_mod_exp(s.get(), y.get(), x.get(), p.get(), ctx.get()) != 1)
    return Fail(Errc::kCrypto, "MODP: BN_mod_exp failed");
  util::SecretBytes out(kModp2048Bytes);
  if (!BnToPadded(s.get(), out.span())) return Fail(Errc::kCrypto, "MODP: encode failed");
  return out;
}

Result<std::vector<uint8_t>> EcpPublic(DhGroup group, std::span<const uint8_t> priv) {
  ossl::EcGroupPtr grp(EC_GROUP_new_by_curve_name(CurveNid(group)));
  ossl::BnCtxPtr ctx(BN_CTX_new());
  ossl::SecretBnPtr d(BN_bin2bn(priv.data(), static_cast<int>(priv.size()), nullptr));
  if (!grp || !ctx || !d) return Fail(Errc::kCrypto, "ECP: allocation failed");
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(grp.get())) >= 0)
    return Fail(Errc::kCrypto, "ECP: private scalar out of range");
  ossl::EcPointPtr q(EC_POINT_new(grp.get()));
  util::UniquePtr<BIGNUM> x(BN_new()), y(BN_new());
  if (!q || !x || !y ||
      EC_POINT_mul(grp.get(), q.get(), d.get(), nullptr, nullptr, ctx.get()) != 1 ||
      EC_POINT_get_affine_coordinates(grp.get(), q.get(), x.get(), y.get(), ctx.get()) != 1)
    return Fail(Errc::kCrypto, "ECP: scalar multiplication failed");
  const size_t n = CurveBytes(group);
  std::vector<uint8_t> pub(2 * n);
  if (!BnToPadded(x.get(), std::span(pub).first(n)) ||
      !BnToPadded(y.get(), std::span(pub).subspan(n)))
    return Fail(Errc::kCrypto, "ECP: encode failed");
  return pub;
}

Result<util::SecretBytes> EcpDerive(DhGroup group, std::span<const uint8_t> priv,
                                    std::span<const uint8_t> peer) {
  const size_t n = CurveBytes(group);
  if (peer.size() != 2 * n)
    return Fail(Errc::kMalformed, TransformName(TransformType::kDh, uint16_t(group), 0) +
                                      " public value has " + std::to_string(peer.size()) +
                                      " bytes, expected " + std::to_string(2 * n));
  ossl::EcGroupPtr grp(EC_GROUP_new_by_curve_name(CurveNid(group)));
  ossl::BnCtxPtr ctx(BN_CTX_new());
  ossl::SecretBnPtr d(BN_bin2bn(priv.data(), static_cast<int>(priv.size()), nullptr));
  if (!grp || !ctx || !d) return Fail(Errc::kCrypto, "ECP: allocation failed");
  std::vector<uint8_t> oct(1 + 2 * n);
  oct[0] = 0x04;
  std::copy(peer.begin(), peer.end(), oct.begin() + 1);
  ossl::EcPointPtr p(EC_POINT_new(grp.get()));
  ossl::EcPointPtr s(EC_POINT_new(grp.get()));
  // oct2point checks that the point is on the curve; our curves have cofactor 1.
  if (!p || !s || EC_POINT_oct2point(grp.get(), p.get(), oct.data(), oct.size(), ctx.get()) != 1)
    return Fail(Errc::kCrypto, "ECP: peer public value is not a point on the curve");
  util::UniquePtr<BIGNUM> x(BN_new());
  if (!x || EC_POINT_mul(grp.get(), s.get(), nullptr, p.get(), d.get(), ctx.get()) != 1 ||
      EC_POINT_is_at_infinity(grp.get(), s.get()) ||
      EC_POINT_get_affine_coordinates(grp.get(), s.get(), x.get(), nullptr, ctx.get()) != 1)
    return Fail(Errc::kCrypto, "ECP: shared secret computation failed");
  util::SecretBytes out(n);
  if (!BnToPadded(x.get(), out.span())) return Fail(Errc::kCrypto, "ECP: encode failed");
  BN_clear(x.get());
  return out;
}

Result<std::vector<uint8_t>> X25519Public(std::span<const uint8_t> priv) {
  util::UniquePtr<EVP_PKEY> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), priv.size()));
  std::vector<uint8_t> pub(32);
  size_t len = pub.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != 32)
    return Fail(Errc::kCrypto, "X25519: key creation failed");
  return pub;
}

Result<util::SecretBytes> X25519Derive(std::span<const uint8_t> priv,
                                       std::span<const uint8_t> peer) {
  if (peer.size() != 32)
    return Fail(Errc::kMalformed,
                "x25519 public value has " + std::to_string(peer.size()) + " bytes, expected 32");
  util::UniquePtr<EVP_PKEY> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), priv.size()));
  util::UniquePtr<EVP_PKEY> pk(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer.data(), peer.size()));
  if (!key || !pk) return Fail(Errc::kCrypto, "X25519: key creation failed");
  util::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  util::SecretBytes out(32);
  size_t len = out.size();
  // OpenSSL rejects an all-zero result (small-order peer point, RFC 7748 6.1).
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), pk.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1 || len != 32)
    return Fail(Errc::kCrypto, "X25519: derivation failed (low-order peer value?)");
  return out;
}

}  // namespace

bool DhGroupSupported(uint16_t group) { return DhPublicSize(static_cast<DhGroup>(group)) != 0; }

size_t DhPublicSize(DhGroup group) {
  switch (group) {
    case DhGroup::kModp2048:
      return kModp2048Bytes;
    case DhGroup::kEcp256:
      return 64;
    case DhGroup::kEcp384:
      return 96;
    case DhGroup::kCurve25519:
      return 32;
    case DhGroup::kNone:
      return 0;
  }
  return 0;
}

Result<DhKey> DhKey::Generate(DhGroup group, Random& random) {
  size_t n = 0;
  switch (group) {
    case DhGroup::kModp2048:
      n = kModpExponentBytes;
      break;
    case DhGroup::kEcp256:
    case DhGroup::kEcp384:
      n = CurveBytes(group);
      break;
    case DhGroup::kCurve25519:
      n = 32;
      break;
    case DhGroup::kNone:
      break;
  }
  if (n == 0) return Fail(Errc::kUnsupported, "unsupported DH group");
  for (int attempt = 0; attempt < 16; ++attempt) {
    util::SecretBytes priv(n);
    random.Fill(priv.span());
    if (group == DhGroup::kModp2048) priv[0] |= 0x80;  // full-length exponent
    auto key = FromPrivate(group, priv.span());
    if (key) return key;  // ECP: retry the rare scalar >= order
  }
  return Fail(Errc::kCrypto, "DH key generation failed");
}

Result<DhKey> DhKey::FromPrivate(DhGroup group, std::span<const uint8_t> priv) {
  Result<std::vector<uint8_t>> pub = Fail(Errc::kUnsupported, "unsupported DH group");
  if (group == DhGroup::kModp2048)
    pub = ModpPublic(priv);
  else if (IsEcp(group))
    pub = EcpPublic(group, priv);
  else if (group == DhGroup::kCurve25519)
    pub = X25519Public(priv);
  if (!pub) return tl::unexpected(pub.error());
  return DhKey(group, util::SecretBytes(priv), std::move(*pub));
}

Result<util::SecretBytes> DhKey::Derive(std::span<const uint8_t> peer) const {
  if (group_ == DhGroup::kModp2048) return ModpDerive(priv_.span(), peer);
  if (IsEcp(group_)) return EcpDerive(group_, priv_.span(), peer);
  return X25519Derive(priv_.span(), peer);
}

}  // namespace ipsec::ike
