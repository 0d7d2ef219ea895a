#include "hw/host_memory.h"

#include <algorithm>
#include <cstring>

namespace ipsec::hw {

DmaBuffer& DmaBuffer::operator=(DmaBuffer&& o) noexcept {
  if (this != &o) {
    Reset();
    mem_ = o.mem_;
    bus_ = o.bus_;
    data_ = o.data_;
    size_ = o.size_;
    o.mem_ = nullptr;
    o.data_ = nullptr;
    o.size_ = 0;
    o.bus_ = 0;
  }
  return *this;
}

void DmaBuffer::Reset() {
  if (mem_ != nullptr) mem_->Free(bus_);
  mem_ = nullptr;
  data_ = nullptr;
  size_ = 0;
  bus_ = 0;
}

DmaBuffer HostMemory::Alloc(size_t bytes) {
  if (bytes == 0) bytes = 1;
  DmaBuffer b;
  Region r{std::make_unique<uint8_t[]>(bytes), bytes};
  std::memset(r.bytes.get(), 0, bytes);
  b.mem_ = this;
  b.bus_ = next_bus_;
  b.data_ = r.bytes.get();
  b.size_ = bytes;
  regions_.emplace(next_bus_, std::move(r));
  // Leave a guard gap after each buffer so an overrun by the device is a DMA error.
  next_bus_ += (bytes + 64 + 4095) & ~uint64_t{4095};
  return b;
}

void HostMemory::Free(uint64_t bus) { regions_.erase(bus); }

uint8_t* HostMemory::Translate(uint64_t addr, size_t len) const {
  auto it = regions_.upper_bound(addr);
  if (it == regions_.begin()) return nullptr;
  --it;
  uint64_t off = addr - it->first;
  if (off > it->second.size || len > it->second.size - off) return nullptr;
  return it->second.bytes.get() + off;
}

std::span<uint8_t> HostMemory::Tail(uint64_t addr) const {
  auto it = regions_.upper_bound(addr);
  if (it == regions_.begin()) return {};
  --it;
  const uint64_t off = addr - it->first;
  if (off >= it->second.size) return {};
  return {it->second.bytes.get() + off, static_cast<size_t>(it->second.size - off)};
}

bool HostMemory::Read(uint64_t addr, std::span<uint8_t> out) const {
  const uint8_t* p = Translate(addr, out.size());
  if (p == nullptr) return false;
  if (!out.empty()) std::memcpy(out.data(), p, out.size());
  return true;
}

bool HostMemory::ReadBeats(uint64_t addr, std::span<uint8_t> out, uint32_t beat_bytes) const {
  if (out.empty()) return Read(addr, out);
  auto it = regions_.upper_bound(addr);
  if (it == regions_.begin()) return false;
  --it;
  const uint64_t off = addr - it->first;
  const uint64_t size = it->second.size;
  if (off >= size) return false;
  // Start of the last beat: addr's own beat when the read stays in it.
  const uint64_t last = std::max(addr, (addr + out.size() - 1) & ~uint64_t{beat_bytes - 1});
  if (last - it->first >= size) return false;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), size - off));
  std::memcpy(out.data(), it->second.bytes.get() + off, n);
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), uint8_t{0});
  return true;
}

bool HostMemory::Write(uint64_t addr, std::span<const uint8_t> in) {
  uint8_t* p = Translate(addr, in.size());
  if (p == nullptr) return false;
  if (!in.empty()) std::memcpy(p, in.data(), in.size());
  return true;
}

}  // namespace ipsec::hw
