#include "edgepost/config_records.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "edgepost/kv_keys.hpp"
#include "fixtures.hpp"

using edgepost::Amount;
using edgepost::ConversionStatus;
using edgepost::load_config;

namespace {

// The messages load_config gives for a config, one string each.
std::vector<std::string> errors_of(std::string_view json) {
  const auto loaded = load_config(json);
  REQUIRE_FALSE(loaded.has_value());
  std::vector<std::string> messages;
  for (const auto& error : loaded.error()) messages.push_back(edgepost::describe(error));
  return messages;
}

bool has_error(std::string_view json, const std::string& message) {
  const auto messages = errors_of(json);
  for (const auto& m : messages) {
    if (m == message) return true;
  }
  for (const auto& m : messages) UNSCOPED_INFO("got: " << m);
  return false;
}

// A minimal valid config with one offer whose JSON is `offer`.
std::string with_offer(const std::string& offer) {
  return R"({"advertisers": [{"id": 1, "auth": "none"}],
             "affiliates": [{"id": 7}],
             "offers": [)" +
         offer + "]}";
}

const std::string kOffer =
    R"({"id": 1, "advertiser_id": 1, "url": "https://a.example/?t={transaction_id}",
        "goals": [{"id": "sale", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}}]})";

std::string offer_with(const std::string& extra) {
  std::string offer = kOffer;
  offer.insert(offer.size() - 1, ", " + extra);
  return with_offer(offer);
}

}  // namespace

TEST_CASE("the fixture config loads with every field in place", "[config]") {
  const auto config = fixtures::config();
  REQUIRE(config.advertisers.size() == 3);
  REQUIRE(config.affiliates.size() == 3);
  REQUIRE(config.offers.size() == 5);

  CHECK(config.advertisers[0].auth.security_token == fixtures::kToken);
  CHECK(config.advertisers[1].auth.ip_allowlist.size() == 2);
  CHECK(config.advertisers[2].auth.none);
  CHECK_FALSE(config.affiliates[2].active);
  CHECK_FALSE(config.affiliates[1].postback.has_value());

  const auto& shoes = config.offers[0];
  CHECK(shoes.advertiser.id == 1);
  CHECK(shoes.default_goal == "sale");  // the first goal when none is named
  CHECK(shoes.currency == "USD");
  CHECK(shoes.attribution_window_seconds == 30 * 24 * 3600);
  CHECK(shoes.allows(9));  // no list: every affiliate

  const auto& gadgets = config.offers[1];
  CHECK(gadgets.currency == "EUR");
  CHECK(gadgets.min_conversion_seconds == 30);
  CHECK(shoes.reversal_window_seconds == 60 * 24 * 3600);
  CHECK(gadgets.reversal_window_seconds == 30 * 24 * 3600);  // the default
  CHECK(config.affiliates[0].reversal_postback.has_value());
  CHECK(gadgets.attribution_window_seconds == 48 * 3600);
  CHECK(gadgets.allows(7));
  CHECK_FALSE(gadgets.allows(9));
  CHECK(gadgets.goals[0].payout.fixed == Amount{100000});
  CHECK(gadgets.goals[0].payout.percent == Amount{500000});

  const auto& game = config.offers[2];
  CHECK(game.default_goal == "install");
  CHECK(game.find_goal("registration")->status == ConversionStatus::pending);
  CHECK(game.find_goal("purchase")->multiple);
  CHECK(game.postback_override(8) != nullptr);
  CHECK(game.postback_override(7) == nullptr);

  CHECK_FALSE(config.offers[3].active);
  CHECK(config.offers[3].fallback_url == "https://old.example/closed");
}

TEST_CASE("payout overrides: goal-specific beats offer-wide beats the goal", "[config]") {
  auto config = load_config(offer_with(
      R"("payout_overrides": [{"affiliate_id": 7, "payout": {"fixed": "2"}},
                              {"affiliate_id": 7, "goal": "sale", "payout": {"fixed": "3"}}])"));
  REQUIRE(config.has_value());
  const auto& offer = config->offers[0];
  const auto& goal = offer.goals[0];
  CHECK(offer.payout_for(7, goal).fixed == Amount{300000});
  CHECK(offer.payout_for(8, goal).fixed == Amount{100000});

  auto wide = load_config(
      offer_with(R"("payout_overrides": [{"affiliate_id": 7, "payout": {"percent": "50"}}])"));
  REQUIRE(wide.has_value());
  CHECK(wide->offers[0].payout_for(7, wide->offers[0].goals[0]).percent == Amount{5000000});
}

