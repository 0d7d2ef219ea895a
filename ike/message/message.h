// IKEv2 message and payload model (RFC 7296 section 3). The codec (codec.cc) is table-driven:
// one row per payload type with its minimum body length and its parse/write functions, and it
// checks every length before reading a field. Untrusted bytes only ever produce an Errc.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "ike/errors.h"

namespace ipsec::ike {

class SkCipher;
class Random;

enum class PayloadType : uint8_t {
  kNone = 0,
  kSa = 33,
  kKe = 34,
  kIdi = 35,
  kIdr = 36,
  kCert = 37,
  kCertReq = 38,
  kAuth = 39,
  kNonce = 40,
  kNotify = 41,
  kDelete = 42,
  kVendor = 43,
  kTsi = 44,
  kTsr = 45,
  kSk = 46,
  kCp = 47,
  kEap = 48,
};

enum class ExchangeType : uint8_t {
  kIkeSaInit = 34,
  kIkeAuth = 35,
  kCreateChildSa = 36,
  kInformational = 37,
};

inline constexpr uint8_t kFlagInitiator = 0x08;
inline constexpr uint8_t kFlagResponse = 0x20;
inline constexpr uint8_t kIkeVersion2 = 0x20;
inline constexpr size_t kHeaderSize = 28;

// Protocol IDs (3.3.1).
inline constexpr uint8_t kProtoIke = 1;
inline constexpr uint8_t kProtoAh = 2;
inline constexpr uint8_t kProtoEsp = 3;

// Notify message types (3.10.1) the library uses.
namespace notify {
inline constexpr uint16_t kUnsupportedCriticalPayload = 1;
inline constexpr uint16_t kInvalidIkeSpi = 4;
inline constexpr uint16_t kInvalidMajorVersion = 5;
inline constexpr uint16_t kInvalidSyntax = 7;
inline constexpr uint16_t kInvalidMessageId = 9;
inline constexpr uint16_t kInvalidSpi = 11;
inline constexpr uint16_t kNoProposalChosen = 14;
inline constexpr uint16_t kInvalidKePayload = 17;
inline constexpr uint16_t kAuthenticationFailed = 24;
inline constexpr uint16_t kSinglePairRequired = 34;
inline constexpr uint16_t kNoAdditionalSas = 35;
inline constexpr uint16_t kInternalAddressFailure = 36;
inline constexpr uint16_t kFailedCpRequired = 37;
inline constexpr uint16_t kTsUnacceptable = 38;
inline constexpr uint16_t kInvalidSelectors = 39;
inline constexpr uint16_t kTemporaryFailure = 43;
inline constexpr uint16_t kChildSaNotFound = 44;
inline constexpr uint16_t kInitialContact = 16384;
inline constexpr uint16_t kSetWindowSize = 16385;
inline constexpr uint16_t kAdditionalTsPossible = 16386;
inline constexpr uint16_t kIpcompSupported = 16387;
inline constexpr uint16_t kNatDetectionSourceIp = 16388;
inline constexpr uint16_t kNatDetectionDestinationIp = 16389;
inline constexpr uint16_t kCookie = 16390;
inline constexpr uint16_t kUseTransportMode = 16391;
inline constexpr uint16_t kRekeySa = 16393;
inline constexpr uint16_t kEspTfcPaddingNotSupported = 16394;
inline constexpr uint16_t kNonFirstFragmentsAlso = 16395;
inline constexpr uint16_t kMobikeSupported = 16396;
inline constexpr uint16_t kFragmentationSupported = 16430;
inline constexpr uint16_t kSignatureHashAlgorithms = 16431;
}  // namespace notify

// Errors are < 16384 (3.10.1).
inline bool IsErrorNotify(uint16_t type) { return type < 16384; }
std::string NotifyName(uint16_t type);
std::string PayloadName(PayloadType type);
std::string ExchangeName(ExchangeType type);

struct Transform {
  uint8_t type = 0;  // TransformType
  uint16_t id = 0;
  uint16_t key_bits = 0;      // Key Length attribute, 0 if absent
  bool unknown_attr = false;  // an attribute we do not understand: ignore the transform
  bool operator==(const Transform&) const = default;
};

struct Proposal {
  uint8_t number = 1;
  uint8_t protocol = kProtoIke;
  std::vector<uint8_t> spi;
  std::vector<Transform> transforms;
  bool operator==(const Proposal&) const = default;
};

struct SaPayload {
  std::vector<Proposal> proposals;
  bool operator==(const SaPayload&) const = default;
};

struct KePayload {
  uint16_t group = 0;
  std::vector<uint8_t> data;
  bool operator==(const KePayload&) const = default;
};

// ID types (3.5).
inline constexpr uint8_t kIdIpv4Addr = 1;
inline constexpr uint8_t kIdFqdn = 2;
inline constexpr uint8_t kIdRfc822Addr = 3;
inline constexpr uint8_t kIdIpv6Addr = 5;
inline constexpr uint8_t kIdDerAsn1Dn = 9;
inline constexpr uint8_t kIdKeyId = 11;

struct IdPayload {
  uint8_t id_type = 0;
  uint8_t reserved[3] = {0, 0, 0};  // kept: AUTH covers the body as received
  std::vector<uint8_t> data;
  bool operator==(const IdPayload&) const = default;
  // The payload body (type, reserved, data): what AUTH's MACedIDFor* covers (2.15).
  std::vector<uint8_t> Body() const;
};

struct CertPayload {  // CERT and CERTREQ
  uint8_t encoding = 0;
  std::vector<uint8_t> data;
  bool operator==(const CertPayload&) const = default;
};

// Auth methods (3.8).
inline constexpr uint8_t kAuthRsaSig = 1;
inline constexpr uint8_t kAuthPsk = 2;
inline constexpr uint8_t kAuthEcdsa256 = 9;
inline constexpr uint8_t kAuthEcdsa384 = 10;
inline constexpr uint8_t kAuthDigitalSignature = 14;

struct AuthPayload {
  uint8_t method = 0;
  std::vector<uint8_t> data;
  bool operator==(const AuthPayload&) const = default;
};

struct NoncePayload {
  std::vector<uint8_t> data;
  bool operator==(const NoncePayload&) const = default;
};

struct NotifyPayload {
  uint8_t protocol = 0;
  std::vector<uint8_t> spi;
  uint16_t type = 0;
  std::vector<uint8_t> data;
  bool operator==(const NotifyPayload&) const = default;
};

struct DeletePayload {
  uint8_t protocol = 0;
  uint8_t spi_size = 0;
  std::vector<std::vector<uint8_t>> spis;
  bool operator==(const DeletePayload&) const = default;
};

struct VendorPayload {
  std::vector<uint8_t> data;
  bool operator==(const VendorPayload&) const = default;
};

inline constexpr uint8_t kTsIpv4AddrRange = 7;
inline constexpr uint8_t kTsIpv6AddrRange = 8;

struct TrafficSelector {
  uint8_t ts_type = kTsIpv4AddrRange;
  uint8_t ip_proto = 0;
  uint16_t start_port = 0;
  uint16_t end_port = 65535;
  std::vector<uint8_t> start, end;  // 4 or 16 bytes each
  bool operator==(const TrafficSelector&) const = default;
};

struct TsPayload {
  std::vector<TrafficSelector> selectors;
  bool operator==(const TsPayload&) const = default;
};

// The SK payload as parsed from the wire: still encrypted.
struct EncryptedPayload {
  PayloadType inner_first = PayloadType::kNone;
  size_t header_offset = 0;   // offset of the SK generic header in the message (AAD ends +4)
  std::vector<uint8_t> body;  // IV || ciphertext || ICV
  bool operator==(const EncryptedPayload&) const = default;
};

// CP, EAP and unknown non-critical payloads are kept as opaque bytes.
struct RawPayload {
  std::vector<uint8_t> data;
  bool operator==(const RawPayload&) const = default;
};

using PayloadBody = std::variant<SaPayload, KePayload, IdPayload, CertPayload, AuthPayload,
                                 NoncePayload, NotifyPayload, DeletePayload, VendorPayload,
                                 TsPayload, EncryptedPayload, RawPayload>;

struct Payload {
  PayloadType type = PayloadType::kNone;
  bool critical = false;
  PayloadBody body;
  bool operator==(const Payload&) const = default;
};

struct Header {
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  PayloadType next = PayloadType::kNone;
  uint8_t version = kIkeVersion2;
  ExchangeType exchange = ExchangeType::kIkeSaInit;
  uint8_t flags = 0;
  uint32_t message_id = 0;
  uint32_t length = 0;
  bool response() const { return flags & kFlagResponse; }
  bool from_initiator() const { return flags & kFlagInitiator; }
};

struct Message {
  Header header;
  std::vector<Payload> payloads;  // plaintext payloads (inner ones after Decrypt)

