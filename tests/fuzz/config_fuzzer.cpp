// Config loading and validation, and the per-entity KV records it produces.
// Input: config JSON text (also tried directly as each kind of stored record).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edgepost/config_records.hpp"
#include "fuzz_input.hpp"

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // Stored records are read on every request: any text must be refused cleanly.
  (void)edgepost::parse_offer_record(text);
  (void)edgepost::parse_affiliate_record(text);
  (void)edgepost::parse_advertiser_record(text);

  const auto config = edgepost::load_config(text);
  if (!config) {
    fuzz::require(!config.error().empty());
    for (const edgepost::ConfigError& error : config.error()) (void)edgepost::describe(error);
    return 0;
  }
  // Every record of a valid config reads back: what load_config accepted, the handlers accept.
  for (const edgepost::ConfigRecord& record : edgepost::config_records(*config)) {
    if (starts_with(record.key, "config/offer/")) {
      fuzz::require(edgepost::parse_offer_record(record.value).has_value());
    } else if (starts_with(record.key, "config/affiliate/")) {
      fuzz::require(edgepost::parse_affiliate_record(record.value).has_value());
    } else if (starts_with(record.key, "config/advertiser/")) {
      fuzz::require(edgepost::parse_advertiser_record(record.value).has_value());
    } else {
      fuzz::require(false);
    }
  }
  return 0;
}
