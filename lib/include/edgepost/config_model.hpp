#pragma once
// The network's configuration as the library uses it: advertisers, affiliates, offers with
// their goals, prices and partner postback templates. Built by validation
// (config_validation.hpp) from a config, or from one stored record (config_records.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgepost/ip_address.hpp"
#include "edgepost/macros.hpp"
#include "edgepost/money.hpp"

namespace edgepost {

enum class ConversionStatus { approved, pending, rejected };

// Chargebacks can arrive up to a few months after a sale; a year and a half covers them. Also
// how long cap ledgers keep a period's slots after it ends (cap_ledger.hpp).
inline constexpr std::int64_t kMaxReversalWindowDays = 540;
inline constexpr std::int64_t kMaxLatePostbackDays = 365;
inline constexpr std::int64_t kMaxLedgerRetentionDays = 3650;
std::string_view status_name(ConversionStatus status) noexcept;
std::optional<ConversionStatus> parse_status(std::string_view text) noexcept;

// Revenue or payout of one conversion: a fixed amount, a percent of the sale amount, or both.
struct PriceRule {
  std::optional<Amount> fixed;
  std::optional<Amount> percent;  // 0..100

  bool needs_sale_amount() const noexcept { return percent.has_value(); }
  // sale_amount is required when needs_sale_amount().
  Amount apply(std::optional<Amount> sale_amount) const;
};

// How the events of a goal that may repeat are told apart (docs/conversion-lifecycle.md).
// adv_sub: by the advertiser's id of each event; a postback without one is refused.
// fingerprint: by the sale amount and currency; the same within the window is one event.
enum class Dedupe { adv_sub, fingerprint };

struct Goal {
  std::string id;  // [a-z0-9_-]{1,32}
  std::string name;
  PriceRule revenue;
  PriceRule payout;
  bool multiple = false;                      // may one click convert on this goal more than once?
  Dedupe dedupe = Dedupe::adv_sub;            // for multiple goals
  std::int64_t dedupe_window_seconds = 3600;  // for Dedupe::fingerprint
  ConversionStatus status = ConversionStatus::approved;  // unless the advertiser sends one
};

struct PayoutOverride {
  std::uint32_t affiliate_id = 0;
  std::string goal_id;  // empty: every goal of the offer
  PriceRule payout;
};

struct AdvertiserAuth {
  bool none = false;  // explicitly no credentials; only when the config says "auth": "none"
  std::string security_token;
  std::string hmac_secret;
  std::vector<CidrRange> ip_allowlist;  // empty: any address
};

struct Advertiser {
  std::uint32_t id = 0;
  std::string name;
  AdvertiserAuth auth;
};

struct Affiliate {
  std::uint32_t id = 0;
  std::string name;
  bool active = true;
  std::string postback_url;  // template text; empty: no partner postback
  std::optional<UrlTemplate> postback;
  std::string reversal_postback_url;  // sent when an approved conversion is rejected
  std::optional<UrlTemplate> reversal_postback;
};

struct AffiliatePostbackUrl {
  std::uint32_t affiliate_id = 0;
  std::string url;
  UrlTemplate postback;
};

// A budget: at most so many conversions, or so much payout or revenue, per day or month in
// the offer's time zone, or in total; for the whole offer, or for each affiliate on it
// (docs/traffic-rules.md). Counted exactly by the cap ledger (cap_ledger.hpp).
enum class CapPeriod { day, month, total };
std::string_view cap_period_name(CapPeriod period) noexcept;
enum class CapScope { offer, affiliate };

struct Cap {
  CapScope scope = CapScope::offer;
  std::optional<std::uint32_t> affiliate_id;  // scope affiliate: only this one; nullopt: each
  CapPeriod period = CapPeriod::day;
  std::optional<std::int64_t> conversions;
  std::optional<Amount> payout;
  std::optional<Amount> revenue;

  bool applies_to(std::uint32_t affiliate) const noexcept {
    return scope == CapScope::offer || !affiliate_id || *affiliate_id == affiliate;
  }
};

// What a click that fails a traffic rule gets: the offer's fallback (or 404 without one), a
// refusal, or the landing page as usual (flag: only its conversions are rejected).
enum class RuleAction { fallback, refuse, flag };
// A conversion whose user IP (sent by the advertiser) is outside the click's network.
enum class IpMismatch { ignore, flag, reject };

// Traffic-quality rules of an offer; the config's "traffic_rules" are the default of every
// offer that has none of its own (docs/traffic-rules.md).
struct TrafficRules {
  bool block_bots = false;
  std::uint32_t max_clicks_per_ip_per_minute = 0;  // 0: no limit
  std::vector<CidrRange> blocked_ips;
  std::vector<std::string> allowed_countries;  // ISO 3166 alpha-2, uppercase; empty: all
  std::vector<std::string> blocked_countries;
  RuleAction action = RuleAction::fallback;
  std::int64_t max_conversion_seconds = 0;  // after the click; 0: only the attribution window
  IpMismatch ip_mismatch = IpMismatch::ignore;
};

struct Offer {
  std::uint32_t id = 0;
  std::string name;
  bool active = true;
  Advertiser advertiser;  // a copy, so that one read serves a postback
  std::string url;
  UrlTemplate landing;
  std::string fallback_url;                                      // empty: none
  std::optional<std::vector<std::uint32_t>> allowed_affiliates;  // nullopt: all
  std::int64_t attribution_window_seconds = 30 * 24 * 3600;
  std::int64_t min_conversion_seconds = 0;
  // How long after the conversion an approved one may still be rejected (refund, chargeback).
  std::int64_t reversal_window_seconds = 30 * 24 * 3600;
  // How long after the attribution window closes a postback may still bring a new conversion
  // (an advertiser reporting late, with a conversion_time inside the window). Past it the
  // click's claims may be gone, so a new conversion would not be unique any more.
  std::int64_t late_postback_seconds = 30 * 24 * 3600;
  // How long claims, conversion records and status changes are kept after each write; 0: the
  // least that is safe, ledger_retention_minimum().
  std::int64_t ledger_retention_seconds = 0;
  std::string currency = "USD";
  std::string default_goal;
  std::vector<Goal> goals;
  std::vector<PayoutOverride> payout_overrides;
  std::vector<AffiliatePostbackUrl> postback_urls;  // per-affiliate, overrides the affiliate's
  std::string timezone = "UTC";                     // IANA name: the days and months of caps
  std::vector<Cap> caps;
  ConversionStatus cap_status = ConversionStatus::rejected;  // of a conversion over a cap
  TrafficRules traffic_rules;

  const Goal* find_goal(std::string_view goal_id) const noexcept;
  bool allows(std::uint32_t affiliate_id) const noexcept;
  // The affiliate's override for this goal if any, else the goal's payout.
  const PriceRule& payout_for(std::uint32_t affiliate_id, const Goal& goal) const noexcept;
  const UrlTemplate* postback_override(std::uint32_t affiliate_id) const noexcept;
  // The window + the late postbacks + the reversal window + clock skew: a claim kept that long
  // outlives every postback that could need it, and a record every status change that could.
  std::int64_t ledger_retention_minimum() const noexcept;
  std::int64_t ledger_retention() const noexcept;
};

struct Config {
  TrafficRules traffic_rules;  // the default of offers without their own
  std::vector<Advertiser> advertisers;
  std::vector<Affiliate> affiliates;
  std::vector<Offer> offers;
};

}  // namespace edgepost