  template <class T>
  const T* Find(PayloadType type) const {
    for (const auto& p : payloads)
      if (p.type == type) return std::get_if<T>(&p.body);
    return nullptr;
  }
  const NotifyPayload* FindNotify(uint16_t type) const;
  std::vector<const NotifyPayload*> Notifies() const;
  // The first error notify, if any.
  const NotifyPayload* FirstError() const;
  void Add(PayloadType type, PayloadBody body) {
    payloads.push_back({type, false, std::move(body)});
  }
  void AddNotify(uint16_t type, std::vector<uint8_t> data = {}, uint8_t protocol = 0,
                 std::vector<uint8_t> spi = {});
  // "SA KE No N(NATD_S_IP) ..." for logs.
  std::string Summary() const;
};

Result<Header> ParseHeader(std::span<const uint8_t> bytes);
// Parses the header and the payload chain. An SK payload stays an EncryptedPayload (it must be
// the last one). Rejects unknown critical payloads with Errc::kUnsupported.
Result<Message> ParseMessage(std::span<const uint8_t> bytes);
Result<std::vector<Payload>> ParsePayloads(PayloadType first, std::span<const uint8_t> bytes);
// Replaces the EncryptedPayload of `msg` (parsed from `bytes`) with its decrypted payloads.
Status DecryptMessage(std::span<const uint8_t> bytes, const SkCipher& cipher, Message& msg);

// Serializes the payload chain; `first` receives the type of the first payload.
std::vector<uint8_t> SerializePayloads(const std::vector<Payload>& payloads, PayloadType* first);
// Plain message (IKE_SA_INIT): header lengths and next payload are filled in.
std::vector<uint8_t> SerializeMessage(const Message& msg);
// Message whose payloads all go inside an SK payload.
Result<std::vector<uint8_t>> SerializeEncrypted(const Message& msg, SkCipher& cipher,
                                                Random& random);

}  // namespace ipsec::ike