TEST_CASE("price rules: fixed, percent of the sale, or both", "[config]") {
  edgepost::PriceRule both{Amount{100000}, Amount{500000}};  // 1.00 + 5%
  CHECK(both.needs_sale_amount());
  CHECK(both.apply(Amount{2000000}) == Amount{200000});  // 1.00 + 5% of 20.00
  edgepost::PriceRule fixed{Amount{250000}, std::nullopt};
  CHECK_FALSE(fixed.needs_sale_amount());
  CHECK(fixed.apply(std::nullopt) == Amount{250000});
  CHECK(fixed.apply(Amount{999}) == Amount{250000});
}

TEST_CASE("config records: one per entity, and each reads back the same", "[config]") {
  const auto config = fixtures::config();
  const auto records = edgepost::config_records(config);
  REQUIRE(records.size() == 3 + 3 + 5);
  CHECK(records[0].key == edgepost::advertiser_key(1));
  CHECK(records[3].key == edgepost::affiliate_key(7));
  CHECK(records[6].key == edgepost::offer_key(100));

  for (const auto& record : records) {
    INFO(record.key << " = " << record.value);
    if (record.key.rfind("config/offer/", 0) == 0) {
      const auto offer = edgepost::parse_offer_record(record.value);
      REQUIRE(offer.has_value());
      // Serialising the parsed record again gives the same bytes: nothing is lost.
      edgepost::Config one;
      one.offers.push_back(*offer);
      CHECK(edgepost::config_records(one)[0].value == record.value);
    } else if (record.key.rfind("config/affiliate/", 0) == 0) {
      REQUIRE(edgepost::parse_affiliate_record(record.value).has_value());
    } else {
      REQUIRE(edgepost::parse_advertiser_record(record.value).has_value());
    }
  }
  // The offer record carries its advertiser, so that a postback needs one read.
  const auto gadgets = edgepost::parse_offer_record(records[7].value);
  REQUIRE(gadgets.has_value());
  CHECK(gadgets->advertiser.auth.hmac_secret == fixtures::kHmacSecret);
  CHECK(gadgets->advertiser.auth.ip_allowlist.size() == 2);
}

TEST_CASE("stored records are checked like config files", "[config]") {
  CHECK_FALSE(edgepost::parse_offer_record("not json").has_value());
  CHECK_FALSE(edgepost::parse_offer_record("[]").has_value());
  CHECK_FALSE(edgepost::parse_affiliate_record(R"({"id": 0})").has_value());
  CHECK_FALSE(edgepost::parse_advertiser_record(R"({"id": 1})").has_value());
  const auto missing_advertiser = edgepost::parse_offer_record(kOffer);
  REQUIRE_FALSE(missing_advertiser.has_value());
}

