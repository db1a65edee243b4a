// The stored records and the operator's status API, from arbitrary bytes: a click record, a
// conversion record and a status change as stored (a damaged one must be refused, never crash, and
// a whole one must survive encode/parse unchanged), a timestamp as advertisers send it, and a
// status API request; a cap ledger slot and the cap closures (a slot that parses has totals that
// are never negative; closures never fail, they are advice). Input: the first line is a timestamp
// and the status API's path; the rest is a stored record and the API's body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "edgepost/cap_closure.hpp"
#include "edgepost/cap_ledger.hpp"
#include "edgepost/click_record.hpp"
#include "edgepost/conversion_record.hpp"
#include "edgepost/status_api.hpp"
#include "edgepost/timestamp.hpp"
#include "fuzz_input.hpp"

namespace {

constexpr std::string_view kToken = "fuzz-admin-token-0123456789";

bool is_lower_hex(std::string_view text) {
  return text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input input(data, size);
  const std::string_view first = input.line();
  const std::string_view rest = input.rest();

  if (const auto record = edgepost::parse_conversion_record(rest)) {
    const std::string encoded = edgepost::encode(*record);
    const auto again = edgepost::parse_conversion_record(encoded);
    fuzz::require(again.has_value() && edgepost::encode(*again) == encoded);
    fuzz::require(record->changes.empty() || record->changes.back().to == record->status);
  }
  if (const auto click = edgepost::parse_click_record(rest)) {
    const std::string encoded = edgepost::encode(*click);
    const auto again = edgepost::parse_click_record(encoded);
    fuzz::require(again.has_value() && edgepost::encode(*again) == encoded);
    (void)edgepost::click_record_json(*click);
  }
  if (const auto change = edgepost::parse_status_change(rest)) {
    const std::string encoded = edgepost::encode(*change);
    const auto again = edgepost::parse_status_change(encoded);
    fuzz::require(again.has_value() && edgepost::encode(*again) == encoded);
    fuzz::require(change->sequence > 0 && change->from != change->to);
  }
  if (const auto entry = edgepost::parse_cap_entry(rest)) {
    fuzz::require(entry->totals.conversions >= 0 && entry->totals.payout.units >= 0 &&
                  entry->totals.revenue.units >= 0);
    const auto again = edgepost::parse_cap_entry(edgepost::encode(*entry));
    fuzz::require(again.has_value() && edgepost::encode(*again) == edgepost::encode(*entry));
  }
  const edgepost::CapClosures closures = edgepost::parse_cap_closures(rest);
  fuzz::require(edgepost::parse_cap_closures(edgepost::encode(closures)).size() == closures.size());
  if (const auto at = edgepost::parse_timestamp(first)) {
    fuzz::require(*at >= 0 && *at <= 253402300799);
  }

  edgepost::Request request;
  request.method = "POST";
  request.path = std::string(first);
  request.body = std::string(rest);
  request.headers.push_back({"authorization", "Bearer " + std::string(kToken)});
  if (const auto parsed = edgepost::parse_status_api_request(request, kToken)) {
    fuzz::require(parsed->conversion_id.size() == 24 && is_lower_hex(parsed->conversion_id));
    fuzz::require(!parsed->change.note || parsed->change.note->size() <= 1000);
  }
  // Without the token nothing else is looked at.
  request.headers.back().value = "Bearer not-the-token";
  const auto refused = edgepost::parse_status_api_request(request, kToken);
  fuzz::require(!refused && refused.error().status == 401);
  return 0;
}
