// Traffic rules (docs/traffic-rules.md): what a click fails and what it then gets, clicks per
// address per minute counted by the click exchange, what a flagged click's conversions get, and
// the conversion-side rules; the config's messages for each field.
#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>

#include "edgepost/click.hpp"
#include "edgepost/click_exchange.hpp"
#include "edgepost/click_record.hpp"
#include "edgepost/click_rules.hpp"
#include "edgepost/config_records.hpp"
#include "edgepost/config_validation.hpp"
#include "edgepost/kv_keys.hpp"
#include "exchange_harness.hpp"

using namespace harness;
using nlohmann::json;

namespace {

constexpr std::string_view kChrome =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36";
constexpr std::string_view kGooglebot =
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

json network() {
  return json::parse(fixtures::kConfig);
}

// The network with offer 100's rules (and fallback) set.
Stores with_rules(const json& rules, bool fallback = true) {
  return stores_with_offer_100([&](json& offer) {
    offer["traffic_rules"] = rules;
    if (fallback) offer["fallback_url"] = "https://shop.example/elsewhere";
  });
}

struct Visit {
  std::string user_agent{kChrome};
  std::string ip = "198.51.100.7";
  std::string country = "US";
};

edgepost::Request click_request(const Visit& visit) {
  auto request = fixtures::get("/click", "offer_id=100&aff_id=7&aff_sub=s", visit.ip);
  request.headers.push_back({"user-agent", visit.user_agent});
  request.country = visit.country;
  return request;
}

struct Clicked {
  edgepost::Response response;
  edgepost::ClickRecord record;
};

Clicked click(Stores& stores, const Visit& visit = {}, std::int64_t now = fixtures::kNow,
              std::uint8_t seed = 1) {
  Run run(edgepost::start_click_exchange(click_request(visit), fixtures::keys(),
                                         fixtures::env(now, seed)));
  run.to_end(stores);
  REQUIRE(run.responses.size() == 1);
  Clicked clicked{run.responses[0], {}};
  for (auto event = stores.events.rbegin(); event != stores.events.rend(); ++event) {
    const json parsed = json::parse(*event);
    if (parsed["type"] != "click") continue;
    const std::string key = edgepost::click_key(parsed["transaction_id"].get<std::string>());
    clicked.record = *edgepost::parse_click_record(stores.records.at(key));
    break;
  }
  return clicked;
}

std::string location(const edgepost::Response& response) {
  for (const auto& header : response.headers) {
    if (header.name == "location") return header.value;
  }
  return "";
}

std::vector<std::string> errors_of(const json& config) {
  std::vector<std::string> found;
  const auto loaded = edgepost::load_config(config.dump());
  if (loaded) return found;
  for (const auto& error : loaded.error()) found.push_back(edgepost::describe(error));
  return found;
}

bool has_error(const json& config, const std::string& wanted) {
  const auto found = errors_of(config);
  INFO("errors: " << json(found).dump());
  return std::find(found.begin(), found.end(), wanted) != found.end();
}

}  // namespace

TEST_CASE("rules: each click rule alone, and together in their order", "[rules]") {
  edgepost::TrafficRules rules;
  rules.block_bots = true;
  rules.blocked_ips = {*edgepost::parse_cidr("203.0.113.0/24")};
  rules.blocked_countries = {"RU"};
  using edgepost::click_rule_flags;
  using Flags = std::vector<std::string>;
  CHECK(click_rule_flags(rules, {kChrome, "198.51.100.7", "US"}, false).empty());
  CHECK(click_rule_flags(rules, {kGooglebot, "198.51.100.7", "US"}, false) == Flags{"bot"});
  CHECK(click_rule_flags(rules, {kChrome, "203.0.113.9", "US"}, false) == Flags{"blocked_ip"});
  CHECK(click_rule_flags(rules, {kChrome, "::ffff:203.0.113.9", "US"}, false) ==
        Flags{"blocked_ip"});
  CHECK(click_rule_flags(rules, {kChrome, "198.51.100.7", "RU"}, false) == Flags{"country"});
  CHECK(click_rule_flags(rules, {kChrome, "198.51.100.7", "US"}, true) == Flags{"ip_rate"});
  CHECK(click_rule_flags(rules, {kGooglebot, "203.0.113.9", "RU"}, true) ==
        Flags{"bot", "blocked_ip", "country", "ip_rate"});
  // Allowed countries: any other, and an unknown one, fail.
  rules = {};
  rules.allowed_countries = {"US", "CA"};
  CHECK(click_rule_flags(rules, {kChrome, "", "CA"}, false).empty());
  CHECK(click_rule_flags(rules, {kChrome, "", "DE"}, false) == Flags{"country"});
  CHECK(click_rule_flags(rules, {kChrome, "", ""}, false) == Flags{"country"});
  // Bots are allowed unless the rules say otherwise.
  CHECK(click_rule_flags({}, {kGooglebot, "", ""}, false).empty());
}

