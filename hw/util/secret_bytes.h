// SecretBytes: key material that is wiped (OPENSSL_cleanse) whenever it is released.
// Move-only so that a key exists in one place; Clone() makes a copy explicit.
#pragma once

#include <openssl/crypto.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace ipsec::util {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : bytes_(n, 0) {}
  explicit SecretBytes(std::span<const uint8_t> data) : bytes_(data.begin(), data.end()) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
    other.bytes_.clear();
  }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      Wipe();
      bytes_ = std::move(other.bytes_);
      other.bytes_.clear();
    }
    return *this;
  }
  ~SecretBytes() { Wipe(); }

  SecretBytes Clone() const { return SecretBytes(std::span<const uint8_t>(bytes_)); }
  // Zeroes the bytes and releases them.
  void Wipe() {
    if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
    bytes_.clear();
  }
  void Resize(size_t n) {
    // Grow in a fresh buffer so the old one can be wiped rather than freed dirty.
    SecretBytes bigger(n);
    std::copy_n(bytes_.begin(), std::min(n, bytes_.size()), bigger.bytes_.begin());
    *this = std::move(bigger);
  }

  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  uint8_t& operator[](size_t i) { return bytes_[i]; }
  uint8_t operator[](size_t i) const { return bytes_[i]; }
  std::span<const uint8_t> span() const { return bytes_; }
  std::span<uint8_t> span() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace ipsec::util
