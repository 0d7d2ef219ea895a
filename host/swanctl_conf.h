// Lexer and parser of the swanctl.conf syntax (strongSwan's settings format) that espd reads:
//   name { key = value  sub { ... } }   # comments to the end of the line
// A value runs to the end of the line, a '#' or an unquoted '}'; "double quoted" values may hold
// any of those ('\"' and '\\' escape). Sections and keys are kept in file order with their line
// numbers, so that the schema check (espd_config.h) can name file:line in every error.
// Not supported (rejected with file:line): include statements, '.'-separated key paths, ':'
// section references, duplicate keys in one section.
#pragma once

#include <string>
#include <vector>

#include "hw/util/result.h"

namespace ipsec::host {

struct ConfValue {
  std::string key, value;
  int line = 0;
};

struct ConfSection {
  std::string name;
  int line = 0;
  std::vector<ConfValue> values;
  std::vector<ConfSection> sections;
};

enum class ConfErrc { kIo, kSyntax, kSchema };
using ConfError = util::BasicError<ConfErrc>;
template <class T>
using ConfResult = util::BasicResult<T, ConfErrc>;

// `file` names the text in error messages ("FILE:LINE: ..."). The root section has no name.
ConfResult<ConfSection> ParseSwanctl(const std::string& text, const std::string& file);
ConfResult<ConfSection> LoadSwanctl(const std::string& path);

}  // namespace ipsec::host
