// Device backends by name, for the programs' --backend option: "model" (hw/model) and, when the
// build has the Verilator device, "rtl" (sim/).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hw/device.h"
#include "hw/util/result.h"

namespace ipsec::host {

std::vector<std::string> BackendNames();
tl::expected<std::unique_ptr<hw::Device>, std::string> MakeDevice(const std::string& name);

}  // namespace ipsec::host
