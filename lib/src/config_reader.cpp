#include "config_reader.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "edgepost/click_rules.hpp"
#include "edgepost/json_text.hpp"
#include "edgepost/time_zone.hpp"
#include "edgepost/url.hpp"

namespace edgepost::config_reader {
namespace {

constexpr std::int64_t kMaxWindowHours = 365 * 24;
constexpr std::int64_t kMaxDedupeWindowSeconds = 30 * 24 * 3600;
constexpr std::size_t kMinTokenBytes = 16;
constexpr std::size_t kMinHmacSecretBytes = 32;
constexpr std::size_t kMaxNameBytes = 200;
constexpr std::int64_t kMaxCapConversions = 1'000'000'000;
// A cap is checked against a walk of its ledger; a few are plenty (day, month, total for the
// offer and for affiliates), and each one costs a conversion a few ledger commands.
constexpr std::size_t kMaxCaps = 12;
constexpr std::size_t kMaxRuleListEntries = 1000;

}  // namespace

std::string member_path(const std::string& parent, std::string_view name) {
  return parent.empty() ? std::string(name) : parent + "." + std::string(name);
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

const json* member(const json& object, std::string_view name) {
  const auto found = object.find(std::string(name));
  return found == object.end() ? nullptr : &*found;
}

// A misspelt field would otherwise be ignored silently, and its default used instead.
void check_known_fields(const json& object, const std::string& path,
                        std::initializer_list<std::string_view> known, Checker& checker) {
  for (const auto& [key, unused] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      checker.fail(member_path(path, key), "is not a known field");
    }
  }
}

// Ids are 32-bit because the transaction ID carries them in 4 bytes each.
std::optional<std::uint32_t> as_id(const json& value) {
  if (!value.is_number_integer()) return std::nullopt;
  const auto number = value.get<std::int64_t>();
  if (number < 1 || number > std::int64_t{std::numeric_limits<std::uint32_t>::max()}) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(number);
}

constexpr const char* kIdRule = "must be an integer from 1 to 4294967295";

std::optional<std::uint32_t> read_id(const json& object, std::string_view name,
                                     const std::string& path, Checker& checker) {
  const std::string at = member_path(path, name);
  const json* value = member(object, name);
  if (value == nullptr) {
    checker.fail(at, "is required");
    return std::nullopt;
  }
  const auto id = as_id(*value);
  if (!id) checker.fail(at, kIdRule);
  return id;
}

std::optional<std::string> read_string(const json& object, std::string_view name,
                                       const std::string& path, Checker& checker, bool required,
                                       std::size_t max_bytes = 2048) {
  const std::string at = member_path(path, name);
  const json* value = member(object, name);
  if (value == nullptr) {
    if (required) checker.fail(at, "is required");
    return std::nullopt;
  }
  if (!value->is_string()) {
    checker.fail(at, "must be a string");
    return std::nullopt;
  }
  const auto& text = value->get_ref<const std::string&>();
  if (text.size() > max_bytes) {
    checker.fail(at, "must be at most " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  }
  return text;
}

std::optional<std::int64_t> read_integer(const json& object, std::string_view name,
                                         const std::string& path, Checker& checker,
                                         std::int64_t low, std::int64_t high) {
  const std::string at = member_path(path, name);
  const json* value = member(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer() || value->get<std::int64_t>() < low ||
      value->get<std::int64_t>() > high) {
    checker.fail(at,
                 "must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
    return std::nullopt;
  }
  return value->get<std::int64_t>();
}

std::optional<bool> read_bool(const json& object, std::string_view name, const std::string& path,
                              Checker& checker) {
  const json* value = member(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    checker.fail(member_path(path, name), "must be true or false");
    return std::nullopt;
  }
  return value->get<bool>();
}

// Amounts are decimal strings ("10.50"); plain JSON numbers are accepted too and read through
// their shortest text form, which is exact for the amounts people write.
std::optional<Amount> read_amount(const json& value, const std::string& at, Checker& checker) {
  std::string text;
  if (value.is_string()) {
    text = value.get_ref<const std::string&>();
  } else if (value.is_number()) {
    text = to_json_text(value);
  } else {
    checker.fail(at, "must be a decimal amount such as \"10.50\"");
    return std::nullopt;
  }
  const auto amount = parse_amount(text);
  if (!amount) {
    checker.fail(at, std::string(amount_error_message(amount.error())));
    return std::nullopt;
  }
  return *amount;
}

bool is_goal_id(std::string_view id) {
  return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::optional<PriceRule> read_price_rule(const json& object, std::string_view name,
                                         const std::string& path, Checker& checker) {
  const std::string at = member_path(path, name);
  const json* value = member(object, name);
  if (value == nullptr) {
    checker.fail(at, "is required (use {\"fixed\": \"0\"} for none)");
    return std::nullopt;
  }
  if (!value->is_object()) {
    checker.fail(at, "must be an object with \"fixed\" and/or \"percent\"");
    return std::nullopt;
  }
  PriceRule rule;
  if (const json* fixed = member(*value, "fixed")) {
    rule.fixed = read_amount(*fixed, member_path(at, "fixed"), checker);
  }
  if (const json* percent = member(*value, "percent")) {
    rule.percent = read_amount(*percent, member_path(at, "percent"), checker);
    if (rule.percent && *rule.percent > Amount{100 * kUnitsPerWhole}) {
      checker.fail(member_path(at, "percent"), "must be between 0 and 100");
    }
  }
  if (member(*value, "fixed") == nullptr && member(*value, "percent") == nullptr) {
    checker.fail(at, "needs \"fixed\", \"percent\" or both");
  }
  check_known_fields(*value, at, {"fixed", "percent"}, checker);
  return rule;
}

std::optional<UrlTemplate> read_template(const json& object, std::string_view name,
                                         const std::string& path, Checker& checker, MacroSet macros,
                                         bool required, std::string* text_out) {
  const auto text = read_string(object, name, path, checker, required);
  if (!text) return std::nullopt;
  auto parsed = parse_url_template(*text, macros);
  if (!parsed) {
    checker.fail(member_path(path, name), describe(parsed.error()));
    return std::nullopt;
  }
  *text_out = *text;
  return std::move(*parsed);
}

std::optional<Advertiser> read_advertiser(const json& object, const std::string& path,
                                          Checker& checker) {
  Advertiser advertiser;
  check_known_fields(object, path, {"id", "name", "auth"}, checker);
  const auto id = read_id(object, "id", path, checker);
  advertiser.name = read_string(object, "name", path, checker, false, kMaxNameBytes).value_or("");
  const std::string at = member_path(path, "auth");
  const json* auth = member(object, "auth");
  if (auth == nullptr) {
    checker.fail(at, "is required: credentials, or \"none\" to accept unauthenticated postbacks");
  } else if (auth->is_string() && auth->get_ref<const std::string&>() == "none") {
    advertiser.auth.none = true;
  } else if (!auth->is_object()) {
    checker.fail(at, "must be an object or the string \"none\"");
  } else {
    auto& creds = advertiser.auth;
    check_known_fields(*auth, at, {"security_token", "hmac_secret", "ip_allowlist"}, checker);
    creds.security_token = read_string(*auth, "security_token", at, checker, false).value_or("");
    creds.hmac_secret = read_string(*auth, "hmac_secret", at, checker, false).value_or("");
    if (!creds.security_token.empty() && creds.security_token.size() < kMinTokenBytes) {
      checker.fail(member_path(at, "security_token"), "must be at least 16 characters");
    }
    if (!creds.hmac_secret.empty() && creds.hmac_secret.size() < kMinHmacSecretBytes) {
      checker.fail(member_path(at, "hmac_secret"), "must be at least 32 characters");
    }
    if (const json* list = member(*auth, "ip_allowlist")) {
      const std::string list_at = member_path(at, "ip_allowlist");
      if (!list->is_array()) checker.fail(list_at, "must be an array of CIDR ranges");
      for (std::size_t i = 0; list->is_array() && i < list->size(); ++i) {
        const json& entry = (*list)[i];
        const auto range =
            entry.is_string() ? parse_cidr(entry.get_ref<const std::string&>()) : std::nullopt;
        if (!range) {
          checker.fail(index_path(list_at, i),
                       "must be an IPv4 or IPv6 CIDR range such as "
                       "\"203.0.113.0/24\" (host bits zero)");
        } else {
          creds.ip_allowlist.push_back(*range);
        }
      }
    }
    if (creds.security_token.empty() && creds.hmac_secret.empty() && creds.ip_allowlist.empty()) {
      checker.fail(at, "needs security_token, hmac_secret or ip_allowlist (or \"none\")");
    }
  }
  if (!id) return std::nullopt;
  advertiser.id = *id;
  return advertiser;
}

std::optional<Affiliate> read_affiliate(const json& object, const std::string& path,
                                        Checker& checker) {
  Affiliate affiliate;
  check_known_fields(object, path,
                     {"id", "name", "status", "postback_url", "reversal_postback_url"}, checker);
  const auto id = read_id(object, "id", path, checker);
  affiliate.name = read_string(object, "name", path, checker, false, kMaxNameBytes).value_or("");
  if (const auto status = read_string(object, "status", path, checker, false)) {
    if (*status != "active" && *status != "blocked") {
      checker.fail(member_path(path, "status"), "must be \"active\" or \"blocked\"");
    }
    affiliate.active = *status == "active";
  }
  affiliate.postback = read_template(object, "postback_url", path, checker, MacroSet::conversion,
                                     false, &affiliate.postback_url);
  affiliate.reversal_postback =
      read_template(object, "reversal_postback_url", path, checker, MacroSet::conversion, false,
                    &affiliate.reversal_postback_url);
  if (!id) return std::nullopt;
  affiliate.id = *id;
  return affiliate;
}

void read_dedupe(const json& object, const std::string& path, Checker& checker, Goal& goal) {
  if (const auto dedupe = read_string(object, "dedupe", path, checker, false)) {
    if (!goal.multiple) {
      checker.fail(member_path(path, "dedupe"), "only for a goal with \"multiple\": true");
    } else if (*dedupe == "fingerprint") {
      goal.dedupe = Dedupe::fingerprint;
    } else if (*dedupe != "adv_sub") {
      checker.fail(member_path(path, "dedupe"), "must be \"adv_sub\" or \"fingerprint\"");
    }
  }
  const auto window =
      read_integer(object, "dedupe_window_seconds", path, checker, 1, kMaxDedupeWindowSeconds);
  if (window && goal.dedupe != Dedupe::fingerprint) {
    checker.fail(member_path(path, "dedupe_window_seconds"),
                 "only with \"dedupe\": \"fingerprint\"");
  }
  if (window) goal.dedupe_window_seconds = *window;
}

std::optional<Goal> read_goal(const json& object, const std::string& path, Checker& checker) {
  Goal goal;
  check_known_fields(
      object, path,
      {"id", "name", "revenue", "payout", "multiple", "status", "dedupe", "dedupe_window_seconds"},
      checker);
  const auto id = read_string(object, "id", path, checker, true);
  if (id && !is_goal_id(*id)) {
    checker.fail(member_path(path, "id"), "must be 1 to 32 of a-z, 0-9, '_' and '-'");
  }
  goal.name = read_string(object, "name", path, checker, false, kMaxNameBytes).value_or("");
  const auto revenue = read_price_rule(object, "revenue", path, checker);
  const auto payout = read_price_rule(object, "payout", path, checker);
  goal.multiple = read_bool(object, "multiple", path, checker).value_or(false);
  read_dedupe(object, path, checker, goal);
  if (const auto status = read_string(object, "status", path, checker, false)) {
    const auto parsed = parse_status(*status);
    if (!parsed || *parsed == ConversionStatus::rejected) {
      checker.fail(member_path(path, "status"), "must be \"approved\" or \"pending\"");
    } else {
      goal.status = *parsed;
    }
  }
  if (!id || !is_goal_id(*id) || !revenue || !payout) return std::nullopt;
  goal.id = *id;
  goal.revenue = *revenue;
  goal.payout = *payout;
  return goal;
}

std::optional<PayoutOverride> read_payout_override(const json& object, const std::string& path,
                                                   Checker& checker) {
  PayoutOverride entry;
  check_known_fields(object, path, {"affiliate_id", "goal", "payout"}, checker);
  const auto affiliate = read_id(object, "affiliate_id", path, checker);
  entry.goal_id = read_string(object, "goal", path, checker, false).value_or("");
  const auto payout = read_price_rule(object, "payout", path, checker);
  if (!affiliate || !payout) return std::nullopt;
  entry.affiliate_id = *affiliate;
  entry.payout = *payout;
  return entry;
}

std::optional<AffiliatePostbackUrl> read_postback_url(const json& object, const std::string& path,
                                                      Checker& checker) {
  AffiliatePostbackUrl entry;
  check_known_fields(object, path, {"affiliate_id", "url"}, checker);
  const auto affiliate = read_id(object, "affiliate_id", path, checker);
  auto postback =
      read_template(object, "url", path, checker, MacroSet::conversion, true, &entry.url);
  if (!affiliate || !postback) return std::nullopt;
  entry.affiliate_id = *affiliate;
  entry.postback = std::move(*postback);
  return entry;
}

void check_goals(Offer& offer, const std::string& path, Checker& checker) {
  if (offer.goals.empty()) checker.fail(member_path(path, "goals"), "needs at least one goal");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < offer.goals.size(); ++i) {
    if (!seen.insert(offer.goals[i].id).second) {
      checker.fail(index_path(member_path(path, "goals"), i) + ".id",
                   "duplicate goal id '" + offer.goals[i].id + "'");
    }
  }
  if (offer.default_goal.empty() && !offer.goals.empty()) offer.default_goal = offer.goals[0].id;
  if (!offer.goals.empty() && offer.find_goal(offer.default_goal) == nullptr) {
    checker.fail(member_path(path, "default_goal"), "names no goal of this offer");
  }
  for (std::size_t i = 0; i < offer.payout_overrides.size(); ++i) {
    const std::string& goal = offer.payout_overrides[i].goal_id;
    if (!goal.empty() && offer.find_goal(goal) == nullptr) {
      checker.fail(index_path(member_path(path, "payout_overrides"), i) + ".goal",
                   "names no goal of this offer");
    }
  }
}

namespace {

std::optional<Cap> read_cap(const json& object, const std::string& path, Checker& checker) {
  Cap cap;
  check_known_fields(object, path,
                     {"scope", "affiliate_id", "period", "conversions", "payout", "revenue"},
                     checker);
  if (const auto scope = read_string(object, "scope", path, checker, false)) {
    if (*scope == "affiliate") {
      cap.scope = CapScope::affiliate;
    } else if (*scope != "offer") {
      checker.fail(member_path(path, "scope"), "must be \"offer\" or \"affiliate\"");
    }
  }
  if (member(object, "affiliate_id") != nullptr) {
    cap.affiliate_id = read_id(object, "affiliate_id", path, checker);
    if (cap.scope != CapScope::affiliate) {
      checker.fail(member_path(path, "affiliate_id"), "only with \"scope\": \"affiliate\"");
    }
  }
  const auto period = read_string(object, "period", path, checker, true);
  if (period && *period == "month") {
    cap.period = CapPeriod::month;
  } else if (period && *period == "total") {
    cap.period = CapPeriod::total;
  } else if (period && *period != "day") {
    checker.fail(member_path(path, "period"), "must be \"day\", \"month\" or \"total\"");
  }
  cap.conversions = read_integer(object, "conversions", path, checker, 1, kMaxCapConversions);
  if (const json* payout = member(object, "payout")) {
    cap.payout = read_amount(*payout, member_path(path, "payout"), checker);
  }
  if (const json* revenue = member(object, "revenue")) {
    cap.revenue = read_amount(*revenue, member_path(path, "revenue"), checker);
  }
  if (!cap.conversions && !cap.payout && !cap.revenue) {
    checker.fail(path, "needs a limit: conversions, payout or revenue");
    return std::nullopt;
  }
  return cap;
}

std::optional<std::string> as_country_code(const json& value) {
  if (!value.is_string()) return std::nullopt;
  std::string code = country_code(value.get_ref<const std::string&>());
  if (code.empty()) return std::nullopt;
  return code;
}

std::vector<std::string> read_countries(const json& object, std::string_view name,
                                        const std::string& path, Checker& checker) {
  std::vector<std::string> countries;
  const json* list = member(object, name);
  if (list == nullptr) return countries;
  const std::string at = member_path(path, name);
  if (!list->is_array() || list->size() > kMaxRuleListEntries) {
    checker.fail(at, "must be an array of ISO 3166 country codes such as \"US\"");
    return countries;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto code = as_country_code((*list)[i]);
    if (!code) {
      checker.fail(index_path(at, i), "must be a 2-letter ISO 3166 country code such as \"US\"");
      continue;
    }
    countries.push_back(*code);
  }
  return countries;
}

std::vector<CidrRange> read_ranges(const json& object, std::string_view name,
                                   const std::string& path, Checker& checker) {
  std::vector<CidrRange> ranges;
  const json* list = member(object, name);
  if (list == nullptr) return ranges;
  const std::string at = member_path(path, name);
  if (!list->is_array() || list->size() > kMaxRuleListEntries) {
    checker.fail(at, "must be an array of IP ranges such as \"203.0.113.0/24\"");
    return ranges;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    const auto range = item.is_string() ? parse_cidr(item.get_ref<const std::string&>())
                                        : std::optional<CidrRange>{};
    if (!range) {
      checker.fail(index_path(at, i),
                   "must be an IP address or CIDR range with no host bits set, such as "
                   "\"203.0.113.0/24\"");
      continue;
    }
    ranges.push_back(*range);
  }
  return ranges;
}

template <class Enum>
void read_choice(const json& object, std::string_view name, const std::string& path,
                 Checker& checker, std::initializer_list<std::pair<std::string_view, Enum>> choices,
                 Enum& out) {
  const auto text = read_string(object, name, path, checker, false);
  if (!text) return;
  std::string listed;
  for (const auto& [word, value] : choices) {
    if (*text == word) {
      out = value;
      return;
    }
    listed += (listed.empty() ? "\"" : ", \"") + std::string(word) + "\"";
  }
  checker.fail(member_path(path, name), "must be one of " + listed);
}

}  // namespace

TrafficRules read_traffic_rules(const json& object, const std::string& path, Checker& checker) {
  TrafficRules rules;
  check_known_fields(object, path,
                     {"bots", "max_clicks_per_ip_per_minute", "blocked_ips", "allowed_countries",
                      "blocked_countries", "action", "max_conversion_seconds", "ip_mismatch"},
                     checker);
  read_choice<bool>(object, "bots", path, checker, {{"allow", false}, {"block", true}},
                    rules.block_bots);
  rules.max_clicks_per_ip_per_minute = static_cast<std::uint32_t>(
      read_integer(object, "max_clicks_per_ip_per_minute", path, checker, 0, 100000).value_or(0));
  rules.blocked_ips = read_ranges(object, "blocked_ips", path, checker);
  rules.allowed_countries = read_countries(object, "allowed_countries", path, checker);
  rules.blocked_countries = read_countries(object, "blocked_countries", path, checker);
  read_choice<RuleAction>(object, "action", path, checker,
                          {{"fallback", RuleAction::fallback},
                           {"refuse", RuleAction::refuse},
                           {"flag", RuleAction::flag}},
                          rules.action);
  rules.max_conversion_seconds =
      read_integer(object, "max_conversion_seconds", path, checker, 0, kMaxWindowHours * kHour)
          .value_or(0);
  read_choice<IpMismatch>(
      object, "ip_mismatch", path, checker,
      {{"ignore", IpMismatch::ignore}, {"flag", IpMismatch::flag}, {"reject", IpMismatch::reject}},
      rules.ip_mismatch);
  return rules;
}

namespace {

void read_offer_limits(const json& object, const std::string& path, Checker& checker,
                       Offer& offer) {
  if (const auto zone = read_string(object, "timezone", path, checker, false)) {
    if (!find_time_zone(*zone)) {
      checker.fail(member_path(path, "timezone"),
                   "must be an IANA time zone name such as \"America/New_York\" or \"UTC\"");
    } else {
      offer.timezone = *zone;
    }
  }
  offer.caps = read_list<Cap>(object, "caps", path, Presence::optional, checker, read_cap);
  if (offer.caps.size() > kMaxCaps) {
    checker.fail(member_path(path, "caps"),
                 "must have at most " + std::to_string(kMaxCaps) + " caps");
  }
  if (const auto status = read_string(object, "cap_status", path, checker, false)) {
    const auto parsed = parse_status(*status);
    if (!parsed || *parsed == ConversionStatus::approved) {
      checker.fail(member_path(path, "cap_status"), "must be \"rejected\" or \"pending\"");
    } else {
      offer.cap_status = *parsed;
    }
  }
  if (const json* rules = member(object, "traffic_rules")) {
    const std::string at = member_path(path, "traffic_rules");
    if (!rules->is_object()) {
      checker.fail(at, "must be an object");
    } else {
      offer.traffic_rules = read_traffic_rules(*rules, at, checker);
    }
  }
  if (offer.traffic_rules.max_conversion_seconds != 0 &&
      offer.traffic_rules.max_conversion_seconds <= offer.min_conversion_seconds) {
    checker.fail(member_path(path, "traffic_rules.max_conversion_seconds"),
                 "must be longer than min_conversion_seconds");
  }
}

// After the windows it must outlive: shorter would let a late postback or a status change find
// its claims or its record gone.
void read_ledger_retention(const json& object, const std::string& path, Checker& checker,
                           Offer& offer) {
  const auto days =
      read_integer(object, "ledger_retention_days", path, checker, 1, kMaxLedgerRetentionDays);
  if (!days) return;
  constexpr std::int64_t kDay = 24 * kHour;
  const std::int64_t minimum_days = (offer.ledger_retention_minimum() + kDay - 1) / kDay;
  if (*days < minimum_days) {
    checker.fail(member_path(path, "ledger_retention_days"),
                 "must be at least " + std::to_string(minimum_days) +
                     " (the attribution window + late_postback_days + reversal_window_days, and "
                     "a day for clock skew)");
    return;
  }
  offer.ledger_retention_seconds = *days * kDay;
}

}  // namespace

// The offer's own fields; its advertiser is resolved by the caller (a reference in a config
// file, an embedded copy in a stored record).
std::optional<Offer> read_offer_fields(const json& object, const std::string& path,
                                       Checker& checker, const TrafficRules& default_rules) {
  Offer offer;
  offer.traffic_rules = default_rules;
  // "advertiser_id" in a config file, "advertiser" (an embedded copy) in a stored record.
  check_known_fields(object, path,
                     {"id",
                      "name",
                      "status",
                      "advertiser_id",
                      "advertiser",
                      "url",
                      "fallback_url",
                      "allowed_affiliates",
                      "attribution_window_hours",
                      "min_conversion_seconds",
                      "reversal_window_days",
                      "late_postback_days",
                      "ledger_retention_days",
                      "currency",
                      "timezone",
                      "caps",
                      "cap_status",
                      "traffic_rules",
                      "default_goal",
                      "goals",
                      "payout_overrides",
                      "affiliate_postback_urls"},
                     checker);
  const auto id = read_id(object, "id", path, checker);
  offer.name = read_string(object, "name", path, checker, false, kMaxNameBytes).value_or("");
  if (const auto status = read_string(object, "status", path, checker, false)) {
    if (*status != "active" && *status != "paused") {
      checker.fail(member_path(path, "status"), "must be \"active\" or \"paused\"");
    }
    offer.active = *status == "active";
  }
  auto landing = read_template(object, "url", path, checker, MacroSet::click, true, &offer.url);
  if (const auto fallback = read_string(object, "fallback_url", path, checker, false)) {
    if (const auto url = parse_http_url(*fallback); !url) {
      checker.fail(member_path(path, "fallback_url"), std::string(url_error_message(url.error())));
    }
    offer.fallback_url = *fallback;
  }
  if (const json* allowed = member(object, "allowed_affiliates")) {
    const std::string at = member_path(path, "allowed_affiliates");
    if (!allowed->is_array()) checker.fail(at, "must be an array of affiliate ids");
    offer.allowed_affiliates.emplace();
    for (std::size_t i = 0; allowed->is_array() && i < allowed->size(); ++i) {
      const auto affiliate = as_id((*allowed)[i]);
      if (affiliate) offer.allowed_affiliates->push_back(*affiliate);
      if (!affiliate) checker.fail(index_path(at, i), kIdRule);
    }
  }
  const auto window_hours =
      read_integer(object, "attribution_window_hours", path, checker, 1, kMaxWindowHours);
  if (window_hours) offer.attribution_window_seconds = *window_hours * kHour;
  offer.min_conversion_seconds =
      read_integer(object, "min_conversion_seconds", path, checker, 0, kMaxWindowHours * kHour)
          .value_or(0);
  if (offer.min_conversion_seconds >= offer.attribution_window_seconds) {
    checker.fail(member_path(path, "min_conversion_seconds"),
                 "must be shorter than the attribution window");
  }
  if (const auto days =
          read_integer(object, "reversal_window_days", path, checker, 0, kMaxReversalWindowDays)) {
    offer.reversal_window_seconds = *days * 24 * kHour;
  }
  if (const auto days =
          read_integer(object, "late_postback_days", path, checker, 0, kMaxLatePostbackDays)) {
    offer.late_postback_seconds = *days * 24 * kHour;
  }
  read_ledger_retention(object, path, checker, offer);
  if (const auto currency = read_string(object, "currency", path, checker, false)) {
    const auto code = normalize_currency(*currency);
    if (!code) checker.fail(member_path(path, "currency"), "must be a 3-letter ISO 4217 code");
    offer.currency = code.value_or(offer.currency);
  }
  offer.default_goal = read_string(object, "default_goal", path, checker, false).value_or("");
  offer.goals = read_list<Goal>(object, "goals", path, Presence::required, checker, read_goal);
  offer.payout_overrides = read_list<PayoutOverride>(
      object, "payout_overrides", path, Presence::optional, checker, read_payout_override);
  offer.postback_urls = read_list<AffiliatePostbackUrl>(
      object, "affiliate_postback_urls", path, Presence::optional, checker, read_postback_url);
  check_goals(offer, path, checker);
  read_offer_limits(object, path, checker, offer);
  if (!id || !landing) return std::nullopt;
  offer.id = *id;
  offer.landing = std::move(*landing);
  return offer;
}

std::optional<json> parse_json_object(std::string_view text, Checker& checker) {
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    checker.fail("", "is not valid JSON");
    return std::nullopt;
  }
  if (!document.is_object()) {
    checker.fail("", "must be a JSON object");
    return std::nullopt;
  }
  return document;
}

}  // namespace edgepost::config_reader