TEST_CASE("rules: a failed click is recorded with its rules and sent where the offer says",
          "[rules]") {
  SECTION("fallback") {
    Stores stores = with_rules({{"bots", "block"}});
    const auto bot = click(stores, Visit{std::string(kGooglebot)});
    CHECK(bot.response.status == 302);
    CHECK(location(bot.response) == "https://shop.example/elsewhere");
    CHECK(bot.record.flags == std::vector<std::string>{"bot"});
    CHECK(emitted(stores, "click", "click:" + bot.record.transaction_id));
  }
  SECTION("fallback without a fallback URL: 404") {
    Stores stores = with_rules({{"bots", "block"}}, false);
    const auto bot = click(stores, Visit{std::string(kGooglebot)});
    CHECK(bot.response.status == 404);
    CHECK(bot.record.flags == std::vector<std::string>{"bot"});
  }
  SECTION("refuse") {
    Stores stores = with_rules({{"blocked_countries", {"ru"}}, {"action", "refuse"}});
    const auto refused = click(stores, Visit{std::string(kChrome), "198.51.100.7", "RU"});
    CHECK(refused.response.status == 403);
    CHECK(refused.response.body.find("country") != std::string::npos);
    CHECK(refused.record.flags == std::vector<std::string>{"country"});
  }
  SECTION("flag: the landing page as usual") {
    Stores stores = with_rules({{"blocked_ips", {"198.51.100.0/24"}}, {"action", "flag"}});
    const auto flagged = click(stores);
    CHECK(flagged.response.status == 302);
    CHECK(location(flagged.response).rfind("https://shop.example/landing?tid=", 0) == 0);
    CHECK(flagged.record.flags == std::vector<std::string>{"blocked_ip"});
  }
  SECTION("a click that passes has no flags; its address is kept only for ip_mismatch") {
    Stores stores = with_rules({{"bots", "block"}});
    const auto passed = click(stores);
    CHECK(location(passed.response).rfind("https://shop.example/landing?tid=", 0) == 0);
    CHECK(passed.record.flags.empty());
    CHECK(passed.record.ip.empty());
    CHECK(passed.record.country == "US");
    Stores comparing = with_rules({{"ip_mismatch", "flag"}});
    CHECK(click(comparing).record.ip == "198.51.100.7");
  }
  SECTION("the platform's country is a country only if it looks like one") {
    Stores stores = with_rules({{"bots", "block"}});
    CHECK(click(stores, Visit{std::string(kChrome), "198.51.100.7", "de"}).record.country == "DE");
    CHECK(click(stores, Visit{std::string(kChrome), "198.51.100.7", "XX"}).record.country.empty());
    CHECK(click(stores, Visit{std::string(kChrome), "198.51.100.7", "T1"}).record.country.empty());
    CHECK(click(stores, Visit{std::string(kChrome), "198.51.100.7", "USA"}).record.country.empty());
  }
}

TEST_CASE("rules: the 31st click in a minute from one address, with a limit of 30, is flagged",
          "[rules]") {
  Stores stores = with_rules({{"max_clicks_per_ip_per_minute", 30}});
  const std::int64_t minute = fixtures::kNow - fixtures::kNow % 60;
  for (int n = 0; n < 30; ++n) {
    const auto passed = click(stores, {}, minute + n, static_cast<std::uint8_t>(n + 1));
    REQUIRE(passed.record.flags.empty());
  }
  const auto over = click(stores, {}, minute + 30, 31);
  CHECK(over.record.flags == std::vector<std::string>{"ip_rate"});
  CHECK(location(over.response) == "https://shop.example/elsewhere");
  // Another address, and the same one a minute later, are counted on their own.
  CHECK(click(stores, Visit{std::string(kChrome), "198.51.100.8"}, minute + 31, 32)
            .record.flags.empty());
  CHECK(click(stores, {}, minute + 60, 33).record.flags.empty());
}

TEST_CASE("rules: a store that cannot count clicks does not keep people from the landing page",
          "[rules]") {
  Stores stores = with_rules({{"max_clicks_per_ip_per_minute", 1}});
  Run run(edgepost::start_click_exchange(click_request({}), fixtures::keys(), fixtures::env()),
          model::Fault{1, model::FaultKind::store_fails});
  run.to_end(stores);
  REQUIRE(run.responses.size() == 1);
  CHECK(run.responses[0].status == 302);
  CHECK(location(run.responses[0]).rfind("https://shop.example/landing?tid=", 0) == 0);
  CHECK(std::any_of(stores.events.begin(), stores.events.end(), [](const std::string& event) {
    const json parsed = json::parse(event);
    return parsed["type"] == "error" && parsed["what"] == "click not counted";
  }));
}

