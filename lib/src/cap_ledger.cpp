#include "edgepost/cap_ledger.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "edgepost/json_text.hpp"
#include "edgepost/time_zone.hpp"

namespace edgepost {
namespace {

using json = nlohmann::json;

constexpr std::int64_t kDay = 24 * 3600;

std::optional<Amount> amount_member(const json& object, const char* name) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return std::nullopt;
  const std::string& text = found->get_ref<const std::string&>();
  // Never negative as written (after() stops totals at zero), so a negative one is damage:
  // parse_amount refuses it.
  const auto amount = parse_amount(text);
  if (!amount) return std::nullopt;
  return *amount;
}

std::string two_digits(int value) {
  char text[3];
  std::snprintf(text, sizeof text, "%02d", value);
  return text;
}

struct Period {
  std::string name;
  std::int64_t ttl_seconds = 0;
  std::int64_t ends_at = 0;
};

// The period's name in the offer's zone; with it, how long its slots must be kept: past the
// period's end by the reversal window, since a reversal gives its unit back to the period the
// conversion was counted in.
Period period_of(CapPeriod period, const TimeZone& zone, std::int64_t now,
                 std::int64_t reversal_window) {
  const CivilDate date = local_date(zone, now);
  const std::string month = std::to_string(date.year) + "-" + two_digits(date.month);
  switch (period) {
    case CapPeriod::day:
      return {"day/" + month + "-" + two_digits(date.day), 2 * kDay + reversal_window,
              local_midnight_after(zone, now)};
    case CapPeriod::month:
      return {"month/" + month, 32 * kDay + reversal_window, local_month_start_after(zone, now)};
    case CapPeriod::total: return {"total", 0, 0};
  }
  return {"total", 0, 0};
}

}  // namespace

std::string encode(const CapEntry& entry) {
  const json out{{"conversion_id", entry.conversion_id},
                 {"delta", entry.delta},
                 {"revenue", format_amount(entry.revenue)},
                 {"payout", format_amount(entry.payout)},
                 {"total_conversions", entry.totals.conversions},
                 {"total_revenue", format_amount(entry.totals.revenue)},
                 {"total_payout", format_amount(entry.totals.payout)}};
  return to_json_text(out);
}

std::optional<CapEntry> parse_cap_entry(std::string_view text) {
  const json in = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!in.is_object()) return std::nullopt;
  const auto id = in.find("conversion_id");
  const auto delta = in.find("delta");
  const auto count = in.find("total_conversions");
  if (id == in.end() || !id->is_string() || delta == in.end() || !delta->is_number_integer() ||
      count == in.end() || !count->is_number_integer()) {
    return std::nullopt;
  }
  CapEntry entry;
  entry.conversion_id = id->get<std::string>();
  entry.delta = delta->get<int>();
  entry.totals.conversions = count->get<std::int64_t>();
  const auto revenue = amount_member(in, "revenue");
  const auto payout = amount_member(in, "payout");
  const auto total_revenue = amount_member(in, "total_revenue");
  const auto total_payout = amount_member(in, "total_payout");
  if ((entry.delta != 1 && entry.delta != -1) || entry.totals.conversions < 0 || !revenue ||
      !payout || !total_revenue || !total_payout) {
    return std::nullopt;
  }
  entry.revenue = *revenue;
  entry.payout = *payout;
  entry.totals.revenue = *total_revenue;
  entry.totals.payout = *total_payout;
  return entry;
}

std::vector<CapCheck> caps_for(const Offer& offer, std::uint32_t affiliate_id, std::int64_t now) {
  std::vector<CapCheck> checks;
  // Validated when the config was loaded; a zone unknown to this build counts in UTC rather
  // than not at all.
  const TimeZone zone = find_time_zone(offer.timezone).value_or(*find_time_zone("UTC"));
  for (const Cap& cap : offer.caps) {
    if (!cap.applies_to(affiliate_id)) continue;
    std::string scope = "offer/" + std::to_string(offer.id);
    if (cap.scope == CapScope::affiliate) scope += "/affiliate/" + std::to_string(affiliate_id);
    const Period period = period_of(cap.period, zone, now, offer.reversal_window_seconds);
    checks.push_back(CapCheck{cap, scope + "/" + period.name, period.ttl_seconds, period.ends_at});
  }
  return checks;
}

