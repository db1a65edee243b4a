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
  bool multiple = false;  // may one click convert on this goal more than once?
  Dedupe dedupe = Dedupe::adv_sub;  // for multiple goals
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
  std::string currency = "USD";
  std::string default_goal;
  std::vector<Goal> goals;
  std::vector<PayoutOverride> payout_overrides;
  std::vector<AffiliatePostbackUrl> postback_urls;  // per-affiliate, overrides the affiliate's

  const Goal* find_goal(std::string_view goal_id) const noexcept;
  bool allows(std::uint32_t affiliate_id) const noexcept;
  // The affiliate's override for this goal if any, else the goal's payout.
  const PriceRule& payout_for(std::uint32_t affiliate_id, const Goal& goal) const noexcept;
  const UrlTemplate* postback_override(std::uint32_t affiliate_id) const noexcept;
};

struct Config {
  std::vector<Advertiser> advertisers;
  std::vector<Affiliate> affiliates;
  std::vector<Offer> offers;
};

}  // namespace edgepost