TEST_CASE("rules: a flagged click's conversions are rejected with reason click_flagged",
          "[rules]") {
  Stores stores = with_rules({{"bots", "block"}, {"action", "flag"}});
  const auto bot = click(stores, Visit{std::string(kGooglebot)});
  Run run(postback("tid=" + bot.record.transaction_id + kAuth));
  run.to_end(stores);
  const json answer = body(run.responses.at(0));
  CHECK(answer["status"] == "rejected");
  CHECK(answer["reason"] == "click_flagged");
  const auto record = current(stores, answer["conversion_id"]);
  CHECK(record->flags == std::vector<std::string>{"click_flagged"});
  CHECK(record->postbacks.empty());
}

TEST_CASE("rules: slower than the offer's maximum click-to-conversion time", "[rules]") {
  Stores stores = with_rules({{"max_conversion_seconds", 3000}});
  const std::string tid = fixtures::mint(100, 7, fixtures::kNow);
  Run late(postback("tid=" + tid + kAuth, fixtures::kNow + 3001));
  late.to_end(stores);
  CHECK(body(late.responses.at(0))["reason"] == "too_slow");
  const std::string other = fixtures::mint(100, 7, fixtures::kNow + 5);
  Run in_time(postback("tid=" + other + kAuth, fixtures::kNow + 3005));
  in_time.to_end(stores);
  CHECK(body(in_time.responses.at(0))["status"] == "approved");
}

TEST_CASE("rules: a user IP outside the click's network is flagged, or rejected", "[rules]") {
  for (const std::string mode : {"flag", "reject"}) {
    Stores stores = with_rules({{"ip_mismatch", mode}});
    const auto clicked = click(stores);  // 198.51.100.7
    const auto convert = [&](const std::string& user_ip, std::uint8_t seed) {
      Run run(postback("tid=" + clicked.record.transaction_id + kAuth +
                           "&goal=sale&adv_sub=" + std::to_string(seed) + "&user_ip=" + user_ip,
                       kLater, seed));
      run.to_end(stores);
      return body(run.responses.at(0));
    };
    INFO(mode);
    const json same = convert("198.51.100.200", 5);  // the same /24
    CHECK(same["status"] == "approved");
    CHECK(current(stores, same["conversion_id"])->flags.empty());
  }
  // ::ffff:a.b.c.d is a.b.c.d, as dual-stack servers report IPv4 peers.
  Stores mapping = with_rules({{"ip_mismatch", "reject"}});
  const auto mapped_click = click(mapping);
  Run mapped(postback("tid=" + mapped_click.record.transaction_id + kAuth +
                      "&user_ip=::ffff:198.51.100.9"));
  mapped.to_end(mapping);
  CHECK(body(mapped.responses.at(0))["status"] == "approved");

  Stores flagging = with_rules({{"ip_mismatch", "flag"}});
  const auto clicked = click(flagging);
  Run run(postback("tid=" + clicked.record.transaction_id + kAuth + "&user_ip=192.0.2.1"));
  run.to_end(flagging);
  const json flagged = body(run.responses.at(0));
  CHECK(flagged["status"] == "approved");
  CHECK(current(flagging, flagged["conversion_id"])->flags ==
        std::vector<std::string>{"ip_mismatch"});

  Stores rejecting = with_rules({{"ip_mismatch", "reject"}});
  const auto other = click(rejecting);
  Run refused(postback("tid=" + other.record.transaction_id + kAuth + "&user_ip=2001:db8::1"));
  refused.to_end(rejecting);
  CHECK(body(refused.responses.at(0))["reason"] == "ip_mismatch");
}

TEST_CASE("rules: the network's traffic rules are every offer's default, an offer's replace them",
          "[rules]") {
  json config = network();
  config["traffic_rules"] = {{"bots", "block"}, {"max_clicks_per_ip_per_minute", 5}};
  config["offers"][0]["traffic_rules"] = {{"blocked_countries", {"RU"}}};
  const auto loaded = edgepost::load_config(config.dump());
  REQUIRE(loaded.has_value());
  CHECK_FALSE(loaded->offers[0].traffic_rules.block_bots);
  CHECK(loaded->offers[0].traffic_rules.blocked_countries == std::vector<std::string>{"RU"});
  CHECK(loaded->offers[1].traffic_rules.block_bots);
  CHECK(loaded->offers[1].traffic_rules.max_clicks_per_ip_per_minute == 5);
  // And they survive the stored record.
  const auto records = edgepost::config_records(*loaded);
  const auto offer = edgepost::parse_offer_record(records.back().value);
  REQUIRE(offer.has_value());
  CHECK(offer->traffic_rules.block_bots);
}

