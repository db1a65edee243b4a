#pragma once
// POST /api/conversions/{conversion_id}/status: the network's staff change a conversion's
// status (JSON body: status, optional amount, optional note), behind the admin bearer token
// (EDGEPOST_ADMIN_TOKEN). The change itself follows the same rules and protocol as an
// advertiser's (status_change.hpp, postback_exchange.hpp).

#include <string>
#include <string_view>

#include "edgepost/conversion_record.hpp"
#include "edgepost/decision.hpp"
#include "edgepost/expected.hpp"
#include "edgepost/status_change.hpp"

namespace edgepost {

inline constexpr std::string_view kStatusApiPrefix = "/api/conversions/";
inline constexpr std::size_t kMinAdminTokenBytes = 16;

struct StatusApiRequest {
  std::string conversion_id;
  ChangeRequest change;
};

// admin_token shorter than kMinAdminTokenBytes (empty: not configured): the API is off and
// every request is unauthorized. The token is compared
// in constant time, its length included.
Expected<StatusApiRequest, Refusal> parse_status_api_request(const Request& request,
                                                             std::string_view admin_token);

Response status_api_refusal(const Refusal& refusal);
// The conversion as it is now; previous is the status it had before this request.
Response status_api_answer(const ConversionRecord& record, std::string_view previous,
                           bool duplicate);

}  // namespace edgepost
