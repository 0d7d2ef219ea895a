#include "host/backend.h"

#include "hw/model/device_model.h"

namespace ipsec::host {

std::vector<std::string> BackendNames() { return {"model", "rtl"}; }

tl::expected<std::unique_ptr<hw::Device>, std::string> MakeDevice(const std::string& name) {
  if (name == "model") return std::make_unique<hw::model::ModelDevice>();
  if (name == "rtl") {
    return tl::unexpected(
        std::string("backend rtl: the Verilator ESP device is not part of this build yet; use "
                    "--backend model"));
  }
  return tl::unexpected("unknown backend '" + name + "'");
}

}  // namespace ipsec::host
