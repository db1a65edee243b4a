#include "edgepost/click_rules.hpp"

#include <algorithm>

#include "edgepost/bot_user_agent.hpp"
#include "edgepost/hex.hpp"
#include "edgepost/ip_address.hpp"
#include "edgepost/sha256.hpp"

namespace edgepost {
namespace {

bool listed(const std::vector<std::string>& countries, std::string_view country) {
  return std::find(countries.begin(), countries.end(), country) != countries.end();
}

bool blocked_address(const std::vector<CidrRange>& ranges, std::string_view ip) {
  if (ranges.empty() || ip.empty()) return false;
  const auto address = parse_ip_address(ip);
  if (!address) return false;
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const CidrRange& range) { return cidr_contains(range, *address); });
}

}  // namespace

std::string country_code(std::string_view text) {
  if (text.size() != 2) return {};
  std::string code(text);
  for (char& c : code) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return {};
  }
  return code == "XX" ? std::string() : code;
}

std::vector<std::string> click_rule_flags(const TrafficRules& rules, const Visitor& visitor,
                                          bool over_rate) {
  std::vector<std::string> flags;
  if (rules.block_bots && known_bot_pattern(visitor.user_agent)) flags.emplace_back("bot");
  if (blocked_address(rules.blocked_ips, visitor.ip)) flags.emplace_back("blocked_ip");
  const bool outside_allowed =
      !rules.allowed_countries.empty() && !listed(rules.allowed_countries, visitor.country);
  if (outside_allowed || listed(rules.blocked_countries, visitor.country)) {
    flags.emplace_back("country");
  }
  if (over_rate) flags.emplace_back("ip_rate");
  return flags;
}

std::optional<std::string> click_rate_ledger(const Offer& offer, std::string_view ip,
                                             std::int64_t now) {
  if (offer.traffic_rules.max_clicks_per_ip_per_minute == 0 || ip.empty()) return std::nullopt;
  // Hashed: ledger keys are file names on the runner, and an address is personal data that
  // the counter does not need to keep readable.
  const std::string address = to_hex(sha256(ip)).substr(0, 32);
  return "clicks/offer/" + std::to_string(offer.id) + "/ip/" + address + "/minute/" +
         std::to_string(now / 60);
}

}  // namespace edgepost
