#include "edgepost/events.hpp"
#include "edgepost/json_text.hpp"

#include <nlohmann/json.hpp>

namespace edgepost {

std::string rejection_event(std::int64_t now, std::string_view endpoint, std::string_view reason,
                            std::string_view message) {
  return to_json_text(nlohmann::json{{"type", "rejection"},
                                     {"time", now},
                                     {"endpoint", endpoint},
                                     {"reason", reason},
                                     {"message", message}});
}

std::string problem_event(std::int64_t now, std::string_view what, std::string_view detail) {
  return to_json_text(
      nlohmann::json{{"type", "error"}, {"time", now}, {"what", what}, {"detail", detail}});
}

std::string duplicate_event(const ConversionRecord& record, std::int64_t now) {
  return to_json_text(nlohmann::json{{"type", "duplicate"},
                                     {"time", now},
                                     {"conversion_id", record.conversion_id},
                                     {"transaction_id", record.transaction_id}});
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
