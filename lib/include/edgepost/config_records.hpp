#pragma once
// The config as stored: one record per advertiser, affiliate and offer, so that a request reads
// only the records it needs (an offer's record holds a copy of its advertiser). Read back with
// the same checks as validation.

#include <string>
#include <string_view>
#include <vector>

#include "edgepost/config_model.hpp"
#include "edgepost/config_validation.hpp"
#include "edgepost/expected.hpp"

namespace edgepost {

struct ConfigRecord {
  std::string key;
  std::string value;  // JSON
};
// One record per advertiser, affiliate and offer, keyed by keys.hpp.
std::vector<ConfigRecord> config_records(const Config& config);
// What a config load deletes after writing `records`: every stored key under the config
// prefix (kv_keys.hpp) that `records` does not write, so that a removed offer, advertiser or
// affiliate stops taking clicks and postbacks. Keys outside the prefix are never named. Sorted.
std::vector<std::string> stale_config_keys(const std::vector<ConfigRecord>& records,
                                           const std::vector<std::string>& stored_keys);

// A stored record back into an entity; the same checks as load_config.
Expected<Offer, std::vector<ConfigError>> parse_offer_record(std::string_view json_text);
Expected<Affiliate, std::vector<ConfigError>> parse_affiliate_record(std::string_view json_text);
Expected<Advertiser, std::vector<ConfigError>> parse_advertiser_record(std::string_view json_text);

}  // namespace edgepost
