#include "host/backend.h"

#include "hw/model/device_model.h"
#ifdef IPSEC_HAVE_RTL_DEVICE
#include <stdexcept>

#include "sim/sim_device.h"
#endif

namespace ipsec::host {

std::vector<std::string> BackendNames() { return {"model", "rtl"}; }

tl::expected<std::unique_ptr<hw::Device>, std::string> MakeDevice(const std::string& name) {
  if (name == "model") return std::make_unique<hw::model::ModelDevice>();
  if (name == "rtl") {
#ifdef IPSEC_HAVE_RTL_DEVICE
    // Host memory timing from IPSEC_SIM_READ_LATENCY / IPSEC_SIM_BYTES_PER_CYCLE, the lane
    // configuration from IPSEC_SIM_LANES, traces from IPSEC_TRACE (sim/sim_device.h).
    try {
      return std::make_unique<sim::SimDevice>();
    } catch (const std::invalid_argument& e) {
      return tl::unexpected("backend rtl: " + std::string(e.what()));
    }
#else
    return tl::unexpected(
        std::string("backend rtl: this build has no Verilator device (IPSEC_WITH_RTL=OFF); use "
                    "--backend model"));
#endif
  }
  return tl::unexpected("unknown backend '" + name + "'");
}

}  // namespace ipsec::host
