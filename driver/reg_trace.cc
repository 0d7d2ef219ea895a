#include "driver/reg_trace.h"

#include <cstdio>
#include <map>

#include "hw/gen/ipsec_regs.h"

namespace ipsec::driver {
namespace {

const std::map<uint32_t, std::string_view>& Names() {
  static const std::map<uint32_t, std::string_view> names = {
#define IPSEC_CSR(name, offset, reset, access, mask) {offset, #name},
#include "hw/gen/csr_table.inc"
#undef IPSEC_CSR
  };
  return names;
}

bool IsSecret(uint32_t offset) {
  return offset == hw::kSaSaltOffset ||
         (offset >= hw::kSaKeyOffset && offset < hw::kSaKeyOffset + 4 * hw::kSaKeyCount);
}

}  // namespace

std::string_view RegisterName(uint32_t offset) {
  auto it = Names().find(offset);
  return it == Names().end() ? std::string_view("UNMAPPED") : it->second;
}

void TracingDevice::Emit(char dir, uint32_t offset, uint32_t value) {
  ++accesses_;
  if (!sink_) return;
  char val[16];
  if (IsSecret(offset)) {
    std::snprintf(val, sizeof(val), "<secret>");
  } else {
    std::snprintf(val, sizeof(val), "0x%08x", value);
  }
  const std::string_view name = RegisterName(offset);
  char line[160];
  std::snprintf(line, sizeof(line), "%llu %c %.*s 0x%04x %s%s",
                static_cast<unsigned long long>(inner_.cycles()), dir,
                static_cast<int>(name.size()), name.data(), offset, dir == 'R' ? "-> " : "", val);
  sink_(line);
}

uint32_t TracingDevice::Read32(uint32_t offset) {
  const uint32_t v = inner_.Read32(offset);
  Emit('R', offset, v);
  return v;
}

void TracingDevice::Write32(uint32_t offset, uint32_t value) {
  Emit('W', offset, value);
  inner_.Write32(offset, value);
}

}  // namespace ipsec::driver
