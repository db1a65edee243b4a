#include "edgepost/click.hpp"
#include "edgepost/click_record.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "edgepost/kv_keys.hpp"
#include "edgepost/url.hpp"
#include "fixtures.hpp"

using edgepost::Decision;

namespace {

Decision click(const std::string& query,
               const edgepost::Snapshot& snapshot = fixtures::all_records(),
               const std::string& method = "GET") {
  auto request = fixtures::get("/click", query);
  request.method = method;
  const auto plan = edgepost::plan_click(request);
  return edgepost::decide_click(plan, snapshot, fixtures::env());
}

const std::string& header(const Decision& decision, std::string_view name) {
  for (const auto& h : decision.response.headers) {
    if (h.name == name) return h.value;
  }
  FAIL("no header " << name);
  static const std::string none;
  return none;
}

std::string reason_of(const Decision& decision) {
  REQUIRE(decision.events.size() == 1);
  const auto event = nlohmann::json::parse(decision.events[0]);
  CHECK(event["type"] == "rejection");
  CHECK(event["endpoint"] == "click");
  return event["reason"];
}

}  // namespace

TEST_CASE("plan: one round of reads, the offer, the affiliate and the offer's cap closures",
          "[click]") {
  const auto plan = edgepost::plan_click(fixtures::get("/click", "offer_id=100&aff_id=7"));
  REQUIRE_FALSE(plan.refusal.has_value());
  CHECK(plan.keys ==
        std::vector<std::string>{"config/offer/100", "config/affiliate/7", "capped/offer/100"});
}

TEST_CASE("a click redirects to the offer URL with every macro filled and encoded", "[click]") {
  const Decision decision = click("offer_id=100&affiliate_id=7&aff_sub=a%20b%26c%3Dd&source=x");
  REQUIRE(decision.response.status == 302);
  CHECK(header(decision, "cache-control") == "no-store");
  const std::string& location = header(decision, "location");
  REQUIRE(decision.writes.size() == 1);
  const auto record = edgepost::parse_click_record(decision.writes[0].value);
  REQUIRE(record.has_value());
  const std::string tid = record->transaction_id;
  CHECK(location == "https://shop.example/landing?tid=" + tid + "&s1=a%20b%26c%3Dd&o=100&a=7");

  // The minted ID verifies and carries the click.
  const auto verified = edgepost::verify_click_id(tid, fixtures::keys());
  REQUIRE(verified.has_value());
  CHECK(verified->offer_id == 100);
  CHECK(verified->affiliate_id == 7);
  CHECK(verified->click_time == fixtures::kNow);

  // The click record: keyed by ID, kept for the attribution window, with the sub IDs.
  CHECK(decision.writes[0].key == edgepost::click_key(tid));
  CHECK(decision.writes[0].ttl_seconds == 30 * 24 * 3600);
  CHECK(decision.writes[0].durability == edgepost::Durability::unsynced);
  CHECK(*record->sub_id("aff_sub") == "a b&c=d");
  CHECK(*record->sub_id("source") == "x");
  CHECK(record->time == fixtures::kNow);

  REQUIRE(decision.events.size() == 1);
  CHECK(nlohmann::json::parse(decision.events[0])["type"] == "click");
}

TEST_CASE("no request parameter can move the redirect to another host", "[click]") {
  for (const char* evil : {"%2F%2Fevil.example", "https%3A%2F%2Fevil.example", "%5C%5Cevil.example",
                           "%40evil.example", "..%2F..%2F", "%3Fa%3D%23"}) {
    INFO(evil);
    const Decision decision =
        click(std::string("offer_id=100&aff_id=7&aff_sub=") + evil + "&url=https://evil.example");
    REQUIRE(decision.response.status == 302);
    const auto url = edgepost::parse_http_url(header(decision, "location"));
    REQUIRE(url.has_value());
    CHECK(url->host == "shop.example");
  }
}

TEST_CASE("HEAD redirects without counting a click or minting an ID", "[click]") {
  const Decision decision = click("offer_id=100&aff_id=7", fixtures::all_records(), "HEAD");
  CHECK(decision.response.status == 302);
  CHECK(decision.writes.empty());
  CHECK(decision.events.empty());
  // A signed ID with no click record would be attributed later: none may leave a HEAD.
  const auto location = edgepost::parse_http_url(header(decision, "location"));
  REQUIRE(location.has_value());
  CHECK(location->host == "shop.example");
  const std::string target = header(decision, "location");
  const auto tid = target.find("tid=");
  REQUIRE(tid != std::string::npos);
  CHECK((tid + 4 == target.size() || target[tid + 4] == '&'));
  const Decision get = click("offer_id=100&aff_id=7", fixtures::all_records(), "GET");
  const std::string minted = header(get, "location");
  CHECK(minted.find("tid=", 0) != std::string::npos);
  CHECK(minted[minted.find("tid=") + 4] != '&');
}

