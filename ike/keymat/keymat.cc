#include "ike/keymat/keymat.h"

#include <string_view>
#include <vector>

#include "hw/util/endian.h"

namespace ipsec::ike {
namespace {

util::SecretBytes Slice(const util::SecretBytes& all, size_t& off, size_t n) {
  util::SecretBytes out(all.span().subspan(off, n));
  off += n;
  return out;
}

}  // namespace

Result<util::SecretBytes> Skeyseed(const Prf& prf, std::span<const uint8_t> ni,
                                   std::span<const uint8_t> nr, std::span<const uint8_t> g_ir) {
  util::SecretBytes key(ni.size() + nr.size());
  std::copy(ni.begin(), ni.end(), key.data());
  std::copy(nr.begin(), nr.end(), key.data() + ni.size());
  return prf.Compute(key.span(), g_ir);
}

Result<util::SecretBytes> RekeySkeyseed(const Prf& old_prf, std::span<const uint8_t> old_sk_d,
                                        std::span<const uint8_t> g_ir, std::span<const uint8_t> ni,
                                        std::span<const uint8_t> nr) {
  std::span<const uint8_t> parts[] = {g_ir, ni, nr};
  return old_prf.Compute(old_sk_d, parts);
}

Result<IkeKeys> DeriveIkeKeys(const Prf& prf, std::span<const uint8_t> skeyseed,
                              std::span<const uint8_t> ni, std::span<const uint8_t> nr,
                              uint64_t spi_i, uint64_t spi_r, size_t encr_len, size_t integ_len) {
  std::vector<uint8_t> seed(ni.begin(), ni.end());
  seed.insert(seed.end(), nr.begin(), nr.end());
  uint8_t spis[16];
  util::StoreBe64(spis, spi_i);
  util::StoreBe64(spis + 8, spi_r);
  seed.insert(seed.end(), spis, spis + 16);
  const size_t p = prf.KeySize();
  auto all = prf.PlusExpand(skeyseed, seed, 3 * p + 2 * integ_len + 2 * encr_len);
  if (!all) return tl::unexpected(all.error());
  IkeKeys k;
  size_t off = 0;
  k.sk_d = Slice(*all, off, p);
  k.sk_ai = Slice(*all, off, integ_len);
  k.sk_ar = Slice(*all, off, integ_len);
  k.sk_ei = Slice(*all, off, encr_len);
  k.sk_er = Slice(*all, off, encr_len);
  k.sk_pi = Slice(*all, off, p);
  k.sk_pr = Slice(*all, off, p);
  return k;
}

Result<ChildKeys> DeriveChildKeys(const Prf& prf, std::span<const uint8_t> sk_d,
                                  std::span<const uint8_t> g_ir, std::span<const uint8_t> ni,
                                  std::span<const uint8_t> nr, size_t encr_len, size_t integ_len) {
  util::SecretBytes seed(g_ir.size() + ni.size() + nr.size());
  std::copy(g_ir.begin(), g_ir.end(), seed.data());
  std::copy(ni.begin(), ni.end(), seed.data() + g_ir.size());
  std::copy(nr.begin(), nr.end(), seed.data() + g_ir.size() + ni.size());
  auto all = prf.PlusExpand(sk_d, seed.span(), 2 * (encr_len + integ_len));
  if (!all) return tl::unexpected(all.error());
  ChildKeys k;
  size_t off = 0;
  k.encr_i = Slice(*all, off, encr_len);
  k.integ_i = Slice(*all, off, integ_len);
  k.encr_r = Slice(*all, off, encr_len);
  k.integ_r = Slice(*all, off, integ_len);
  return k;
}

Result<std::vector<uint8_t>> SignedOctets(const Prf& prf, std::span<const uint8_t> real_message,
                                          std::span<const uint8_t> peer_nonce,
                                          std::span<const uint8_t> sk_p,
                                          std::span<const uint8_t> id_body) {
  auto maced_id = prf.Compute(sk_p, id_body);
  if (!maced_id) return tl::unexpected(maced_id.error());
  std::vector<uint8_t> out(real_message.begin(), real_message.end());
  out.insert(out.end(), peer_nonce.begin(), peer_nonce.end());
  out.insert(out.end(), maced_id->data(), maced_id->data() + maced_id->size());
  return out;
}

Result<util::SecretBytes> PskAuth(const Prf& prf, std::span<const uint8_t> psk,
                                  std::span<const uint8_t> real_message,
                                  std::span<const uint8_t> peer_nonce,
                                  std::span<const uint8_t> sk_p, std::span<const uint8_t> id_body) {
  static constexpr std::string_view kPad = "Key Pad for IKEv2";
  auto octets = SignedOctets(prf, real_message, peer_nonce, sk_p, id_body);
  if (!octets) return tl::unexpected(octets.error());
  auto inner =
      prf.Compute(psk, std::span(reinterpret_cast<const uint8_t*>(kPad.data()), kPad.size()));
  if (!inner) return inner;
  return prf.Compute(inner->span(), *octets);
}

}  // namespace ipsec::ike