TEST_CASE("config validation names the path and the problem", "[config]") {
  CHECK(has_error("[1]", "config must be a JSON object"));
  CHECK(has_error("{", "config is not valid JSON"));
  CHECK(has_error("{}", "advertisers: is required (an array)"));
  CHECK(has_error(R"({"advertisers": {}, "affiliates": [], "offers": []})",
                  "advertisers: must be an array"));
  CHECK(
      has_error(R"({"advertisers": [], "affiliates": [], "offers": [], "extra": 1})",
                "extra: is not a known section (advertisers, affiliates, offers, traffic_rules)"));
  CHECK(has_error(R"({"advertisers": [3], "affiliates": [], "offers": []})",
                  "advertisers[0]: must be an object"));

  // Ids.
  CHECK(has_error(R"({"advertisers": [{"auth": "none"}], "affiliates": [], "offers": []})",
                  "advertisers[0].id: is required"));
  CHECK(has_error(R"({"advertisers": [{"id": 0, "auth": "none"}], "affiliates": [], "offers": []})",
                  "advertisers[0].id: must be an integer from 1 to 4294967295"));
  CHECK(has_error(
      R"({"advertisers": [{"id": 4294967296, "auth": "none"}], "affiliates": [], "offers": []})",
      "advertisers[0].id: must be an integer from 1 to 4294967295"));
  CHECK(has_error(
      R"({"advertisers": [{"id": 1, "auth": "none"}, {"id": 1, "auth": "none"}], "affiliates": [], "offers": []})",
      "advertisers[1].id: duplicate id 1"));

  // Advertiser credentials.
  CHECK(has_error(R"({"advertisers": [{"id": 1}], "affiliates": [], "offers": []})",
                  "advertisers[0].auth: is required: credentials, or \"none\" to accept "
                  "unauthenticated postbacks"));
  CHECK(has_error(R"({"advertisers": [{"id": 1, "auth": {}}], "affiliates": [], "offers": []})",
                  "advertisers[0].auth: needs security_token, hmac_secret or ip_allowlist (or "
                  "\"none\")"));
  CHECK(has_error(
      R"({"advertisers": [{"id": 1, "auth": {"security_token": "short"}}], "affiliates": [], "offers": []})",
      "advertisers[0].auth.security_token: must be at least 16 characters"));
  CHECK(has_error(
      R"({"advertisers": [{"id": 1, "auth": {"hmac_secret": "short"}}], "affiliates": [], "offers": []})",
      "advertisers[0].auth.hmac_secret: must be at least 32 characters"));
  CHECK(has_error(
      R"({"advertisers": [{"id": 1, "auth": {"ip_allowlist": ["10.0.0.1/8"]}}], "affiliates": [], "offers": []})",
      "advertisers[0].auth.ip_allowlist[0]: must be an IPv4 or IPv6 CIDR range such as "
      "\"203.0.113.0/24\" (host bits zero)"));
  CHECK(has_error(
      R"({"advertisers": [{"id": 1, "auth": {"ip_allowlist": "10.0.0.0/8"}}], "affiliates": [], "offers": []})",
      "advertisers[0].auth.ip_allowlist: must be an array of CIDR ranges"));
  CHECK(has_error(R"({"advertisers": [{"id": 1, "auth": 5}], "affiliates": [], "offers": []})",
                  "advertisers[0].auth: must be an object or the string \"none\""));
  CHECK(has_error(
      R"({"advertisers": [{"id": 1, "auth": {"token": "x"}}], "affiliates": [], "offers": []})",
      "advertisers[0].auth.token: is not a known field"));

  // Affiliates.
  CHECK(has_error(
      R"({"advertisers": [], "affiliates": [{"id": 7, "postback_url": "https://a.example/?p={payout}&x={bogus}"}], "offers": []})",
      "affiliates[0].postback_url: unknown macro {bogus} at byte 32"));
  CHECK(has_error(
      R"({"advertisers": [], "affiliates": [{"id": 7, "reversal_postback_url": "https://a.example/?x={bogus}"}], "offers": []})",
      "affiliates[0].reversal_postback_url: unknown macro {bogus} at byte 21"));
  CHECK(
      has_error(R"({"advertisers": [], "affiliates": [{"id": 7, "status": "gone"}], "offers": []})",
                "affiliates[0].status: must be \"active\" or \"blocked\""));
  CHECK(has_error(R"({"advertisers": [], "affiliates": [{"id": 7, "name": 5}], "offers": []})",
                  "affiliates[0].name: must be a string"));
}

