// Runs a list of packets through the device via the driver: installs the SAs of an SA file,
// picks the outbound SA per packet (ts selectors, else the first outbound SA), posts in batches
// on one queue and collects completions. Output packets keep input order (completions are in
// submission order). Used by espsim and by the tests that drive whole packet streams.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "host/pcap_io.h"
#include "host/sa_file.h"

namespace ipsec::host {

struct RunStats {
  uint64_t in = 0, out = 0;
  std::map<std::string, uint64_t> drops;  // by status name, plus NO_SA (no outbound SA matched)
  uint64_t cycles = 0;
};

struct SaReport {
  std::string name;
  uint32_t slot = 0;
  bool inbound = false;
  uint32_t spi = 0;
  driver::SaStats stats;
};

class EspRunner {
 public:
  // Installs every SA; an error names the SA (e.g. an inbound SPI whose bucket is full).
  static driver::Result<std::unique_ptr<EspRunner>> Create(driver::Driver& drv,
                                                           std::vector<SaSpec> sas);
  // op: kEncap or kDecap. Appends the packets that passed to `out`, in input order.
  driver::Result<RunStats> Run(hw::Opcode op, const std::vector<PcapRecord>& in,
                               std::vector<PcapRecord>& out);
  driver::Result<std::vector<SaReport>> Report();

 private:
  EspRunner(driver::Driver& drv, std::vector<SaSpec> sas) : drv_(drv), sas_(std::move(sas)) {}
  const SaSpec* OutboundFor(const std::vector<uint8_t>& pkt, uint32_t* slot) const;

  driver::Driver& drv_;
  std::vector<SaSpec> sas_;
  std::vector<uint32_t> slots_;  // parallel to sas_
};

}  // namespace ipsec::host
