#include "edgepost/config.hpp"
#include "edgepost/json_text.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "edgepost/kv_keys.hpp"
#include "edgepost/url.hpp"

namespace edgepost {
namespace {

using nlohmann::json;

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kMaxWindowHours = 365 * 24;
constexpr std::size_t kMinTokenBytes = 16;
constexpr std::size_t kMinHmacSecretBytes = 32;
constexpr std::size_t kMaxNameBytes = 200;

// Walks a JSON document and collects every problem with its path.
class Checker {
 public:
  void fail(const std::string& path, std::string message) {
    errors_.push_back(ConfigError{path, std::move(message)});
  }
  bool ok() const noexcept { return errors_.empty(); }
  std::vector<ConfigError> take() { return std::move(errors_); }

 private:
  std::vector<ConfigError> errors_;
};

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

enum class Presence { required, optional };

// An array of objects, each read by read_one at its own path.
template <class Entity, class ReadOne>
std::vector<Entity> read_list(const json& object, std::string_view name, const std::string& path,
                              Presence presence, Checker& checker, ReadOne read_one) {
  std::vector<Entity> entities;
  const std::string at = member_path(path, name);
  const json* list = member(object, name);
  if (list == nullptr) {
    if (presence == Presence::required) checker.fail(at, "is required (an array)");
    return entities;
  }
  if (!list->is_array()) {
    checker.fail(at, "must be an array");
    return entities;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (!(*list)[i].is_object()) {
      checker.fail(index_path(at, i), "must be an object");
      continue;
    }
    if (auto entity = read_one((*list)[i], index_path(at, i), checker)) {
      entities.push_back(std::move(*entity));
    }
  }
  return entities;
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
  check_known_fields(object, path, {"id", "name", "status", "postback_url"}, checker);
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
  if (!id) return std::nullopt;
  affiliate.id = *id;
  return affiliate;
}

std::optional<Goal> read_goal(const json& object, const std::string& path, Checker& checker) {
  Goal goal;
  check_known_fields(object, path, {"id", "name", "revenue", "payout", "multiple", "status"},
                     checker);
  const auto id = read_string(object, "id", path, checker, true);
  if (id && !is_goal_id(*id)) {
    checker.fail(member_path(path, "id"), "must be 1 to 32 of a-z, 0-9, '_' and '-'");
  }
  goal.name = read_string(object, "name", path, checker, false, kMaxNameBytes).value_or("");
  const auto revenue = read_price_rule(object, "revenue", path, checker);
  const auto payout = read_price_rule(object, "payout", path, checker);
  goal.multiple = read_bool(object, "multiple", path, checker).value_or(false);
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

// The offer's own fields; its advertiser is resolved by the caller (a reference in a config
// file, an embedded copy in a stored record).
std::optional<Offer> read_offer_fields(const json& object, const std::string& path,
                                       Checker& checker) {
  Offer offer;
  // "advertiser_id" in a config file, "advertiser" (an embedded copy) in a stored record.
  check_known_fields(
      object, path,
      {"id", "name", "status", "advertiser_id", "advertiser", "url", "fallback_url",
       "allowed_affiliates", "attribution_window_hours", "min_conversion_seconds", "currency",
       "default_goal", "goals", "payout_overrides", "affiliate_postback_urls"},
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
  if (!id || !landing) return std::nullopt;
  offer.id = *id;
  offer.landing = std::move(*landing);
  return offer;
}

// ---- entities back to JSON (the stored records) ----

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
    for (const CidrRange& range : advertiser.auth.ip_allowlist) {
      ranges.push_back(format_ip_address(range.network) + "/" +
                       std::to_string(range.prefix_length));
    }
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
  return out;
}

json goal_json(const Goal& goal) {
  return json{{"id", goal.id},
              {"name", goal.name},
              {"revenue", price_rule_json(goal.revenue)},
              {"payout", price_rule_json(goal.payout)},
              {"multiple", goal.multiple},
              {"status", status_name(goal.status)}};
}

json offer_json(const Offer& offer) {
  json out{{"id", offer.id},
           {"name", offer.name},
           {"status", offer.active ? "active" : "paused"},
           {"advertiser", advertiser_json(offer.advertiser)},
           {"url", offer.url},
           {"attribution_window_hours", offer.attribution_window_seconds / kHour},
           {"min_conversion_seconds", offer.min_conversion_seconds},
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
  return out;
}

// ---- whole-config checks ----

template <class Entity>
void check_unique_ids(const std::vector<Entity>& entities, std::string_view list,
                      Checker& checker) {
  std::set<std::uint32_t> seen;
  for (std::size_t i = 0; i < entities.size(); ++i) {
    if (!seen.insert(entities[i].id).second) {
      checker.fail(index_path(std::string(list), i) + ".id",
                   "duplicate id " + std::to_string(entities[i].id));
    }
  }
}

template <class Entity>
bool has_id(const std::vector<Entity>& entities, std::uint32_t id) {
  return std::any_of(entities.begin(), entities.end(),
                     [id](const Entity& entity) { return entity.id == id; });
}

void check_affiliate_references(const Offer& offer, const std::vector<Affiliate>& affiliates,
                                const std::string& path, Checker& checker) {
  const auto check = [&](std::uint32_t id, const std::string& at) {
    if (!has_id(affiliates, id))
      checker.fail(at, "names no affiliate (id " + std::to_string(id) + ")");
  };
  if (offer.allowed_affiliates) {
    for (std::size_t i = 0; i < offer.allowed_affiliates->size(); ++i) {
      check((*offer.allowed_affiliates)[i], index_path(member_path(path, "allowed_affiliates"), i));
    }
  }
  for (std::size_t i = 0; i < offer.payout_overrides.size(); ++i) {
    check(offer.payout_overrides[i].affiliate_id,
          index_path(member_path(path, "payout_overrides"), i) + ".affiliate_id");
  }
  for (std::size_t i = 0; i < offer.postback_urls.size(); ++i) {
    check(offer.postback_urls[i].affiliate_id,
          index_path(member_path(path, "affiliate_postback_urls"), i) + ".affiliate_id");
  }
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

std::string describe(const ConfigError& error) {
  return error.path.empty() ? "config " + error.message : error.path + ": " + error.message;
}

Expected<Config, std::vector<ConfigError>> load_config(std::string_view json_text) {
  Checker checker;
  const auto document = parse_json_object(json_text, checker);
  if (!document) return Unexpected{checker.take()};

  Config config;
  config.advertisers = read_list<Advertiser>(*document, "advertisers", "", Presence::required,
                                             checker, read_advertiser);
  config.affiliates = read_list<Affiliate>(*document, "affiliates", "", Presence::required, checker,
                                           read_affiliate);
  config.offers = read_list<Offer>(
      *document, "offers", "", Presence::required, checker,
      [&](const json& object, const std::string& path, Checker& c) {
        auto offer = read_offer_fields(object, path, c);
        if (member(object, "advertiser") != nullptr) {
          c.fail(member_path(path, "advertiser"), "is not a config field: use advertiser_id");
        }
        const auto advertiser_id = read_id(object, "advertiser_id", path, c);
        if (!offer || !advertiser_id) return std::optional<Offer>{};
        const auto found =
            std::find_if(config.advertisers.begin(), config.advertisers.end(),
                         [&](const Advertiser& a) { return a.id == *advertiser_id; });
        if (found == config.advertisers.end()) {
          c.fail(member_path(path, "advertiser_id"), "names no advertiser");
          return std::optional<Offer>{};
        }
        offer->advertiser = *found;
        check_affiliate_references(*offer, config.affiliates, path, c);
        return offer;
      });
  check_unique_ids(config.advertisers, "advertisers", checker);
  check_unique_ids(config.affiliates, "affiliates", checker);
  check_unique_ids(config.offers, "offers", checker);
  for (const auto& [key, unused] : document->items()) {
    if (key != "advertisers" && key != "affiliates" && key != "offers") {
      checker.fail(key, "is not a known section (advertisers, affiliates, offers)");
    }
  }
  if (!checker.ok()) return Unexpected{checker.take()};
  return config;
}

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
