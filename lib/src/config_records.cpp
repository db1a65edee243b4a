#include "edgepost/config_records.hpp"

#include <algorithm>
#include <cstdint>
#include <set>

#include "compact_record.hpp"
#include "config_reader.hpp"
#include "edgepost/hex.hpp"
#include "edgepost/kv_keys.hpp"

namespace edgepost {
namespace {

using compact::Reader;
using compact::Writer;

// offer/2 added late_postback_seconds and ledger_retention_seconds; offer/1 records (written
// before) still read, with their defaults.
constexpr std::string_view kOfferMagic = "offer/2|";
constexpr std::string_view kOfferMagicV1 = "offer/1|";
constexpr std::string_view kAffiliateMagic = "affiliate/1|";
constexpr std::string_view kAdvertiserMagic = "advertiser/1|";

// Windows and ages in seconds: far above any configurable one (a year), far below what would
// overflow when added to a Unix time.
constexpr std::int64_t kMaxSeconds = std::int64_t{1} << 40;

// ---- writing: one function per part, in the order the readers below read ----

void write_amount(Writer& out, const std::optional<Amount>& amount) {
  out.flag(amount.has_value());
  if (amount) out.integer(amount->units);
}

void write_price(Writer& out, const PriceRule& rule) {
  write_amount(out, rule.fixed);
  write_amount(out, rule.percent);
}

void write_template(Writer& out, const UrlTemplate& tmpl) {
  out.integer(static_cast<std::int64_t>(tmpl.pieces.size()));
  for (const TemplatePiece& piece : tmpl.pieces) {
    out.flag(piece.is_macro);
    out.text(piece.text);
  }
}

void write_optional_template(Writer& out, const std::optional<UrlTemplate>& tmpl) {
  out.flag(tmpl.has_value());
  if (tmpl) write_template(out, *tmpl);
}

void write_ranges(Writer& out, const std::vector<CidrRange>& ranges) {
  out.integer(static_cast<std::int64_t>(ranges.size()));
  for (const CidrRange& range : ranges) {
    out.flag(range.network.v6);
    out.integer(range.prefix_length);
    out.text(to_hex(range.network.bytes));
  }
}

void write_texts(Writer& out, const std::vector<std::string>& texts) {
  out.integer(static_cast<std::int64_t>(texts.size()));
  for (const std::string& text : texts) out.text(text);
}

void write_advertiser(Writer& out, const Advertiser& advertiser) {
  out.integer(advertiser.id);
  out.text(advertiser.name);
  out.flag(advertiser.auth.none);
  out.text(advertiser.auth.security_token);
  out.text(advertiser.auth.hmac_secret);
  write_ranges(out, advertiser.auth.ip_allowlist);
}

void write_affiliate(Writer& out, const Affiliate& affiliate) {
  out.integer(affiliate.id);
  out.text(affiliate.name);
  out.flag(affiliate.active);
  out.text(affiliate.postback_url);
  write_optional_template(out, affiliate.postback);
  out.text(affiliate.reversal_postback_url);
  write_optional_template(out, affiliate.reversal_postback);
}

void write_goal(Writer& out, const Goal& goal) {
  out.text(goal.id);
  out.text(goal.name);
  write_price(out, goal.revenue);
  write_price(out, goal.payout);
  out.flag(goal.multiple);
  out.choice(goal.dedupe);
  out.integer(goal.dedupe_window_seconds);
  out.choice(goal.status);
}

void write_cap(Writer& out, const Cap& cap) {
  out.choice(cap.scope);
  out.flag(cap.affiliate_id.has_value());
  if (cap.affiliate_id) out.integer(*cap.affiliate_id);
  out.choice(cap.period);
  out.flag(cap.conversions.has_value());
  if (cap.conversions) out.integer(*cap.conversions);
  write_amount(out, cap.payout);
  write_amount(out, cap.revenue);
}

void write_traffic_rules(Writer& out, const TrafficRules& rules) {
  out.flag(rules.block_bots);
  out.integer(rules.max_clicks_per_ip_per_minute);
  write_ranges(out, rules.blocked_ips);
  write_texts(out, rules.allowed_countries);
  write_texts(out, rules.blocked_countries);
  out.choice(rules.action);
  out.integer(rules.max_conversion_seconds);
  out.choice(rules.ip_mismatch);
}

void write_offer(Writer& out, const Offer& offer) {
  out.integer(offer.id);
  out.text(offer.name);
  out.flag(offer.active);
  write_advertiser(out, offer.advertiser);
  out.text(offer.url);
  write_template(out, offer.landing);
  out.text(offer.fallback_url);
  out.flag(offer.allowed_affiliates.has_value());
  if (offer.allowed_affiliates) {
    out.integer(static_cast<std::int64_t>(offer.allowed_affiliates->size()));
    for (const std::uint32_t id : *offer.allowed_affiliates) out.integer(id);
  }
  out.integer(offer.attribution_window_seconds);
  out.integer(offer.min_conversion_seconds);
  out.integer(offer.reversal_window_seconds);
  out.integer(offer.late_postback_seconds);
  out.integer(offer.ledger_retention_seconds);
  out.text(offer.currency);
  out.text(offer.default_goal);
  out.integer(static_cast<std::int64_t>(offer.goals.size()));
  for (const Goal& goal : offer.goals) write_goal(out, goal);
  out.integer(static_cast<std::int64_t>(offer.payout_overrides.size()));
  for (const PayoutOverride& entry : offer.payout_overrides) {
    out.integer(entry.affiliate_id);
    out.text(entry.goal_id);
    write_price(out, entry.payout);
  }
  out.integer(static_cast<std::int64_t>(offer.postback_urls.size()));
  for (const AffiliatePostbackUrl& entry : offer.postback_urls) {
    out.integer(entry.affiliate_id);
    out.text(entry.url);
    write_template(out, entry.postback);
  }
  out.text(offer.timezone);
  out.integer(static_cast<std::int64_t>(offer.caps.size()));
  for (const Cap& cap : offer.caps) write_cap(out, cap);
  out.choice(offer.cap_status);
  write_traffic_rules(out, offer.traffic_rules);
}

// ---- reading ----

bool read_amount(Reader& in, const char* field, std::int64_t max, std::optional<Amount>& amount) {
  bool present = false;
  if (!in.flag(field, present)) return false;
  if (!present) return true;
  std::int64_t units = 0;
  if (!in.integer(field, 0, max, units)) return false;
  amount = Amount{units};
  return true;
}

bool read_price(Reader& in, PriceRule& rule) {
  return read_amount(in, "price.fixed", kMaxAmount.units, rule.fixed) &&
         read_amount(in, "price.percent", 100 * kUnitsPerWhole, rule.percent);
}

// Pieces as parse_url_template makes them: none empty, so rendering never meets a macro
// without a name.
bool read_template(Reader& in, UrlTemplate& tmpl) {
  std::size_t count = 0;
  if (!in.count("template", count)) return false;
  tmpl.pieces.resize(count);
  for (TemplatePiece& piece : tmpl.pieces) {
    if (!in.flag("template.macro", piece.is_macro) || !in.text("template.text", piece.text)) {
      return false;
    }
    if (piece.text.empty()) return in.refuse("template.text", "empty");
  }
  return true;
}

bool read_optional_template(Reader& in, std::optional<UrlTemplate>& tmpl) {
  bool present = false;
  if (!in.flag("template", present)) return false;
  if (!present) return true;
  tmpl.emplace();
  return read_template(in, *tmpl);
}

bool read_range(Reader& in, CidrRange& range) {
  std::int64_t prefix = 0;
  std::string hex;
  if (!in.flag("range.v6", range.network.v6) ||
      !in.integer("range.prefix", 0, range.network.v6 ? 128 : 32, prefix) ||
      !in.text("range.network", hex)) {
    return false;
  }
  range.prefix_length = static_cast<int>(prefix);
  const auto bytes = from_hex(hex);
  if (!bytes || bytes->size() != range.network.bytes.size()) {
    return in.refuse("range.network", "not 16 bytes in hex");
  }
  std::copy(bytes->begin(), bytes->end(), range.network.bytes.begin());
  return true;
}

template <class Item, class ReadOne>
bool read_list(Reader& in, const char* field, std::vector<Item>& items, ReadOne read_one) {
  std::size_t count = 0;
  if (!in.count(field, count)) return false;
  items.resize(count);
  for (Item& item : items) {
    if (!read_one(in, item)) return false;
  }
  return true;
}

bool read_ranges(Reader& in, std::vector<CidrRange>& ranges) {
  return read_list(in, "ranges", ranges, read_range);
}

bool read_texts(Reader& in, const char* field, std::vector<std::string>& texts) {
  return read_list(in, field, texts,
                   [field](Reader& r, std::string& text) { return r.text(field, text); });
}

bool read_advertiser(Reader& in, Advertiser& advertiser) {
  return in.number("advertiser.id", advertiser.id) && in.text("advertiser.name", advertiser.name) &&
         in.flag("advertiser.auth.none", advertiser.auth.none) &&
         in.text("advertiser.auth.security_token", advertiser.auth.security_token) &&
         in.text("advertiser.auth.hmac_secret", advertiser.auth.hmac_secret) &&
         read_ranges(in, advertiser.auth.ip_allowlist);
}

bool read_affiliate(Reader& in, Affiliate& affiliate) {
  return in.number("affiliate.id", affiliate.id) && in.text("affiliate.name", affiliate.name) &&
         in.flag("affiliate.active", affiliate.active) &&
         in.text("affiliate.postback_url", affiliate.postback_url) &&
         read_optional_template(in, affiliate.postback) &&
         in.text("affiliate.reversal_postback_url", affiliate.reversal_postback_url) &&
         read_optional_template(in, affiliate.reversal_postback);
}

bool read_goal(Reader& in, Goal& goal) {
  return in.text("goal.id", goal.id) && in.text("goal.name", goal.name) &&
         read_price(in, goal.revenue) && read_price(in, goal.payout) &&
         in.flag("goal.multiple", goal.multiple) &&
         in.choice("goal.dedupe", Dedupe::fingerprint, goal.dedupe) &&
         in.integer("goal.dedupe_window_seconds", 0, kMaxSeconds, goal.dedupe_window_seconds) &&
         in.choice("goal.status", ConversionStatus::rejected, goal.status);
}

bool read_optional_integer(Reader& in, const char* field, std::int64_t max,
                           std::optional<std::int64_t>& value) {
  bool present = false;
  if (!in.flag(field, present)) return false;
  if (!present) return true;
  value.emplace();
  return in.integer(field, 0, max, *value);
}

bool read_cap(Reader& in, Cap& cap) {
  std::optional<std::int64_t> affiliate;
  if (!in.choice("cap.scope", CapScope::affiliate, cap.scope) ||
      !read_optional_integer(in, "cap.affiliate_id", UINT32_MAX, affiliate)) {
    return false;
  }
  if (affiliate) cap.affiliate_id = static_cast<std::uint32_t>(*affiliate);
  return in.choice("cap.period", CapPeriod::total, cap.period) &&
         read_optional_integer(in, "cap.conversions", INT64_MAX, cap.conversions) &&
         read_amount(in, "cap.payout", kMaxAmount.units, cap.payout) &&
         read_amount(in, "cap.revenue", kMaxAmount.units, cap.revenue);
}

bool read_traffic_rules(Reader& in, TrafficRules& rules) {
  return in.flag("traffic_rules.bots", rules.block_bots) &&
         in.number("traffic_rules.max_clicks_per_ip_per_minute",
                   rules.max_clicks_per_ip_per_minute) &&
         read_ranges(in, rules.blocked_ips) &&
         read_texts(in, "traffic_rules.allowed_countries", rules.allowed_countries) &&
         read_texts(in, "traffic_rules.blocked_countries", rules.blocked_countries) &&
         in.choice("traffic_rules.action", RuleAction::flag, rules.action) &&
         in.integer("traffic_rules.max_conversion_seconds", 0, kMaxSeconds,
                    rules.max_conversion_seconds) &&
         in.choice("traffic_rules.ip_mismatch", IpMismatch::reject, rules.ip_mismatch);
}

bool read_allowed_affiliates(Reader& in, std::optional<std::vector<std::uint32_t>>& allowed) {
  bool present = false;
  if (!in.flag("allowed_affiliates", present)) return false;
  if (!present) return true;
  allowed.emplace();
  return read_list(in, "allowed_affiliates", *allowed,
                   [](Reader& r, std::uint32_t& id) { return r.number("allowed_affiliates", id); });
}

bool read_override(Reader& in, PayoutOverride& entry) {
  return in.number("payout_override.affiliate_id", entry.affiliate_id) &&
         in.text("payout_override.goal", entry.goal_id) && read_price(in, entry.payout);
}

bool read_postback_url(Reader& in, AffiliatePostbackUrl& entry) {
  return in.number("affiliate_postback_url.affiliate_id", entry.affiliate_id) &&
         in.text("affiliate_postback_url.url", entry.url) && read_template(in, entry.postback);
}

bool read_offer_fields(Reader& in, Offer& offer, bool with_retention) {
  return in.number("offer.id", offer.id) && in.text("offer.name", offer.name) &&
         in.flag("offer.active", offer.active) && read_advertiser(in, offer.advertiser) &&
         in.text("offer.url", offer.url) && read_template(in, offer.landing) &&
         in.text("offer.fallback_url", offer.fallback_url) &&
         read_allowed_affiliates(in, offer.allowed_affiliates) &&
         in.integer("offer.attribution_window", 0, kMaxSeconds, offer.attribution_window_seconds) &&
         in.integer("offer.min_conversion_seconds", 0, kMaxSeconds, offer.min_conversion_seconds) &&
         in.integer("offer.reversal_window", 0, kMaxSeconds, offer.reversal_window_seconds) &&
         (!with_retention ||
          (in.integer("offer.late_postback", 0, kMaxSeconds, offer.late_postback_seconds) &&
           in.integer("offer.ledger_retention", 0, kMaxSeconds, offer.ledger_retention_seconds))) &&
         in.text("offer.currency", offer.currency) &&
         in.text("offer.default_goal", offer.default_goal) &&
         read_list(in, "offer.goals", offer.goals, read_goal) &&
         read_list(in, "offer.payout_overrides", offer.payout_overrides, read_override) &&
         read_list(in, "offer.affiliate_postback_urls", offer.postback_urls, read_postback_url) &&
         in.text("offer.timezone", offer.timezone) &&
         read_list(in, "offer.caps", offer.caps, read_cap) &&
         in.choice("offer.cap_status", ConversionStatus::rejected, offer.cap_status) &&
         read_traffic_rules(in, offer.traffic_rules);
}

bool read_offer(Reader& in, Offer& offer) {
  return read_offer_fields(in, offer, true);
}

bool read_offer_v1(Reader& in, Offer& offer) {
  return read_offer_fields(in, offer, false);
}

template <class Entity>
std::string encode(std::string_view magic, const Entity& entity,
                   void (*write)(Writer&, const Entity&)) {
  Writer out(magic);
  write(out, entity);
  return out.take();
}

template <class Entity>
Expected<Entity, std::vector<ConfigError>> decode(std::string_view text, std::string_view magic,
                                                  bool (*read)(Reader&, Entity&)) {
  Reader in(text, magic);
  Entity entity;
  if (!read(in, entity) || !in.finish()) {
    return Unexpected{std::vector<ConfigError>{{"record", in.error()}}};
  }
  return entity;
}

// Records written before the compact form (JSON objects) are still read, with the full checks
// of a config load, so that a data directory or KV namespace keeps working across an upgrade
// until the config is next loaded.
bool is_json_record(std::string_view text) {
  return !text.empty() && text.front() == '{';
}

// The old form's reader: a record back through the config's own checks.
template <class Entity, class Read>
Expected<Entity, std::vector<ConfigError>> parse_json_record(std::string_view text, Read read) {
  config_reader::Checker checker;
  const auto document = config_reader::parse_json_object(text, checker);
  if (!document) return Unexpected{checker.take()};
  auto entity = read(*document, std::string{}, checker);
  if (!entity || !checker.ok()) return Unexpected{checker.take()};
  return std::move(*entity);
}

std::optional<Offer> read_json_offer(const config_reader::json& object, const std::string& path,
                                     config_reader::Checker& checker) {
  auto offer = config_reader::read_offer_fields(object, path, checker);
  const config_reader::json* advertiser = config_reader::member(object, "advertiser");
  if (advertiser == nullptr || !advertiser->is_object()) {
    checker.fail("advertiser", "is required (an object)");
    return std::nullopt;
  }
  auto owner = config_reader::read_advertiser(*advertiser, "advertiser", checker);
  if (!offer || !owner) return std::nullopt;
  offer->advertiser = std::move(*owner);
  return offer;
}

}  // namespace

std::vector<ConfigRecord> config_records(const Config& config) {
  std::vector<ConfigRecord> records;
  for (const Advertiser& advertiser : config.advertisers) {
    records.push_back(
        {advertiser_key(advertiser.id), encode(kAdvertiserMagic, advertiser, write_advertiser)});
  }
  for (const Affiliate& affiliate : config.affiliates) {
    records.push_back(
        {affiliate_key(affiliate.id), encode(kAffiliateMagic, affiliate, write_affiliate)});
  }
  for (const Offer& offer : config.offers) {
    records.push_back({offer_key(offer.id), encode(kOfferMagic, offer, write_offer)});
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

Expected<Offer, std::vector<ConfigError>> parse_offer_record(std::string_view text) {
  if (is_json_record(text)) return parse_json_record<Offer>(text, read_json_offer);
  if (text.substr(0, kOfferMagicV1.size()) == kOfferMagicV1) {
    return decode(text, kOfferMagicV1, read_offer_v1);
  }
  return decode(text, kOfferMagic, read_offer);
}

Expected<Affiliate, std::vector<ConfigError>> parse_affiliate_record(std::string_view text) {
  if (is_json_record(text))
    return parse_json_record<Affiliate>(text, config_reader::read_affiliate);
  return decode(text, kAffiliateMagic, read_affiliate);
}

Expected<Advertiser, std::vector<ConfigError>> parse_advertiser_record(std::string_view text) {
  if (is_json_record(text)) {
    return parse_json_record<Advertiser>(text, config_reader::read_advertiser);
  }
  return decode(text, kAdvertiserMagic, read_advertiser);
}

}  // namespace edgepost
