#include "host/swanctl_conf.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace ipsec::host {
namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '%' ||
         c == '@' || c == '/';
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& file) : s_(text), file_(file) {}

  ConfResult<ConfSection> Run() {
    ConfSection root;
    if (auto st = Body(root, /*top=*/true); !st) return tl::unexpected(st.error());
    return root;
  }

 private:
  tl::unexpected<ConfError> Err(int line, const std::string& msg) const {
    return util::Fail(ConfErrc::kSyntax, file_ + ":" + std::to_string(line) + ": " + msg);
  }

  // Skips blanks, newlines and comments.
  void SkipSpace() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }
  void SkipBlanks() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }

  util::BasicResult<void, ConfErrc> Body(ConfSection& sec, bool top) {
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size()) {
        if (top) return {};
        return Err(sec.line, "section '" + sec.name + "' is not closed (missing '}')");
      }
      if (s_[pos_] == '}') {
        if (top) return Err(line_, "unexpected '}'");
        ++pos_;
        return {};
      }
      const int line = line_;
      const size_t start = pos_;
      while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
      std::string name = s_.substr(start, pos_ - start);
      if (name.empty()) {
        return Err(line, std::string("expected a key or a section name, found '") + s_[pos_] + "'");
      }
      if (name == "include") return Err(line, "include is not supported");
      SkipBlanks();
      if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == ':')) {
        return Err(line, "'" + name + s_[pos_] + "': key paths and section references are " +
                             "not supported");
      }
      if (pos_ < s_.size() && s_[pos_] == '{') {
        ++pos_;
        for (const auto& other : sec.sections) {
          if (other.name == name) {
            return Err(line, "section '" + name + "' already defined at line " +
                                 std::to_string(other.line));
          }
        }
        ConfSection sub;
        sub.name = name;
        sub.line = line;
        if (auto st = Body(sub, false); !st) return st;
        sec.sections.push_back(std::move(sub));
        continue;
      }
      if (pos_ >= s_.size() || s_[pos_] != '=') {
        return Err(line, "expected '=' or '{' after '" + name + "'");
      }
      ++pos_;
      SkipBlanks();
      auto value = Value(line);
      if (!value) return tl::unexpected(value.error());
      for (const auto& other : sec.values) {
        if (other.key == name) {
          return Err(line, "'" + name + "' already set at line " + std::to_string(other.line));
        }
      }
      sec.values.push_back({name, std::move(*value), line});
    }
  }

  ConfResult<std::string> Value(int line) {
    std::string v;
    if (pos_ < s_.size() && s_[pos_] == '"') {
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] != '"') {
        if (s_[pos_] == '\n') return Err(line, "unterminated quoted value");
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size() &&
            (s_[pos_ + 1] == '"' || s_[pos_ + 1] == '\\')) {
          ++pos_;
        }
        v += s_[pos_++];
      }
      if (pos_ >= s_.size()) return Err(line, "unterminated quoted value");
      ++pos_;
      SkipBlanks();
      if (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '#' && s_[pos_] != '}') {
        return Err(line, "unexpected text after the quoted value");
      }
      return v;
    }
    while (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '#' && s_[pos_] != '}') {
      v += s_[pos_++];
    }
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
    return v;
  }

  const std::string& s_;
  const std::string& file_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

ConfResult<ConfSection> ParseSwanctl(const std::string& text, const std::string& file) {
  return Parser(text, file).Run();
}

ConfResult<ConfSection> LoadSwanctl(const std::string& path) {
  std::ifstream in(path);
  if (!in) return util::Fail(ConfErrc::kIo, path + ": cannot open the config file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseSwanctl(ss.str(), path);
}

}  // namespace ipsec::host
