// The backends the driver test suite runs on, unchanged: the functional model always, and the
// Verilator RTL device when the build has it (IPSEC_HAVE_RTL_DEVICE, from sim/CMakeLists.txt).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "hw/device.h"
#include "hw/model/device_model.h"
#ifdef IPSEC_HAVE_RTL_DEVICE
#include "sim/sim_device.h"
#endif

namespace ipsec::testing {

struct Backend {
  std::string name;
  std::function<std::unique_ptr<hw::Device>()> make;
};

inline void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

inline std::vector<Backend> AllBackends() {
  std::vector<Backend> b;
  b.push_back({"model", [] { return std::make_unique<hw::model::ModelDevice>(); }});
#ifdef IPSEC_HAVE_RTL_DEVICE
  b.push_back({"rtl", [] { return std::make_unique<sim::SimDevice>(); }});
#endif
  return b;
}

}  // namespace ipsec::testing