TEST_CASE("each click gets its own ID", "[click]") {
  const auto plan = edgepost::plan_click(fixtures::get("/click", "offer_id=100&aff_id=7"));
  const auto first =
      edgepost::decide_click(plan, fixtures::all_records(), fixtures::env(fixtures::kNow, 1));
  const auto second =
      edgepost::decide_click(plan, fixtures::all_records(), fixtures::env(fixtures::kNow, 2));
  CHECK(first.writes[0].key != second.writes[0].key);
}

TEST_CASE("click refusals: status, reason, nothing written", "[click]") {
  struct Case {
    std::string query;
    int status;
    std::string reason;
    std::string message;
  };
  const Case cases[] = {
      {"aff_id=7", 400, "invalid_request", "offer_id is required and must be a positive integer"},
      {"offer_id=100", 400, "invalid_request", "aff_id is required and must be a positive integer"},
      {"offer_id=0&aff_id=7", 400, "invalid_request",
       "offer_id is required and must be a positive integer"},
      {"offer_id=-1&aff_id=7", 400, "invalid_request",
       "offer_id is required and must be a positive integer"},
      {"offer_id=1x&aff_id=7", 400, "invalid_request",
       "offer_id is required and must be a positive integer"},
      {"offer_id=4294967296&aff_id=7", 400, "invalid_request",
       "offer_id is required and must be a positive integer"},
      {"offer_id=100&aff_id=7&aff_sub=%zz", 400, "invalid_request",
       "query: parameter 'aff_sub': malformed percent-encoding at byte 30"},
      {"offer_id=100&aff_id=7&aff_sub=" + std::string(501, 'x'), 400, "invalid_request",
       "query: parameter 'aff_sub': value longer than the limit at byte 30"},
      {"offer_id=100&aff_id=7&aff_sub=" + std::string(8200, 'x'), 414, "invalid_request",
       "query: input longer than the limit of 8192 bytes"},
      {"offer_id=999&aff_id=7", 404, "unknown_offer", "unknown offer 999"},
      {"offer_id=500&aff_id=7", 404, "offer_inactive", "offer 500 is paused"},
      {"offer_id=100&aff_id=99", 403, "affiliate_not_allowed",
       "affiliate 99 may not send traffic to offer 100"},
      {"offer_id=100&aff_id=9", 403, "affiliate_not_allowed",
       "affiliate 9 may not send traffic to offer 100"},
      {"offer_id=200&aff_id=9", 403, "affiliate_not_allowed",
       "affiliate 9 may not send traffic to offer 200"},
  };
  for (const Case& c : cases) {
    INFO(c.query.substr(0, 80));
    const Decision decision = click(c.query);
    CHECK(decision.response.status == c.status);
    CHECK(decision.response.body == c.message + "\n");
    CHECK(reason_of(decision) == c.reason);
    CHECK(decision.writes.empty());
  }
}

TEST_CASE("a paused offer with a fallback sends the person there, recording nothing", "[click]") {
  const Decision decision = click("offer_id=400&aff_id=7");
  CHECK(decision.response.status == 302);
  CHECK(header(decision, "location") == "https://old.example/closed");
  CHECK(decision.writes.empty());
}

TEST_CASE("a corrupt offer record is a 500, not a crash", "[click]") {
  auto snapshot = fixtures::all_records();
  snapshot[edgepost::offer_key(100)] = "{\"id\": 100}";
  const Decision decision = click("offer_id=100&aff_id=7", snapshot);
  CHECK(decision.response.status == 500);
  CHECK(reason_of(decision) == "config_error");
}

TEST_CASE("POST is not a click", "[click]") {
  const auto plan = edgepost::plan_click(
      fixtures::post("/click", "application/x-www-form-urlencoded", "offer_id=100&aff_id=7"));
  const Decision decision = edgepost::decide_click(plan, fixtures::all_records(), fixtures::env());
  CHECK(decision.response.status == 405);
}