TEST_CASE("offer validation names the path and the problem", "[config]") {
  CHECK(load_config(with_offer(kOffer)).has_value());

  CHECK(has_error(offer_with(R"("status": "running")"),
                  "offers[0].status: must be \"active\" or \"paused\""));
  CHECK(has_error(offer_with(R"("advertiser": {})"),
                  "offers[0].advertiser: is not a config field: use advertiser_id"));
  CHECK(has_error(offer_with(R"("fallback_url": "ftp://x.example/")"),
                  "offers[0].fallback_url: not an absolute http:// or https:// URL"));
  CHECK(has_error(offer_with(R"("allowed_affiliates": [7, 8])"),
                  "offers[0].allowed_affiliates[1]: names no affiliate (id 8)"));
  CHECK(has_error(offer_with(R"("allowed_affiliates": [7, "x"])"),
                  "offers[0].allowed_affiliates[1]: must be an integer from 1 to 4294967295"));
  CHECK(has_error(offer_with(R"("allowed_affiliates": 7)"),
                  "offers[0].allowed_affiliates: must be an array of affiliate ids"));
  CHECK(has_error(offer_with(R"("attribution_window_hours": 0)"),
                  "offers[0].attribution_window_hours: must be an integer from 1 to 8760"));
  CHECK(has_error(offer_with(R"("attribution_window_hours": 1, "min_conversion_seconds": 3600)"),
                  "offers[0].min_conversion_seconds: must be shorter than the attribution window"));
  CHECK(has_error(
      offer_with(
          R"("goals": [{"id": "sale", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}, "dedupe": "fingerprint"}])"),
      "offers[0].goals[0].dedupe: only for a goal with \"multiple\": true"));
  CHECK(has_error(
      offer_with(
          R"("goals": [{"id": "sale", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}, "multiple": true, "dedupe": "request"}])"),
      "offers[0].goals[0].dedupe: must be \"adv_sub\" or \"fingerprint\""));
  CHECK(has_error(
      offer_with(
          R"("goals": [{"id": "sale", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}, "multiple": true, "dedupe_window_seconds": 60}])"),
      "offers[0].goals[0].dedupe_window_seconds: only with \"dedupe\": \"fingerprint\""));
  CHECK(has_error(offer_with(R"("reversal_window_days": 541)"),
                  "offers[0].reversal_window_days: must be an integer from 0 to 540"));
  CHECK(has_error(offer_with(R"("currency": "US Dollar")"),
                  "offers[0].currency: must be a 3-letter ISO 4217 code"));
  CHECK(has_error(offer_with(R"("default_goal": "lead")"),
                  "offers[0].default_goal: names no goal of this offer"));
  CHECK(has_error(
      offer_with(
          R"("payout_overrides": [{"affiliate_id": 7, "goal": "lead", "payout": {"fixed": "1"}}])"),
      "offers[0].payout_overrides[0].goal: names no goal of this offer"));
  CHECK(has_error(
      offer_with(R"("payout_overrides": [{"affiliate_id": 9, "payout": {"fixed": "1"}}])"),
      "offers[0].payout_overrides[0].affiliate_id: names no affiliate (id 9)"));
  CHECK(has_error(
      offer_with(
          R"("affiliate_postback_urls": [{"affiliate_id": 7, "url": "https://{aff_sub}.example/"}])"),
      "offers[0].affiliate_postback_urls[0].url: macro {aff_sub} at byte 8 is in the scheme, "
      "host or port; macros may only follow the host"));
  CHECK(has_error(offer_with(R"("atribution_window_hours": 5)"),
                  "offers[0].atribution_window_hours: is not a known field"));

  CHECK(has_error(with_offer(R"({"id": 1, "advertiser_id": 2, "url": "https://a.example/",
                                 "goals": [{"id": "s", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}}]})"),
                  "offers[0].advertiser_id: names no advertiser"));
  CHECK(has_error(with_offer(R"({"id": 1, "advertiser_id": 1, "goals": []})"),
                  "offers[0].url: is required"));
  CHECK(has_error(
      with_offer(
          R"({"id": 1, "advertiser_id": 1, "url": "https://a.example/?p={payout}", "goals": []})"),
      "offers[0].url: macro {payout} at byte 21 is only available in partner postbacks"));
  CHECK(has_error(with_offer(R"({"id": 1, "advertiser_id": 1, "url": "https://a.example/"})"),
                  "offers[0].goals: is required (an array)"));
  CHECK(has_error(
      with_offer(R"({"id": 1, "advertiser_id": 1, "url": "https://a.example/", "goals": []})"),
      "offers[0].goals: needs at least one goal"));
}

TEST_CASE("goal validation names the path and the problem", "[config]") {
  const auto goal = [](const std::string& json) {
    return with_offer(R"({"id": 1, "advertiser_id": 1, "url": "https://a.example/", "goals": [)" +
                      json + "]}");
  };
  CHECK(has_error(goal(R"({"id": "Sale!", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}})"),
                  "offers[0].goals[0].id: must be 1 to 32 of a-z, 0-9, '_' and '-'"));
  CHECK(has_error(goal(R"({"id": "s", "revenue": {"fixed": "1"}})"),
                  "offers[0].goals[0].payout: is required (use {\"fixed\": \"0\"} for none)"));
  CHECK(has_error(goal(R"({"id": "s", "revenue": {"fixed": "1"}, "payout": {"percent": "101"}})"),
                  "offers[0].goals[0].payout.percent: must be between 0 and 100"));
  CHECK(has_error(goal(R"({"id": "s", "revenue": {"fixed": "1"}, "payout": {"fixed": "-1"}})"),
                  "offers[0].goals[0].payout.fixed: negative amount"));
  CHECK(
      has_error(goal(R"({"id": "s", "revenue": {"fixed": "1.000001"}, "payout": {"fixed": "1"}})"),
                "offers[0].goals[0].revenue.fixed: more than 5 decimal places"));
  CHECK(has_error(goal(R"({"id": "s", "revenue": {}, "payout": {"fixed": "1"}})"),
                  "offers[0].goals[0].revenue: needs \"fixed\", \"percent\" or both"));
  CHECK(
      has_error(goal(R"({"id": "s", "revenue": 5, "payout": {"fixed": "1"}})"),
                "offers[0].goals[0].revenue: must be an object with \"fixed\" and/or \"percent\""));
  CHECK(has_error(goal(R"({"id": "s", "revenue": {"fixed": true}, "payout": {"fixed": "1"}})"),
                  "offers[0].goals[0].revenue.fixed: must be a decimal amount such as \"10.50\""));
  CHECK(has_error(
      goal(R"({"id": "s", "revenue": {"fixed": "1", "flat": "2"}, "payout": {"fixed": "1"}})"),
      "offers[0].goals[0].revenue.flat: is not a known field"));
  CHECK(has_error(
      goal(
          R"({"id": "s", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}, "multiple": "yes"})"),
      "offers[0].goals[0].multiple: must be true or false"));
  CHECK(has_error(
      goal(
          R"({"id": "s", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}, "status": "rejected"})"),
      "offers[0].goals[0].status: must be \"approved\" or \"pending\""));
  CHECK(has_error(goal(R"({"id": "s", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}},
                        {"id": "s", "revenue": {"fixed": "1"}, "payout": {"fixed": "1"}})"),
                  "offers[0].goals[1].id: duplicate goal id 's'"));
  // JSON numbers are read through their shortest text: exact for amounts people write.
  auto numeric =
      load_config(goal(R"({"id": "s", "revenue": {"fixed": 10.35}, "payout": {"percent": 12.5}})"));
  REQUIRE(numeric.has_value());
  CHECK(numeric->offers[0].goals[0].revenue.fixed == Amount{1035000});
  CHECK(numeric->offers[0].goals[0].payout.percent == Amount{1250000});
}

TEST_CASE("every problem is reported, not just the first", "[config]") {
  const auto messages = errors_of(
      R"({"advertisers": [{"id": 0, "auth": {}}], "affiliates": [{"id": -1}], "offers": []})");
  CHECK(messages.size() == 3);
}

TEST_CASE("statuses by name", "[config]") {
  for (const auto status :
       {ConversionStatus::approved, ConversionStatus::pending, ConversionStatus::rejected}) {
    CHECK(edgepost::parse_status(edgepost::status_name(status)) == status);
  }
  CHECK_FALSE(edgepost::parse_status("Approved").has_value());
}

TEST_CASE("stale config keys: stored config records no longer written, nothing else", "[config]") {
  const auto records = edgepost::config_records(fixtures::config());
  std::vector<std::string> stored;
  for (const auto& record : records) stored.push_back(record.key);
  CHECK(edgepost::stale_config_keys(records, stored).empty());

  stored.push_back(edgepost::offer_key(999));     // an offer removed from the config
  stored.push_back(edgepost::affiliate_key(42));  // an affiliate removed
  stored.push_back(edgepost::offer_key(999));     // listed twice: named once
  stored.push_back("click/abc");                  // not config: never named
  stored.push_back("configuration");              // looks alike, outside the prefix
  CHECK(edgepost::stale_config_keys(records, stored) ==
        std::vector<std::string>{edgepost::affiliate_key(42), edgepost::offer_key(999)});
  CHECK(edgepost::stale_config_keys({}, {edgepost::offer_key(1)}) ==
        std::vector<std::string>{edgepost::offer_key(1)});
}

TEST_CASE("ledger retention: late postbacks and the retention are read, and checked", "[config]") {
  constexpr std::int64_t kDay = 24 * 3600;
  const auto defaults = load_config(with_offer(kOffer));
  REQUIRE(defaults.has_value());
  const edgepost::Offer& offer = defaults->offers[0];
  CHECK(offer.late_postback_seconds == 30 * kDay);
  CHECK(offer.ledger_retention_seconds == 0);
  CHECK(offer.ledger_retention() ==
        offer.attribution_window_seconds + 30 * kDay + offer.reversal_window_seconds + 300);

  const auto configured = load_config(offer_with(
      R"("attribution_window_hours": 24, "reversal_window_days": 10, "late_postback_days": 5, "ledger_retention_days": 17)"));
  REQUIRE(configured.has_value());
  CHECK(configured->offers[0].late_postback_seconds == 5 * kDay);
  CHECK(configured->offers[0].ledger_retention() == 17 * kDay);

  CHECK(has_error(
      offer_with(
          R"("attribution_window_hours": 24, "reversal_window_days": 10, "late_postback_days": 5, "ledger_retention_days": 16)"),
      "offers[0].ledger_retention_days: must be at least 17 (the attribution window + "
      "late_postback_days + reversal_window_days, and a day for clock skew)"));
  CHECK(has_error(offer_with(R"("late_postback_days": 366)"),
                  "offers[0].late_postback_days: must be an integer from 0 to 365"));
  CHECK(has_error(offer_with(R"("ledger_retention_days": 0)"),
                  "offers[0].ledger_retention_days: must be an integer from 1 to 3650"));
}
