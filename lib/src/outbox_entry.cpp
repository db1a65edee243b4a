#include "edgepost/outbox_entry.hpp"

#include <nlohmann/json.hpp>

#include "edgepost/json_text.hpp"

namespace edgepost {

std::string_view outbox_state_name(OutboxState state) noexcept {
  switch (state) {
    case OutboxState::pending: return "pending";
    case OutboxState::delivered: return "delivered";
    case OutboxState::dead: return "dead";
  }
  return "pending";
}

std::string encode(const OutboxEntry& entry) {
  nlohmann::json out{{"id", entry.postback.id},
                     {"aff_id", entry.postback.affiliate_id},
                     {"url", entry.postback.url},
                     {"created", entry.created},
                     {"state", outbox_state_name(entry.state)}};
  if (!entry.postback.conversion_id.empty()) out["conversion_id"] = entry.postback.conversion_id;
  if (!entry.postback.transaction_id.empty()) {
    out["transaction_id"] = entry.postback.transaction_id;
  }
  return to_json_text(out);
}

// Hosts add their delivery fields (attempts, last_error, ...); those are theirs to read.
std::optional<OutboxEntry> parse_outbox_entry(std::string_view text) {
  const nlohmann::json in = nlohmann::json::parse(text, nullptr, false);
  if (!in.is_object()) return std::nullopt;
  const auto id = in.find("id");
  const auto affiliate = in.find("aff_id");
  const auto url = in.find("url");
  if (id == in.end() || !id->is_string() || affiliate == in.end() ||
      !affiliate->is_number_unsigned() || url == in.end() || !url->is_string()) {
    return std::nullopt;
  }
  OutboxEntry entry;
  entry.postback.id = id->get<std::string>();
  entry.postback.affiliate_id = affiliate->get<std::uint32_t>();
  entry.postback.url = url->get<std::string>();
  for (auto [name, field] : {std::pair{"conversion_id", &entry.postback.conversion_id},
                             std::pair{"transaction_id", &entry.postback.transaction_id}}) {
    if (const auto found = in.find(name); found != in.end() && found->is_string()) {
      *field = found->get<std::string>();
    }
  }
  if (const auto created = in.find("created");
      created != in.end() && created->is_number_integer()) {
    entry.created = created->get<std::int64_t>();
  }
  const auto state = in.find("state");
  const std::string name = state != in.end() && state->is_string() ? state->get<std::string>() : "";
  if (name == "delivered") {
    entry.state = OutboxState::delivered;
  } else if (name == "dead") {
    entry.state = OutboxState::dead;
  } else if (name.empty() || name == "pending") {
    entry.state = OutboxState::pending;
  } else {
    return std::nullopt;
  }
  return entry;
}

}  // namespace edgepost
