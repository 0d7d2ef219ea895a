// Loader for tests/vectors/rfc4106_esp.json: the AES-GCM-ESP known-answer packets of
// draft-mcgrew-gcm-test-01 section 4 (RFC 4106), whole ESP packets with their inputs.
// See the file's "source" string for provenance and the derived fields.
//
// Use: auto cases = testvec::LoadRfc4106Vectors();  // path relative to the project root, where
// the tests run (ctest WORKING_DIRECTORY); pass another path from elsewhere.
#pragma once

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hw/util/endian.h"
#include "hw/util/hex.h"
#include "hw/util/result.h"

namespace ipsec::testvec {

inline constexpr char kRfc4106VectorsPath[] = "tests/vectors/rfc4106_esp.json";

struct Rfc4106Case {
  std::string name;           // "draft-mcgrew-gcm-test-01 case N"
  int page = 0;               // page of the draft
  std::vector<uint8_t> key;   // AES key without the salt: 16, 24 (one case) or 32 bytes
  std::vector<uint8_t> salt;  // 4 bytes; GCM nonce = salt || iv
  uint32_t spi = 0;
  uint64_t seq = 0;                // full sequence number (high half 0 unless esn)
  bool esn = false;                // extended sequence numbers: 12-byte AAD, low half on the wire
  std::vector<uint8_t> iv;         // 8 bytes, as carried in the packet
  std::vector<uint8_t> aad;        // SPI || seq (8 bytes) or SPI || seq_hi || seq_lo (12)
  std::vector<uint8_t> plaintext;  // inner || pad || pad_len || next_header
  std::vector<uint8_t> inner;      // the payload alone
  uint8_t pad_len = 0;
  uint8_t next_header = 0;
  bool pad_is_standard = false;  // pad is 1, 2, 3, ... and minimal for 4-byte alignment
  std::vector<uint8_t> esp;      // SPI || seq_lo || IV || ciphertext || ICV (16 bytes)
  std::string note;              // quirks of the case, empty if none

  std::vector<uint8_t> nonce() const {
    std::vector<uint8_t> n(salt);
    n.insert(n.end(), iv.begin(), iv.end());
    return n;
  }
};

enum class VectorErrc { kOpen, kParse, kField };
using VectorError = util::BasicError<VectorErrc>;

namespace rfc4106_internal {

inline std::optional<std::vector<uint8_t>> HexField(const nlohmann::json& c, const char* name,
                                                    size_t min_len, size_t max_len) {
  if (!c.contains(name) || !c[name].is_string()) return std::nullopt;
  auto bytes = util::FromHex(c[name].get<std::string>());
  if (!bytes || bytes->size() < min_len || bytes->size() > max_len) return std::nullopt;
  return bytes;
}

}  // namespace rfc4106_internal

// Every case, or an error naming the file, the case and the field. Throws nothing.
inline util::BasicResult<std::vector<Rfc4106Case>, VectorErrc> LoadRfc4106Vectors(
    const std::string& path = kRfc4106VectorsPath) {
  using rfc4106_internal::HexField;
  std::ifstream in(path);
  if (!in) return util::Fail(VectorErrc::kOpen, path + ": cannot open");
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return util::Fail(VectorErrc::kParse, path + ": not a JSON object");
  }
  if (!doc.contains("source") || !doc["source"].is_string() || !doc.contains("cases") ||
      !doc["cases"].is_array()) {
    return util::Fail(VectorErrc::kField, path + ": needs \"source\" and \"cases\"");
  }
  std::vector<Rfc4106Case> out;
  size_t index = 0;
  for (const nlohmann::json& c : doc["cases"]) {
    const std::string where = path + ": case " + std::to_string(index++);
    auto bad = [&](const char* field) {
      return util::Fail(VectorErrc::kField, where + ": field \"" + field + "\" missing or bad");
    };
    if (!c.is_object()) return bad("(case)");
    Rfc4106Case v;
    if (!c.contains("name") || !c["name"].is_string()) return bad("name");
    v.name = c["name"].get<std::string>();
    if (c.contains("page") && c["page"].is_number_integer()) v.page = c["page"].get<int>();
    if (c.contains("note") && c["note"].is_string()) v.note = c["note"].get<std::string>();
    auto key = HexField(c, "key", 16, 32);
    if (!key || (key->size() != 16 && key->size() != 24 && key->size() != 32)) return bad("key");
    auto salt = HexField(c, "salt", 4, 4);
    auto spi = HexField(c, "spi", 4, 4);
    auto seq = HexField(c, "seq", 8, 8);
    auto iv = HexField(c, "iv", 8, 8);
    auto aad = HexField(c, "aad", 8, 12);
    auto pt = HexField(c, "plaintext", 2, 65535);
    auto inner = HexField(c, "inner", 0, 65535);
    auto esp = HexField(c, "esp", 16 + 2 + 16, 65535);
    if (!salt) return bad("salt");
    if (!spi) return bad("spi");
    if (!seq) return bad("seq");
    if (!iv) return bad("iv");
    if (!aad) return bad("aad");
    if (!pt) return bad("plaintext");
    if (!inner) return bad("inner");
    if (!esp) return bad("esp");
    if (!c.contains("esn") || !c["esn"].is_boolean()) return bad("esn");
    if (!c.contains("pad_is_standard") || !c["pad_is_standard"].is_boolean()) {
      return bad("pad_is_standard");
    }
    for (const char* f : {"pad_len", "next_header"}) {
      if (!c.contains(f) || !c[f].is_number_unsigned() || c[f].get<uint64_t>() > 255) {
        return bad(f);
      }
    }
    v.key = std::move(*key);
    v.salt = std::move(*salt);
    v.spi = util::LoadBe32(spi->data());
    v.seq = util::LoadBe64(seq->data());
    v.esn = c["esn"].get<bool>();
    v.iv = std::move(*iv);
    v.aad = std::move(*aad);
    v.plaintext = std::move(*pt);
    v.inner = std::move(*inner);
    v.pad_len = static_cast<uint8_t>(c["pad_len"].get<uint64_t>());
    v.next_header = static_cast<uint8_t>(c["next_header"].get<uint64_t>());
    v.pad_is_standard = c["pad_is_standard"].get<bool>();
    v.esp = std::move(*esp);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace ipsec::testvec
