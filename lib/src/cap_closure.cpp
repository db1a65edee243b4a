#include "edgepost/cap_closure.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "edgepost/json_text.hpp"

namespace edgepost {
namespace {

using json = nlohmann::json;

// One closure per scope and period: a full month stays closed when the day's closure ends.
std::string scope_of(const Cap& cap, std::uint32_t affiliate_id) {
  const std::string scope =
      cap.scope == CapScope::offer ? "offer" : "affiliate/" + std::to_string(affiliate_id);
  return scope + "/" + std::string(cap_period_name(cap.period));
}

}  // namespace

std::string cap_closures_key(std::uint32_t offer_id) {
  return "capped/offer/" + std::to_string(offer_id);
}

std::string encode(const CapClosures& closures) {
  json out = json::object();
  for (const auto& [scope, closure] : closures) {
    out[scope] = {{"ledger", closure.ledger}, {"limit", closure.limit}, {"until", closure.until}};
  }
  return to_json_text(out);
}

CapClosures parse_cap_closures(std::string_view text) {
  CapClosures closures;
  const json in = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!in.is_object()) return closures;
  for (const auto& [scope, value] : in.items()) {
    if (!value.is_object()) continue;
    const auto ledger = value.find("ledger");
    const auto limit = value.find("limit");
    const auto until = value.find("until");
    if (ledger == value.end() || !ledger->is_string() || limit == value.end() ||
        !limit->is_string() || until == value.end() || !until->is_number_integer()) {
      continue;
    }
    closures[scope] = CapClosure{ledger->get<std::string>(), limit->get<std::string>(),
                                 until->get<std::int64_t>()};
  }
  return closures;
}

std::string cap_limit_text(const Cap& cap) {
  std::string text;
  if (cap.conversions) text += "conversions=" + std::to_string(*cap.conversions) + ";";
  if (cap.payout) text += "payout=" + format_amount(*cap.payout) + ";";
  if (cap.revenue) text += "revenue=" + format_amount(*cap.revenue) + ";";
  return text;
}

CapClosures with_closed(CapClosures closures, const CapCheck& check, std::uint32_t affiliate_id,
                        std::int64_t until) {
  closures[scope_of(check.cap, affiliate_id)] =
      CapClosure{check.ledger, cap_limit_text(check.cap), until};
  return closures;
}

CapClosures with_reopened(CapClosures closures, const std::vector<std::string>& ledgers) {
  for (auto it = closures.begin(); it != closures.end();) {
    const bool given_back =
        std::find(ledgers.begin(), ledgers.end(), it->second.ledger) != ledgers.end();
    it = given_back ? closures.erase(it) : std::next(it);
  }
  return closures;
}

std::optional<std::string> closed_ledger(const Offer& offer, std::uint32_t affiliate_id,
                                         std::int64_t now, const CapClosures& closures) {
  if (closures.empty()) return std::nullopt;
  for (const CapCheck& check : caps_for(offer, affiliate_id, now)) {
    const auto found = closures.find(scope_of(check.cap, affiliate_id));
    if (found == closures.end()) continue;
    const CapClosure& closure = found->second;
    const bool current = closure.until == 0 || now < closure.until;
    if (current && closure.ledger == check.ledger && closure.limit == cap_limit_text(check.cap)) {
      return closure.ledger;
    }
  }
  return std::nullopt;
}

}  // namespace edgepost
