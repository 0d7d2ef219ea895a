// espbench sweeps. A sweep file is JSON:
//   {"name": "default",
//    "base": {"packets": 2000, "clock_mhz": 250, ...},          options every point shares
//    "axes": {"sizes": ["64", "1500", "imix"], "lanes": [1, 4]}} the cartesian product
// Keys are espbench run's option names with '_' for '-' (sizes, sas, lanes, read_latency,
// ...). Each point runs as an independent process (`espbench run --params P.json --json
// R.json`), planned as a Makefile so that `make -j`, or any batch scheduler given the same
// commands, spreads the points over cores or machines; `espbench report` merges the results.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/espbench/traffic.h"

namespace ipsec::host::bench {

// The points of a sweep, in a stable order (the first axis varies slowest).
BenchResult<std::vector<nlohmann::json>> ExpandSweep(const nlohmann::json& sweep);

// Writes DIR/point-N.params.json for every point and DIR/Makefile whose default target runs
// them all (one target per point, DIR/point-N.json). Returns the number of points.
BenchResult<size_t> PlanSweep(const std::vector<nlohmann::json>& points, const std::string& dir,
                              const std::string& espbench);

}  // namespace ipsec::host::bench
