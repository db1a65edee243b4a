#pragma once
// Whether a recorded conversion may change status, at whose request, and what the change pays
// and sends (docs/conversion-lifecycle.md):
//
//   pending  -> approved   advertiser or operator; may carry the final sale amount
//   pending  -> rejected   advertiser or operator
//   approved -> rejected   advertiser or operator, within the offer's reversal window
//   rejected -> approved   operator only
//
// Anything else is refused (invalid_status_change). Recording the change exactly once is the
// postback exchange's protocol (postback_exchange.hpp).

#include <cstdint>
#include <optional>
#include <string>

#include "edgepost/config_model.hpp"
#include "edgepost/conversion_record.hpp"
#include "edgepost/decision.hpp"
#include "edgepost/money.hpp"

namespace edgepost {

enum class ChangeSource { advertiser, operator_staff };

struct ChangeRequest {
  ConversionStatus status = ConversionStatus::approved;
  std::optional<Amount> amount;  // the final sale amount: revenue and payout are priced again
  ChangeSource source = ChangeSource::advertiser;
  std::optional<std::string> note;
};

struct ChangeDecision {
  // repeat: nothing to change; the request asks for what the conversion already was or is
  // (a retried postback), answered with that status.
  enum class Kind { repeat, refused, change };
  Kind kind = Kind::refused;
  std::string repeated_status;
  Refusal refusal;
  StatusChange change;  // the next in sequence
};

// records: the offer's, the affiliate's and the click's records as the exchange read them.
ChangeDecision decide_status_change(const ConversionRecord& current, const ChangeRequest& request,
                                    const Snapshot& records, std::int64_t now);

// The keys decide_status_change reads for a conversion.
std::vector<std::string> status_change_keys(const ConversionRecord& record);

}  // namespace edgepost
