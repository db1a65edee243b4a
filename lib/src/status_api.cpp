#include "edgepost/status_api.hpp"

#include <nlohmann/json.hpp>

#include "edgepost/admin_auth.hpp"
#include "edgepost/http.hpp"
#include "edgepost/json_text.hpp"
#include "edgepost/money.hpp"

namespace edgepost {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxNoteBytes = 1000;
constexpr std::size_t kMaxBodyBytes = 4096;

Unexpected<Refusal> refuse(int status, std::string reason, std::string message) {
  return Unexpected{Refusal{status, std::move(reason), std::move(message)}};
}

Expected<ChangeRequest, Refusal> read_body(const std::string& text) {
  if (text.size() > kMaxBodyBytes) {
    return refuse(413, "invalid_request", "body: larger than 4096 bytes");
  }
  const json body = json::parse(text, nullptr, false);
  if (!body.is_object()) return refuse(400, "invalid_request", "body: must be a JSON object");
  for (const auto& [name, value] : body.items()) {
    if (name != "status" && name != "amount" && name != "note") {
      return refuse(400, "invalid_request", name + ": unknown field (status, amount, note)");
    }
  }
  ChangeRequest change;
  change.source = ChangeSource::operator_staff;
  const auto status = body.find("status");
  const auto parsed = status != body.end() && status->is_string()
                          ? parse_status(status->get<std::string>())
                          : std::nullopt;
  if (!parsed) {
    return refuse(400, "invalid_request", "status: required, approved, pending or rejected");
  }
  change.status = *parsed;
  if (const auto amount = body.find("amount"); amount != body.end()) {
    if (!amount->is_string()) {
      return refuse(400, "invalid_request", "amount: must be a decimal string such as \"12.50\"");
    }
    const auto value = parse_amount(amount->get<std::string>());
    if (!value) {
      return refuse(400, "invalid_request",
                    "amount: " + std::string(amount_error_message(value.error())));
    }
    change.amount = *value;
  }
  if (const auto note = body.find("note"); note != body.end()) {
    if (!note->is_string() || note->get<std::string>().size() > kMaxNoteBytes) {
      return refuse(400, "invalid_request", "note: must be a string of at most 1000 bytes");
    }
    change.note = note->get<std::string>();
  }
  return change;
}

}  // namespace

Expected<StatusApiRequest, Refusal> parse_status_api_request(const Request& request,
                                                             std::string_view admin_token) {
  // Authorization first: nothing about conversions is told to a caller without the token.
  // One answer whether the API is off or the token wrong: a caller without it learns nothing.
  if (!admin_authorized(request, admin_token)) {
    return refuse(401, "unauthorized",
                  "an admin bearer token is required (Authorization: Bearer ...)");
  }
  std::string_view path = request.path;
  constexpr std::string_view kSuffix = "/status";
  if (path.rfind(kStatusApiPrefix, 0) != 0 ||
      path.size() <= kStatusApiPrefix.size() + kSuffix.size() ||
      path.substr(path.size() - kSuffix.size()) != kSuffix) {
    return refuse(404, "not_found", "use POST /api/conversions/{conversion_id}/status");
  }
  const std::string_view id =
      path.substr(kStatusApiPrefix.size(), path.size() - kStatusApiPrefix.size() - kSuffix.size());
  if (!is_conversion_id(id)) {
    return refuse(400, "invalid_request", "conversion ids are 24 lower-case hex digits");
  }
  if (request.method != "POST") {
    return refuse(405, "method_not_allowed", "use POST");
  }
  auto change = read_body(request.body);
  if (!change) return Unexpected{change.error()};
  return StatusApiRequest{std::string(id), std::move(*change)};
}

Response status_api_refusal(const Refusal& refusal) {
  Response response =
      json_response(refusal.status, json{{"error", refusal.reason}, {"message", refusal.message}});
  if (refusal.status == 401) response.headers.push_back({"www-authenticate", "Bearer"});
  if (refusal.status == 503) response.headers.push_back({"retry-after", "5"});
  return response;
}

Response status_api_answer(const ConversionRecord& record, std::string_view previous,
                           bool duplicate) {
  return json_response(200, json{{"conversion_id", record.conversion_id},
                                 {"transaction_id", record.transaction_id},
                                 {"status", record.status},
                                 {"previous_status", previous},
                                 {"revenue", record.revenue},
                                 {"payout", record.payout},
                                 {"currency", record.currency},
                                 {"duplicate", duplicate}});
}

}  // namespace edgepost
