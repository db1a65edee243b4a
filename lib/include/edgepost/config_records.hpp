#pragma once
// The config as stored: one record per advertiser, affiliate and offer, so that a request reads
// only the records it needs (an offer's record holds a copy of its advertiser).
//
// A record is the entity compiled: checked once, when the config is loaded, and stored in a
// compact versioned text form ("offer/2|...", compact_record.hpp) with URL templates already
// parsed, which the hot path reads without a JSON document and without checking again. The
// reader is still defensive: a corrupt record is refused with the field and byte at fault,
// never trusted into a crash (tests/fuzz/compact_record_fuzzer.cpp). Records stored as JSON by
// versions before the compact form still read, through the full checks of a config load.

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

// A stored record back into an entity. An error's path is "record" and its message names the
// field and byte, e.g. "goal.status at byte 212: out of range".
Expected<Offer, std::vector<ConfigError>> parse_offer_record(std::string_view text);
Expected<Affiliate, std::vector<ConfigError>> parse_affiliate_record(std::string_view text);
Expected<Advertiser, std::vector<ConfigError>> parse_advertiser_record(std::string_view text);

}  // namespace edgepost
