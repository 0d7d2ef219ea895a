// Error codes of the IKE library (STYLE.md section 5). Project code never throws: every
// fallible public function returns Result<T> or Status over this Errc.
#pragma once

#include <string_view>

#include "hw/util/result.h"

namespace ipsec::ike {

enum class Errc {
  kMalformed,         // untrusted input failed a length or syntax check
  kUnsupported,       // valid but not implemented (critical payload, algorithm)
  kCrypto,            // OpenSSL failed, or an ICV / signature did not verify
  kAuthFailed,        // AUTH payload or identity did not match
  kNoProposalChosen,  // no common transform set
  kTsUnacceptable,    // traffic selectors do not intersect
  kInvalidKe,         // KE group differs from the selected one
  kState,             // message not expected in this state
  kConfig,            // configuration error (unknown keyword, bad address, ...)
  kNotFound,          // connection, child or SA unknown
  kIo,                // socket error
  kTimeout,           // peer did not answer
};

using Error = util::BasicError<Errc>;
template <class T>
using Result = util::BasicResult<T, Errc>;
using Status = util::BasicResult<void, Errc>;
using util::Fail;

inline std::string_view ErrcName(Errc e) {
  switch (e) {
    case Errc::kMalformed:
      return "malformed";
    case Errc::kUnsupported:
      return "unsupported";
    case Errc::kCrypto:
      return "crypto";
    case Errc::kAuthFailed:
      return "auth-failed";
    case Errc::kNoProposalChosen:
      return "no-proposal-chosen";
    case Errc::kTsUnacceptable:
      return "ts-unacceptable";
    case Errc::kInvalidKe:
      return "invalid-ke";
    case Errc::kState:
      return "state";
    case Errc::kConfig:
      return "config";
    case Errc::kNotFound:
      return "not-found";
    case Errc::kIo:
      return "io";
    case Errc::kTimeout:
      return "timeout";
  }
  return "?";
}

}  // namespace ipsec::ike
