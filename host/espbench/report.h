// espbench reports: one result record per configuration (JSON, the format sweeps merge), and
// the views of a set of records: a terminal/Markdown table and gnuplot SVG plots (throughput
// and p99 latency against packet size, one line per lanes x host-read-latency setting).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/espbench/baseline.h"
#include "host/espbench/runner.h"

namespace ipsec::host::bench {

// The record of one configuration. `params` is the configuration as given (the keys of
// espbench run's options); clock_mhz converts cycles into time.
nlohmann::json MakeRecord(const nlohmann::json& params, double clock_mhz, const RunResult& r,
                          const BaselineResult* baseline);

// A table of records, Markdown (which the terminal shows as is).
std::string MarkdownTable(const std::vector<nlohmann::json>& records);

// Writes DIR/throughput.svg and DIR/latency.svg (and the .dat/.gp files gnuplot reads) for
// the records with a single fixed packet size. Returns an error message, or "" on success.
std::string WritePlots(const std::vector<nlohmann::json>& records, const std::string& dir);

}  // namespace ipsec::host::bench
