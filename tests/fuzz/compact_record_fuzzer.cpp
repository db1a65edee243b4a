// The compact reader of stored config records (config_records.hpp), which every click and
// postback runs on records read from KV: any text must be refused cleanly or decoded, and what
// decodes writes back to a record that decodes to the same bytes again.
// Input: a record's text; the seeds are the fixture network's records.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edgepost/config_records.hpp"
#include "fuzz_input.hpp"

namespace {

// encode(decode(text)) is stable: decoding it and encoding again gives the same bytes.
template <class Parse>
void check_round_trip(std::string_view text, Parse parse, edgepost::Config& holder, auto& list) {
  const auto first = parse(text);
  if (!first) {
    fuzz::require(!first.error().empty() && !first.error().front().message.empty());
    return;
  }
  list.push_back(*first);
  const std::string written = edgepost::config_records(holder).back().value;
  const auto second = parse(written);
  fuzz::require(second.has_value());
  list.back() = *second;
  fuzz::require(edgepost::config_records(holder).back().value == written);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // JSON (the old form) is the config fuzzer's: here only the compact form.
  if (!text.empty() && text.front() == '{') return 0;
  edgepost::Config offers;
  check_round_trip(text, edgepost::parse_offer_record, offers, offers.offers);
  edgepost::Config affiliates;
  check_round_trip(text, edgepost::parse_affiliate_record, affiliates, affiliates.affiliates);
  edgepost::Config advertisers;
  check_round_trip(text, edgepost::parse_advertiser_record, advertisers, advertisers.advertisers);
  return 0;
}
