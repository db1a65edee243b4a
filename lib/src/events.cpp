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

}  // namespace edgepost
