// Result<T> and Status: the project's error-return types (STYLE.md section 5).
// Each module defines its own `enum class Errc` and aliases these templates over it.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace ipsec::util {

template <class ErrcT>
struct BasicError {
  ErrcT code;
  std::string message;
};

template <class T, class ErrcT>
using BasicResult = tl::expected<T, BasicError<ErrcT>>;

// Builds the error side of a Result: `return Fail(Errc::kBadLength, "...")`.
template <class ErrcT>
tl::unexpected<BasicError<ErrcT>> Fail(ErrcT code, std::string message) {
  return tl::unexpected<BasicError<ErrcT>>(BasicError<ErrcT>{code, std::move(message)});
}

}  // namespace ipsec::util
