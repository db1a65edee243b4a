#include "edgepost/config_model.hpp"

#include <algorithm>

#include "edgepost/click_id.hpp"

namespace edgepost {

std::string_view cap_period_name(CapPeriod period) noexcept {
  switch (period) {
    case CapPeriod::day: return "day";
    case CapPeriod::month: return "month";
    case CapPeriod::total: return "total";
  }
  return "total";
}

std::string_view status_name(ConversionStatus status) noexcept {
  switch (status) {
    case ConversionStatus::approved: return "approved";
    case ConversionStatus::pending: return "pending";
    case ConversionStatus::rejected: return "rejected";
  }
  return "rejected";
}

std::optional<ConversionStatus> parse_status(std::string_view text) noexcept {
  if (text == "approved") return ConversionStatus::approved;
  if (text == "pending") return ConversionStatus::pending;
  if (text == "rejected") return ConversionStatus::rejected;
  return std::nullopt;
}

Amount PriceRule::apply(std::optional<Amount> sale_amount) const {
  Amount total = fixed.value_or(Amount{});
  if (percent && sale_amount) total = total + percent_of(*sale_amount, *percent);
  return total;
}

const Goal* Offer::find_goal(std::string_view goal_id) const noexcept {
  for (const Goal& goal : goals) {
    if (goal.id == goal_id) return &goal;
  }
  return nullptr;
}

std::int64_t Offer::ledger_retention_minimum() const noexcept {
  return attribution_window_seconds + late_postback_seconds + reversal_window_seconds +
         kClickClockSkewSeconds;
}

std::int64_t Offer::ledger_retention() const noexcept {
  return std::max(ledger_retention_seconds, ledger_retention_minimum());
}

bool Offer::allows(std::uint32_t affiliate_id) const noexcept {
  return !allowed_affiliates || std::find(allowed_affiliates->begin(), allowed_affiliates->end(),
                                          affiliate_id) != allowed_affiliates->end();
}

const PriceRule& Offer::payout_for(std::uint32_t affiliate_id, const Goal& goal) const noexcept {
  const PayoutOverride* best = nullptr;
  for (const PayoutOverride& entry : payout_overrides) {
    if (entry.affiliate_id != affiliate_id) continue;
    if (entry.goal_id == goal.id) return entry.payout;  // a goal-specific override wins
    if (entry.goal_id.empty()) best = &entry;
  }
  return best ? best->payout : goal.payout;
}

const UrlTemplate* Offer::postback_override(std::uint32_t affiliate_id) const noexcept {
  for (const AffiliatePostbackUrl& entry : postback_urls) {
    if (entry.affiliate_id == affiliate_id) return &entry.postback;
  }
  return nullptr;
}

}  // namespace edgepost
