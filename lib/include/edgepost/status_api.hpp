#pragma once
// POST /api/conversions/{conversion_id}/status: the network's staff change a conversion's
// status (JSON body: status, optional amount, optional note), behind the admin bearer token
// (EDGEPOST_ADMIN_TOKEN). The change itself follows the same rules and protocol as an
// advertiser's (status_change.hpp, postback_exchange.hpp).

#include <string>
#include <string_view>

#include "edgepost/admin_auth.hpp"
#include "edgepost/conversion_record.hpp"
#include "edgepost/decision.hpp"
#include "edgepost/expected.hpp"
#include "edgepost/status_change.hpp"

namespace edgepost {

inline constexpr std::string_view kStatusApiPrefix = "/api/conversions/";

struct StatusApiRequest {
  std::string conversion_id;
  ChangeRequest change;
};

// Unauthorized unless admin_authorized (admin_auth.hpp).
Expected<StatusApiRequest, Refusal> parse_status_api_request(const Request& request,
                                                             std::string_view admin_token);

Response status_api_refusal(const Refusal& refusal);
// The conversion as it is now; previous is the status it had before this request.
Response status_api_answer(const ConversionRecord& record, std::string_view previous,
                           bool duplicate);

}  // namespace edgepost
