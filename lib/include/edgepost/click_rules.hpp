#pragma once
// The traffic rules a click can fail (docs/traffic-rules.md): a known bot's user agent, a
// blocked address range, a country outside the offer's list, too many clicks from one address
// in a minute. The flags go on the click record, and its conversions are rejected with reason
// click_flagged.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgepost/config_model.hpp"

namespace edgepost {

// What the platform tells about the visitor.
struct Visitor {
  std::string_view user_agent;
  std::string_view ip;       // empty when unknown
  std::string_view country;  // ISO 3166 alpha-2, empty when unknown
};

// An ISO 3166 alpha-2 code, uppercased ("de" -> "DE"), or "" for anything else: what the
// platform or a proxy says is only a country if it looks like one ("XX", "T1" and garbage
// are unknown).
std::string country_code(std::string_view text);

// The rules the visitor fails, by code: "bot", "blocked_ip", "country", then "ip_rate" when
// over_rate. A country list fails a visitor whose country is unknown: a budget meant for some
// countries is not spent on traffic that cannot be placed.
std::vector<std::string> click_rule_flags(const TrafficRules& rules, const Visitor& visitor,
                                          bool over_rate);

// The counter ledger (cap_ledger.hpp) of the visitor's clicks on the offer in this minute, when
// the offer limits them and the address is known.
std::optional<std::string> click_rate_ledger(const Offer& offer, std::string_view ip,
                                             std::int64_t now);

}  // namespace edgepost
