#include "edgepost/config_records.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "config_reader.hpp"
#include "edgepost/json_text.hpp"
#include "edgepost/kv_keys.hpp"

namespace edgepost {
namespace {

using namespace config_reader;

std::string range_text(const CidrRange& range) {
  return format_ip_address(range.network) + "/" + std::to_string(range.prefix_length);
}

json price_rule_json(const PriceRule& rule) {
  json out = json::object();
  if (rule.fixed) out["fixed"] = format_amount(*rule.fixed);
  if (rule.percent) out["percent"] = format_amount(*rule.percent);
  return out;
}

json advertiser_json(const Advertiser& advertiser) {
  json out{{"id", advertiser.id}, {"name", advertiser.name}};
  if (advertiser.auth.none) {
    out["auth"] = "none";
    return out;
  }
  json auth = json::object();
  if (!advertiser.auth.security_token.empty())
    auth["security_token"] = advertiser.auth.security_token;
  if (!advertiser.auth.hmac_secret.empty()) auth["hmac_secret"] = advertiser.auth.hmac_secret;
  if (!advertiser.auth.ip_allowlist.empty()) {
    json ranges = json::array();
    for (const CidrRange& range : advertiser.auth.ip_allowlist) ranges.push_back(range_text(range));
    auth["ip_allowlist"] = ranges;
  }
  out["auth"] = auth;
  return out;
}

json affiliate_json(const Affiliate& affiliate) {
  json out{{"id", affiliate.id},
           {"name", affiliate.name},
           {"status", affiliate.active ? "active" : "blocked"}};
  if (!affiliate.postback_url.empty()) out["postback_url"] = affiliate.postback_url;
  if (!affiliate.reversal_postback_url.empty()) {
    out["reversal_postback_url"] = affiliate.reversal_postback_url;
  }
  return out;
}

json goal_json(const Goal& goal) {
  json out{{"id", goal.id},
           {"name", goal.name},
           {"revenue", price_rule_json(goal.revenue)},
           {"payout", price_rule_json(goal.payout)},
           {"multiple", goal.multiple},
           {"status", status_name(goal.status)}};
  if (goal.multiple) {
    out["dedupe"] = goal.dedupe == Dedupe::fingerprint ? "fingerprint" : "adv_sub";
  }
  if (goal.dedupe == Dedupe::fingerprint) out["dedupe_window_seconds"] = goal.dedupe_window_seconds;
  return out;
}

json cap_json(const Cap& cap) {
  json out{{"scope", cap.scope == CapScope::offer ? "offer" : "affiliate"},
           {"period", cap_period_name(cap.period)}};
  if (cap.affiliate_id) out["affiliate_id"] = *cap.affiliate_id;
  if (cap.conversions) out["conversions"] = *cap.conversions;
  if (cap.payout) out["payout"] = format_amount(*cap.payout);
  if (cap.revenue) out["revenue"] = format_amount(*cap.revenue);
  return out;
}

json traffic_rules_json(const TrafficRules& rules) {
  json ranges = json::array();
  for (const CidrRange& range : rules.blocked_ips) ranges.push_back(range_text(range));
  constexpr std::string_view kMismatch[] = {"ignore", "flag", "reject"};
  constexpr std::string_view kAction[] = {"fallback", "refuse", "flag"};
  return json{{"bots", rules.block_bots ? "block" : "allow"},
              {"max_clicks_per_ip_per_minute", rules.max_clicks_per_ip_per_minute},
              {"blocked_ips", ranges},
              {"allowed_countries", rules.allowed_countries},
              {"blocked_countries", rules.blocked_countries},
              {"action", kAction[static_cast<int>(rules.action)]},
              {"max_conversion_seconds", rules.max_conversion_seconds},
              {"ip_mismatch", kMismatch[static_cast<int>(rules.ip_mismatch)]}};
}

json offer_json(const Offer& offer) {
  json out{{"id", offer.id},
           {"name", offer.name},
           {"status", offer.active ? "active" : "paused"},
           {"advertiser", advertiser_json(offer.advertiser)},
           {"url", offer.url},
           {"attribution_window_hours", offer.attribution_window_seconds / kHour},
           {"min_conversion_seconds", offer.min_conversion_seconds},
           {"reversal_window_days", offer.reversal_window_seconds / (24 * kHour)},
           {"currency", offer.currency},
           {"default_goal", offer.default_goal}};
  if (!offer.fallback_url.empty()) out["fallback_url"] = offer.fallback_url;
  if (offer.allowed_affiliates) out["allowed_affiliates"] = *offer.allowed_affiliates;
  json goals = json::array();
  for (const Goal& goal : offer.goals) goals.push_back(goal_json(goal));
  out["goals"] = goals;
  json overrides = json::array();
  for (const PayoutOverride& entry : offer.payout_overrides) {
    json item{{"affiliate_id", entry.affiliate_id}, {"payout", price_rule_json(entry.payout)}};
    if (!entry.goal_id.empty()) item["goal"] = entry.goal_id;
    overrides.push_back(item);
  }
  out["payout_overrides"] = overrides;
  json postbacks = json::array();
  for (const AffiliatePostbackUrl& entry : offer.postback_urls) {
    postbacks.push_back(json{{"affiliate_id", entry.affiliate_id}, {"url", entry.url}});
  }
  out["affiliate_postback_urls"] = postbacks;
  out["timezone"] = offer.timezone;
  json caps = json::array();
  for (const Cap& cap : offer.caps) caps.push_back(cap_json(cap));
  out["caps"] = caps;
  out["cap_status"] = status_name(offer.cap_status);
  out["traffic_rules"] = traffic_rules_json(offer.traffic_rules);
  return out;
}

template <class Entity, class Read>
Expected<Entity, std::vector<ConfigError>> parse_record(std::string_view text, Read read) {
  Checker checker;
  const auto document = parse_json_object(text, checker);
  if (!document) return Unexpected{checker.take()};
  auto entity = read(*document, std::string{}, checker);
  if (!entity || !checker.ok()) return Unexpected{checker.take()};
  return std::move(*entity);
}

}  // namespace

std::vector<ConfigRecord> config_records(const Config& config) {
  std::vector<ConfigRecord> records;
  for (const Advertiser& advertiser : config.advertisers) {
    records.push_back({advertiser_key(advertiser.id), to_json_text(advertiser_json(advertiser))});
  }
  for (const Affiliate& affiliate : config.affiliates) {
    records.push_back({affiliate_key(affiliate.id), to_json_text(affiliate_json(affiliate))});
  }
  for (const Offer& offer : config.offers) {
    records.push_back({offer_key(offer.id), to_json_text(offer_json(offer))});
  }
  return records;
}

std::vector<std::string> stale_config_keys(const std::vector<ConfigRecord>& records,
                                           const std::vector<std::string>& stored_keys) {
  std::set<std::string_view> current;
  for (const ConfigRecord& record : records) current.insert(record.key);
  std::set<std::string> stale;
  for (const std::string& key : stored_keys) {
    if (key.rfind(kConfigKeyPrefix, 0) == 0 && current.count(key) == 0) stale.insert(key);
  }
  return {stale.begin(), stale.end()};
}

Expected<Offer, std::vector<ConfigError>> parse_offer_record(std::string_view json_text) {
  return parse_record<Offer>(
      json_text,
      [](const json& object, const std::string& path, Checker& checker) -> std::optional<Offer> {
        auto offer = read_offer_fields(object, path, checker);
        const json* advertiser = member(object, "advertiser");
        if (advertiser == nullptr || !advertiser->is_object()) {
          checker.fail("advertiser", "is required (an object)");
          return std::nullopt;
        }
        auto owner = read_advertiser(*advertiser, "advertiser", checker);
        if (!offer || !owner) return std::nullopt;
        offer->advertiser = std::move(*owner);
        return offer;
      });
}

Expected<Affiliate, std::vector<ConfigError>> parse_affiliate_record(std::string_view json_text) {
  return parse_record<Affiliate>(json_text, read_affiliate);
}

Expected<Advertiser, std::vector<ConfigError>> parse_advertiser_record(std::string_view json_text) {
  return parse_record<Advertiser>(json_text, read_advertiser);
}

}  // namespace edgepost