TEST_CASE("rules: the config names the path and the problem of every new field",
          "[rules][config]") {
  const auto with_offer = [](const json& fields) {
    json config = network();
    for (const auto& [key, value] : fields.items()) config["offers"][0][key] = value;
    return config;
  };
  CHECK(has_error(with_offer({{"timezone", "Mars/Olympus"}}),
                  "offers[0].timezone: must be an IANA time zone name such as "
                  "\"America/New_York\" or \"UTC\""));
  CHECK(has_error(with_offer({{"caps", {{{"period", "week"}, {"conversions", 1}}}}}),
                  "offers[0].caps[0].period: must be \"day\", \"month\" or \"total\""));
  CHECK(has_error(with_offer({{"caps", {{{"period", "day"}}}}}),
                  "offers[0].caps[0]: needs a limit: conversions, payout or revenue"));
  CHECK(has_error(with_offer({{"caps", {{{"period", "day"}, {"conversions", 0}}}}}),
                  "offers[0].caps[0].conversions: must be an integer from 1 to 1000000000"));
  CHECK(has_error(with_offer({{"caps", {{{"period", "day"}, {"payout", "-1"}}}}}),
                  "offers[0].caps[0].payout: negative amount"));
  CHECK(has_error(
      with_offer({{"caps", {{{"period", "day"}, {"affiliate_id", 7}, {"conversions", 1}}}}}),
      "offers[0].caps[0].affiliate_id: only with \"scope\": \"affiliate\""));
  CHECK(has_error(with_offer({{"caps",
                               {{{"scope", "affiliate"},
                                 {"affiliate_id", 77},
                                 {"period", "day"},
                                 {"conversions", 1}}}}}),
                  "offers[0].caps[0].affiliate_id: names no affiliate (id 77)"));
  CHECK(has_error(with_offer({{"caps", {{{"period", "day"}, {"conversions", 1}, {"limit", 2}}}}}),
                  "offers[0].caps[0].limit: is not a known field"));
  CHECK(has_error(with_offer({{"cap_status", "approved"}}),
                  "offers[0].cap_status: must be \"rejected\" or \"pending\""));
  CHECK(has_error(with_offer({{"traffic_rules", {{"bots", "yes"}}}}),
                  "offers[0].traffic_rules.bots: must be one of \"allow\", \"block\""));
  CHECK(has_error(with_offer({{"traffic_rules", {{"blocked_ips", {"10.0.0.1/8"}}}}}),
                  "offers[0].traffic_rules.blocked_ips[0]: must be an IP address or CIDR range "
                  "with no host bits set, such as \"203.0.113.0/24\""));
  CHECK(has_error(with_offer({{"traffic_rules", {{"allowed_countries", {"USA"}}}}}),
                  "offers[0].traffic_rules.allowed_countries[0]: must be a 2-letter ISO 3166 "
                  "country code such as \"US\""));
  CHECK(has_error(with_offer({{"traffic_rules", {{"action", "drop"}}}}),
                  "offers[0].traffic_rules.action: must be one of \"fallback\", \"refuse\", "
                  "\"flag\""));
  CHECK(has_error(with_offer({{"traffic_rules", {{"ip_mismatch", "yes"}}}}),
                  "offers[0].traffic_rules.ip_mismatch: must be one of \"ignore\", \"flag\", "
                  "\"reject\""));
  CHECK(has_error(with_offer({{"traffic_rules", {{"max_clicks_per_ip_per_minute", -1}}}}),
                  "offers[0].traffic_rules.max_clicks_per_ip_per_minute: must be an integer "
                  "from 0 to 100000"));
  CHECK(has_error(with_offer({{"min_conversion_seconds", 60},
                              {"traffic_rules", {{"max_conversion_seconds", 30}}}}),
                  "offers[0].traffic_rules.max_conversion_seconds: must be longer than "
                  "min_conversion_seconds"));
  CHECK(has_error(with_offer({{"traffic_rules", {{"robots", "block"}}}}),
                  "offers[0].traffic_rules.robots: is not a known field"));
  json network_rules = network();
  network_rules["traffic_rules"] = {{"bots", "sometimes"}};
  CHECK(has_error(network_rules, "traffic_rules.bots: must be one of \"allow\", \"block\""));
}
