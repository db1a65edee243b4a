#pragma once
// Reading config JSON into entities, collecting every problem with its path: shared by the
// validation of a whole config and the reading of one stored record. Private to lib/src.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgepost/config_model.hpp"
#include "edgepost/config_validation.hpp"

namespace edgepost::config_reader {

using json = nlohmann::json;

// Windows are configured in hours and kept in seconds.
inline constexpr std::int64_t kHour = 3600;

// Walks a JSON document and collects every problem with its path.
class Checker {
 public:
  void fail(const std::string& path, std::string message) {
    errors_.push_back(ConfigError{path, std::move(message)});
  }
  bool ok() const noexcept { return errors_.empty(); }
  std::vector<ConfigError> take() { return std::move(errors_); }

 private:
  std::vector<ConfigError> errors_;
};

std::string member_path(const std::string& parent, std::string_view name);
std::string index_path(const std::string& parent, std::size_t index);
const json* member(const json& object, std::string_view name);
std::optional<std::uint32_t> read_id(const json& object, std::string_view name,
                                     const std::string& path, Checker& checker);
// The document as an object, or the problem that it is not one.
std::optional<json> parse_json_object(std::string_view text, Checker& checker);

enum class Presence { required, optional };

// An array of objects, each read by read_one at its own path.
template <class Entity, class ReadOne>
std::vector<Entity> read_list(const json& object, std::string_view name, const std::string& path,
                              Presence presence, Checker& checker, ReadOne read_one) {
  std::vector<Entity> entities;
  const std::string at = member_path(path, name);
  const json* list = member(object, name);
  if (list == nullptr) {
    if (presence == Presence::required) checker.fail(at, "is required (an array)");
    return entities;
  }
  if (!list->is_array()) {
    checker.fail(at, "must be an array");
    return entities;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (!(*list)[i].is_object()) {
      checker.fail(index_path(at, i), "must be an object");
      continue;
    }
    if (auto entity = read_one((*list)[i], index_path(at, i), checker)) {
      entities.push_back(std::move(*entity));
    }
  }
  return entities;
}

std::optional<Advertiser> read_advertiser(const json& object, const std::string& path,
                                          Checker& checker);
std::optional<Affiliate> read_affiliate(const json& object, const std::string& path,
                                        Checker& checker);
// Every field but the advertiser, which a config names by id and a record holds whole.
// An offer without traffic rules of its own gets default_rules.
std::optional<Offer> read_offer_fields(const json& object, const std::string& path,
                                       Checker& checker, const TrafficRules& default_rules = {});
TrafficRules read_traffic_rules(const json& object, const std::string& path, Checker& checker);

}  // namespace edgepost::config_reader
