// Inbound SA placement, known to both driver and device (hw/regmap.toml SA_WAYS): an inbound SA
// with SPI s lives in slot kSaWays * SpiBucket(s, slots) + way, way < kSaWays.
#pragma once

#include <cstdint>

#include "hw/gen/ipsec_regs.h"

namespace ipsec::hw {

constexpr uint32_t SpiHash(uint32_t spi) { return spi ^ (spi >> 11) ^ (spi >> 22); }
constexpr uint32_t SpiBucket(uint32_t spi, uint32_t slots) {
  return SpiHash(spi) % (slots / kSaWays);
}

}  // namespace ipsec::hw
