#include "ike/message/message.h"

#include <string>

namespace ipsec::ike {

std::string NotifyName(uint16_t type) {
  switch (type) {
    case notify::kUnsupportedCriticalPayload:
      return "UNSUPPORTED_CRITICAL_PAYLOAD";
    case notify::kInvalidIkeSpi:
      return "INVALID_IKE_SPI";
    case notify::kInvalidMajorVersion:
      return "INVALID_MAJOR_VERSION";
    case notify::kInvalidSyntax:
      return "INVALID_SYNTAX";
    case notify::kInvalidMessageId:
      return "INVALID_MESSAGE_ID";
    case notify::kInvalidSpi:
      return "INVALID_SPI";
    case notify::kNoProposalChosen:
      return "NO_PROPOSAL_CHOSEN";
    case notify::kInvalidKePayload:
      return "INVALID_KE_PAYLOAD";
    case notify::kAuthenticationFailed:
      return "AUTHENTICATION_FAILED";
    case notify::kSinglePairRequired:
      return "SINGLE_PAIR_REQUIRED";
    case notify::kNoAdditionalSas:
      return "NO_ADDITIONAL_SAS";
    case notify::kInternalAddressFailure:
      return "INTERNAL_ADDRESS_FAILURE";
    case notify::kFailedCpRequired:
      return "FAILED_CP_REQUIRED";
    case notify::kTsUnacceptable:
      return "TS_UNACCEPTABLE";
    case notify::kInvalidSelectors:
      return "INVALID_SELECTORS";
    case notify::kTemporaryFailure:
      return "TEMPORARY_FAILURE";
    case notify::kChildSaNotFound:
      return "CHILD_SA_NOT_FOUND";
    case notify::kInitialContact:
      return "INITIAL_CONTACT";
    case notify::kSetWindowSize:
      return "SET_WINDOW_SIZE";
    case notify::kAdditionalTsPossible:
      return "ADDITIONAL_TS_POSSIBLE";
    case notify::kIpcompSupported:
      return "IPCOMP_SUPPORTED";
    case notify::kNatDetectionSourceIp:
      return "NATD_S_IP";
    case notify::kNatDetectionDestinationIp:
      return "NATD_D_IP";
    case notify::kCookie:
      return "COOKIE";
    case notify::kUseTransportMode:
      return "USE_TRANSPORT_MODE";
    case notify::kRekeySa:
      return "REKEY_SA";
    case notify::kEspTfcPaddingNotSupported:
      return "ESP_TFC_PADDING_NOT_SUPPORTED";
    case notify::kNonFirstFragmentsAlso:
      return "NON_FIRST_FRAGMENTS_ALSO";
    case notify::kMobikeSupported:
      return "MOBIKE_SUPPORTED";
    case notify::kFragmentationSupported:
      return "FRAG_SUP";
    case notify::kSignatureHashAlgorithms:
      return "HASH_ALG";
  }
  return "NOTIFY(" + std::to_string(type) + ")";
}

std::string ExchangeName(ExchangeType type) {
  switch (type) {
    case ExchangeType::kIkeSaInit:
      return "IKE_SA_INIT";
    case ExchangeType::kIkeAuth:
      return "IKE_AUTH";
    case ExchangeType::kCreateChildSa:
      return "CREATE_CHILD_SA";
    case ExchangeType::kInformational:
      return "INFORMATIONAL";
  }
  return "EXCHANGE(" + std::to_string(static_cast<int>(type)) + ")";
}

const NotifyPayload* Message::FindNotify(uint16_t type) const {
  for (const auto& p : payloads)
    if (const auto* n = std::get_if<NotifyPayload>(&p.body); n && n->type == type) return n;
  return nullptr;
}

std::vector<const NotifyPayload*> Message::Notifies() const {
  std::vector<const NotifyPayload*> out;
  for (const auto& p : payloads)
    if (const auto* n = std::get_if<NotifyPayload>(&p.body)) out.push_back(n);
  return out;
}

const NotifyPayload* Message::FirstError() const {
  for (const auto* n : Notifies())
    if (IsErrorNotify(n->type)) return n;
  return nullptr;
}

void Message::AddNotify(uint16_t type, std::vector<uint8_t> data, uint8_t protocol,
                        std::vector<uint8_t> spi) {
  Add(PayloadType::kNotify, NotifyPayload{protocol, std::move(spi), type, std::move(data)});
}

std::string Message::Summary() const {
  std::string s = ExchangeName(header.exchange) + (header.response() ? " response " : " request ") +
                  std::to_string(header.message_id) + " [";
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (i) s += ' ';
    if (const auto* n = std::get_if<NotifyPayload>(&payloads[i].body))
      s += "N(" + NotifyName(n->type) + ")";
    else
      s += PayloadName(payloads[i].type);
  }
  return s + "]";
}

}  // namespace ipsec::ike
