// libFuzzer target for the IKE message parser (tools/fuzz.sh builds and runs it).
// Properties: parsing never crashes or leaks; whatever parses re-serializes to bytes that parse
// to the same payloads; the SK path (decrypt with a fixed key, then parse the inner chain) is
// exercised too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ike/crypto/algorithms.h"
#include "ike/crypto/sk_cipher.h"
#include "ike/message/message.h"

using namespace ipsec::ike;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  if (auto m = ParseMessage(in)) {
    // Round trip: what we serialize parses back, and serialize(parse(x)) is then a fixed point
    // (the first pass may drop what we ignore on purpose, e.g. unknown transform attributes).
    bool has_sk = !m->payloads.empty() && m->payloads.back().type == PayloadType::kSk;
    if (!has_sk) {
      auto once = SerializeMessage(*m);
      auto again = ParseMessage(once);
      if (!again || SerializeMessage(*again) != once) std::abort();
    } else {
      static auto cipher = [] {
        ipsec::util::SecretBytes key(36);
        return SkCipher::Create(kEncrAesGcm16, 256, kIntegNone, std::move(key), {});
      }();
      Message copy = *m;
      (void)DecryptMessage(in, *cipher, copy);
    }
    (void)m->Summary();
  }
  // The inner-payload parser on its own, first payload type taken from the first byte.
  if (size > 1) (void)ParsePayloads(static_cast<PayloadType>(data[0]), in.subspan(1));
  return 0;
}
