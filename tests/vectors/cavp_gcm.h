// Reader for NIST CAVP GCM response files (gcmEncryptExtIV*.rsp, gcmDecrypt*.rsp).
// Source of the data: NIST CAVP "GCM Test Vectors" (SP 800-38D), as shipped by Debian's
// python3-cryptography-vectors under kCavpGcmDir (installed by `make deps`).
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "hw/util/hex.h"

namespace ipsec::testvec {

inline constexpr char kCavpGcmDir[] =
    "/usr/lib/python3/dist-packages/cryptography_vectors/ciphers/AES/GCM";

struct GcmVector {
  std::vector<uint8_t> key, iv, pt, aad, ct, tag;
  bool fail = false;  // decrypt files: the tag must not verify
  std::string where;  // file:line of the Count line, for failure messages
};

// Every case in the file; callers filter (e.g. iv.size() == 12 && tag.size() == 16).
// Returns an empty vector when the file cannot be read.
inline std::vector<GcmVector> LoadCavpGcm(const std::string& path) {
  std::vector<GcmVector> out;
  std::ifstream in(path);
  std::string line;
  int lineno = 0;
  GcmVector cur;
  bool open = false;
  auto flush = [&] {
    if (open) out.push_back(std::move(cur));
    cur = GcmVector{};
    open = false;
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("Count = ", 0) == 0) {
      flush();
      open = true;
      cur.where = path + ":" + std::to_string(lineno);
      continue;
    }
    if (!open) continue;
    if (line == "FAIL") {
      cur.fail = true;
      continue;
    }
    auto eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    std::string name = line.substr(0, eq);
    auto bytes = util::FromHex(line.substr(eq + 3)).value_or(std::vector<uint8_t>{});
    if (name == "Key")
      cur.key = bytes;
    else if (name == "IV")
      cur.iv = bytes;
    else if (name == "PT")
      cur.pt = bytes;
    else if (name == "AAD")
      cur.aad = bytes;
    else if (name == "CT")
      cur.ct = bytes;
    else if (name == "Tag")
      cur.tag = bytes;
  }
  flush();
  return out;
}

}  // namespace ipsec::testvec
