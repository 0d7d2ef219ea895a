// Error codes of the driver (STYLE.md section 5).
#pragma once

#include "hw/util/result.h"

namespace ipsec::driver {

enum class Errc {
  kNoDevice,         // ID/VERSION do not match hw/regmap.toml
  kBadArgument,      // a parameter outside what the device reports it supports
  kSaCommandFailed,  // SA_STATUS.ERR after a command
  kSlotCollision,    // both ways of the SPI's bucket are taken: choose another SPI
  kNoFreeSlot,       // the SA table is full
  kRingFull,         // no room on the submission ring: reap first
  kQueueStopped,     // the queue stopped on a DMA error: RecoverQueue
  kTimeout,          // the device did not answer within the cycle budget
};

using Error = util::BasicError<Errc>;
template <class T>
using Result = util::BasicResult<T, Errc>;
using Status = Result<void>;
using util::Fail;

}  // namespace ipsec::driver
