// pcap file input and output for the host tools (espsim, espbench, espd's capture option),
// through libpcap, so that Wireshark/tshark read everything the project writes.
//
// Reading (ReadPcap): pcap or pcapng files (anything libpcap opens) with link type
//   - Ethernet (LINKTYPE_ETHERNET 1): frames with EtherType IPv4 are taken, also behind one or
//     two 802.1Q/802.1ad VLAN tags; the Ethernet minimum-size padding after the IPv4 packet is
//     cut off using the IPv4 total length. Other frames are skipped and counted.
//   - raw IP (LINKTYPE_RAW 101): packets whose version nibble is 4 are taken, others (IPv6)
//     skipped and counted;
//   - IPv4 (LINKTYPE_IPV4 228): every packet is taken.
// The IPv4 packets are returned as captured: no other validation here (a malformed packet is
// the datapath's to reject and count). Timestamps are microseconds (nanosecond files converted).
//
// Writing (PcapWriter, WritePcap): classic pcap, link type raw IP (101), snap length 65535, one
// record per IPv4 packet, timestamps given by the caller or synthesized.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hw/util/result.h"

namespace ipsec::host {

enum class PcapErrc {
  kOpen,           // file missing, unreadable or not a pcap/pcapng file
  kLinkType,       // a link type this module does not read
  kTruncated,      // the file ends inside a record (or a record is otherwise unreadable)
  kPacketTooLong,  // writing a packet longer than the snap length
  kWrite,          // creating, writing or flushing the output failed
  kClosed,         // writing to a writer that was closed
};

using PcapError = util::BasicError<PcapErrc>;
template <class T>
using PcapResult = util::BasicResult<T, PcapErrc>;
using PcapStatus = PcapResult<void>;

inline constexpr uint32_t kLinkTypeEthernet = 1;
inline constexpr uint32_t kLinkTypeRaw = 101;
inline constexpr uint32_t kLinkTypeIpv4 = 228;
inline constexpr uint32_t kPcapSnapLen = 65535;

struct PcapTimestamp {
  uint32_t sec = 0;
  uint32_t usec = 0;  // 0..999999
  auto operator<=>(const PcapTimestamp&) const = default;
};

struct PcapRecord {
  PcapTimestamp ts;
  std::vector<uint8_t> packet;  // the IPv4 packet, from its first header byte
};

struct PcapReadStats {
  size_t records = 0;           // records in the file
  size_t ipv4 = 0;              // records returned
  size_t skipped_non_ipv4 = 0;  // other EtherTypes (ARP, IPv6, ...), IPv6 in raw-IP files
  size_t skipped_short = 0;     // Ethernet frames too short for their (VLAN) header
  size_t snapped = 0;           // returned records captured shorter than they were on the wire
};

struct PcapInput {
  uint32_t link_type = 0;  // LINKTYPE_ value of the file: 1, 101 or 228
  std::vector<PcapRecord> records;
  PcapReadStats stats;
};

// Reads the whole file. Errors: kOpen, kLinkType, kTruncated; messages name the file.
PcapResult<PcapInput> ReadPcap(const std::string& path);

// Extracts the IPv4 packet from one Ethernet frame (VLAN tags skipped, padding trimmed).
// nullopt when the frame is not IPv4 or too short; *too_short tells which (may be null).
std::optional<std::span<const uint8_t>> Ipv4FromEthernet(std::span<const uint8_t> frame,
                                                         bool* too_short = nullptr);

// Writes a raw-IPv4 pcap file record by record. Move-only; the destructor closes the file
// (use Close() to see flush errors).
class PcapWriter {
 public:
  static PcapResult<PcapWriter> Open(const std::string& path);

  PcapWriter(PcapWriter&&) noexcept;
  PcapWriter& operator=(PcapWriter&&) noexcept;
  ~PcapWriter();

  // With a synthesized timestamp: 1 us after the last record written (given or synthesized),
  // the first one at 0.000000. So synthesized timestamps never go backwards.
  PcapStatus Write(std::span<const uint8_t> packet);
  // With the caller's timestamp, written as given (usec must be < 1000000: else kWrite).
  PcapStatus Write(std::span<const uint8_t> packet, PcapTimestamp ts);
  // Flushes and closes; later writes fail with kClosed. Idempotent.
  PcapStatus Close();

  size_t written() const { return written_; }

 private:
  struct Handles;
  explicit PcapWriter(std::unique_ptr<Handles> h, std::string path);

  std::unique_ptr<Handles> h_;
  std::string path_;
  std::optional<PcapTimestamp> last_ts_;
  size_t written_ = 0;
};

// Convenience: writes all records (with their timestamps) and closes.
PcapStatus WritePcap(const std::string& path, std::span<const PcapRecord> records);

}  // namespace ipsec::host