std::int64_t cap_retention_seconds(std::string_view ledger) noexcept {
  constexpr std::int64_t kLongestReversalWindow = kMaxReversalWindowDays * kDay;
  if (ledger.find("/day/") != std::string_view::npos) return 2 * kDay + kLongestReversalWindow;
  if (ledger.find("/month/") != std::string_view::npos) return 32 * kDay + kLongestReversalWindow;
  return 0;
}

std::string cap_slot_key(std::string_view ledger, std::uint32_t slot) {
  return "cap/" + std::string(ledger) + "/" + std::to_string(slot);
}

std::string cap_head_key(std::string_view ledger) {
  return "cap/" + std::string(ledger) + "/head";
}

std::string cap_return_key(std::string_view ledger, std::string_view conversion_id) {
  return "cap/" + std::string(ledger) + "/returned/" + std::string(conversion_id);
}

bool fits(const Cap& cap, const CapTotals& before, Amount revenue, Amount payout) noexcept {
  const CapTotals next = after(before, 1, revenue, payout);
  if (cap.conversions && next.conversions > *cap.conversions) return false;
  if (cap.payout && next.payout > *cap.payout) return false;
  if (cap.revenue && next.revenue > *cap.revenue) return false;
  return true;
}

CapTotals after(const CapTotals& before, int delta, Amount revenue, Amount payout) noexcept {
  CapTotals next = before;
  next.conversions += delta;
  next.revenue.units += delta * revenue.units;
  next.payout.units += delta * payout.units;
  // Only a unit given back to a ledger whose earlier slots expired can go below zero; that
  // period is over, and a negative total would read as damage.
  next.conversions = std::max<std::int64_t>(next.conversions, 0);
  next.revenue.units = std::max<std::int64_t>(next.revenue.units, 0);
  next.payout.units = std::max<std::int64_t>(next.payout.units, 0);
  return next;
}

void CapWalk::start_at(const std::string* head_hint) {
  last_ = 0;
  totals_ = {};
  held_.reset();
  if (head_hint == nullptr) return;
  std::uint32_t slot = 0;
  const char* end = head_hint->data() + head_hint->size();
  const auto [stop, status] = std::from_chars(head_hint->data(), end, slot);
  // A hint that does not parse only costs a longer walk.
  if (status == std::errc{} && stop == end) last_ = slot;
}

std::vector<std::string> CapWalk::window_keys() const {
  std::vector<std::string> keys;
  for (std::uint32_t slot = last_ == 0 ? 1 : last_; slot <= last_ + kCapWalkWindow; ++slot) {
    keys.push_back(cap_slot_key(ledger_, slot));
  }
  return keys;
}

bool CapWalk::take_slot(std::uint32_t slot, const std::string& stored) {
  const auto entry = parse_cap_entry(stored);
  if (!entry) {
    damaged_ = true;
    return false;
  }
  last_ = slot;
  totals_ = entry->totals;
  if (entry->conversion_id == conversion_id_) {
    if (entry->delta > 0) {
      held_ = slot;
    } else {
      held_.reset();
    }
  }
  return true;
}

bool CapWalk::take_window(const Snapshot& values) {
  if (last_ != 0) {
    const std::string* known = lookup(values, cap_slot_key(ledger_, last_));
    // The hinted slot is gone (its period expired with its hint still there, or the hint is
    // damage): walk the chain from its start instead.
    if (known == nullptr) {
      start_at(nullptr);
      return false;
    }
    if (!take_slot(last_, *known)) return false;
  }
  const std::uint32_t end = last_ + kCapWalkWindow;
  for (std::uint32_t slot = last_ + 1; slot <= end; ++slot) {
    const std::string* stored = lookup(values, cap_slot_key(ledger_, slot));
    if (stored == nullptr) return true;
    if (!take_slot(slot, *stored)) return false;
  }
  return false;
}

bool CapWalk::take_lost_slot(const std::string& stored) {
  return take_slot(last_ + 1, stored);
}

}  // namespace edgepost
