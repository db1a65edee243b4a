#include "edgepost/events.hpp"
#include "edgepost/json_text.hpp"

#include <algorithm>
#include <iterator>

#include <nlohmann/json.hpp>

#include "edgepost/click_id.hpp"

namespace edgepost {
namespace {

constexpr std::string_view kUnlogged[] = {"security_token", "signature", "user_ip"};
// An ID is 47 characters; longer text is no ID and not worth a log line.
constexpr std::size_t kMaxLoggedIdBytes = 64;

void add_params(nlohmann::json& event, const Params* params) {
  if (params == nullptr || params->fields.empty()) return;
  nlohmann::json fields = nlohmann::json::object();
  for (const FormField& field : params->fields) {
    if (std::find(std::begin(kUnlogged), std::end(kUnlogged), field.name) == std::end(kUnlogged)) {
      fields[field.name] = field.value;
    }
  }
  event["params"] = std::move(fields);
}

}  // namespace

std::string rejection_event(std::int64_t now, std::string_view endpoint, std::string_view reason,
                            std::string_view message, const Params* params) {
  nlohmann::json event{{"type", "rejection"},
                       {"time", now},
                       {"endpoint", endpoint},
                       {"reason", reason},
                       {"message", message}};
  add_params(event, params);
  const std::string* given = params ? params->get("transaction_id") : nullptr;
  if (given != nullptr && !given->empty() && given->size() <= kMaxLoggedIdBytes) {
    event["transaction_id"] = normalize_click_id(*given);
  }
  return to_json_text(event);
}

std::string problem_event(std::int64_t now, std::string_view what, std::string_view detail) {
  return to_json_text(
      nlohmann::json{{"type", "error"}, {"time", now}, {"what", what}, {"detail", detail}});
}

std::string duplicate_event(const ConversionRecord& record, std::int64_t now,
                            const Params* params) {
  nlohmann::json event{{"type", "duplicate"},
                       {"time", now},
                       {"conversion_id", record.conversion_id},
                       {"transaction_id", record.transaction_id}};
  add_params(event, params);
  return to_json_text(event);
}

std::string test_postback_event(std::int64_t now, const Params& params,
                                const nlohmann::json& answer) {
  nlohmann::json event = answer;
  event.erase("test");
  event.update({{"type", "test_postback"}, {"time", now}});
  add_params(event, &params);
  if (!event.contains("transaction_id")) {
    if (const std::string* given = params.get("transaction_id");
        given != nullptr && !given->empty() && given->size() <= kMaxLoggedIdBytes) {
      event["transaction_id"] = normalize_click_id(*given);
    }
  }
  return to_json_text(event);
}

std::string with_event_id(std::string_view event, std::string_view fallback_id) {
  nlohmann::json parsed = nlohmann::json::parse(event, nullptr, false);
  if (!parsed.is_object()) return std::string(event);
  if (parsed.contains("id")) return std::string(event);
  const auto type = parsed.find("type");
  const std::string prefix =
      type != parsed.end() && type->is_string() ? type->get<std::string>() : "event";
  parsed["id"] = prefix + ":" + std::string(fallback_id);
  return to_json_text(parsed);
}

}  // namespace edgepost
