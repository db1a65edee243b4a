// What support and advertisers ask of edgepost. GET /api/explain/{id}: what the keys say of a
// transaction ID; what the events of refused and repeated postbacks keep of the request (the
// ID as given, the parameters minus secrets). test=1: what a postback would do, storing nothing.
#include <catch2/catch.hpp>

#include "edgepost/click_id.hpp"
#include "edgepost/explain_api.hpp"
#include "edgepost/kv_keys.hpp"
#include "exchange_harness.hpp"

namespace {

using harness::body;
using harness::kAdminToken;
using harness::Stores;
using nlohmann::json;

edgepost::Response run(Stores& stores, std::unique_ptr<edgepost::Exchange> exchange) {
  model::Run r(std::move(exchange));
  r.to_end(stores);
  REQUIRE(r.responses.size() == 1);
  return r.responses[0];
}

std::unique_ptr<edgepost::Exchange> explain(const std::string& id,
                                            std::int64_t now = harness::kLater,
                                            std::string_view token = kAdminToken,
                                            std::string method = "GET") {
  edgepost::Request request = fixtures::get("/api/explain/" + id, "");
  request.method = std::move(method);
  request.headers.push_back({"authorization", "Bearer " + std::string(token)});
  return edgepost::start_explain_exchange(request, kAdminToken, fixtures::keys(),
                                          fixtures::env(now, 3));
}

// The ID with one character changed to another of the base32 alphabet.
std::string tampered(std::string id, std::size_t at) {
  id[at] = id[at] == 'a' ? 'b' : 'a';
  return id;
}

}  // namespace

TEST_CASE("explain: a valid ID, its offer's window and its stored click", "[explain]") {
  Stores stores = harness::fresh_stores();
  const std::string id = fixtures::mint(100, 7);
  stores.records[edgepost::click_key(id)] =
      R"({"transaction_id":")" + id + R"(","offer_id":100,"aff_id":7,"time":1,"aff_sub":"x"})";
  const json answer = body(run(stores, explain(id)));
  CHECK(answer["signature"] == "valid");
  CHECK(answer["id"] ==
        json{{"key_id", 1}, {"click_time", fixtures::kNow}, {"offer_id", 100}, {"aff_id", 7}});
  CHECK(answer["offer"]["id"] == 100);
  CHECK(answer["attribution_ends"] ==
        fixtures::kNow + answer["offer"]["attribution_window_seconds"].get<std::int64_t>());
  CHECK(answer["expired"] == false);
  CHECK(answer["late_postbacks_end"] ==
        answer["attribution_ends"].get<std::int64_t>() + 30 * 24 * 3600);
  CHECK(answer["future"] == false);
  CHECK(answer["click"]["aff_sub"] == "x");

  // Upper case is the same ID; past its window it is expired; ahead of the clock, "future".
  std::string shouted = id;
  for (char& c : shouted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(body(run(stores, explain(shouted)))["transaction_id"] == id);
  CHECK(body(run(stores, explain(id, fixtures::kNow + 400LL * 24 * 3600)))["expired"] == true);
  CHECK(body(run(stores, explain(id, fixtures::kNow - 3600)))["future"] == true);
}

TEST_CASE("explain: an ID that does not verify says exactly why, and what it claims", "[explain]") {
  Stores stores = harness::fresh_stores();
  const std::string id = fixtures::mint(100, 7);

  const json forged = body(run(stores, explain(tampered(id, 40))));
  CHECK(forged["signature"] == "bad_signature");
  CHECK(forged["message"] == "transaction_id signature does not verify");
  CHECK(forged["claimed"]["offer_id"] == 100);
  CHECK(forged["claimed"]["aff_id"] == 7);
  CHECK_FALSE(forged.contains("click"));

  // Key 3 is not in the ring: its first character carries version and key id.
  edgepost::KeyRing other = *edgepost::parse_key_ring("3:" + std::string(64, 'c'), "3");
  edgepost::ClickId click;
  click.offer_id = 100;
  click.affiliate_id = 7;
  click.click_time = fixtures::kNow;
  CHECK(body(run(stores, explain(edgepost::mint_click_id(click, other))))["signature"] ==
        "unknown_key");

  const json malformed = body(run(stores, explain("not-an-id")));
  CHECK(malformed["signature"] == "malformed");
  CHECK(malformed["claimed"].is_null());
}

TEST_CASE("explain: admin token, method, and the ID's length", "[explain]") {
  Stores stores = harness::fresh_stores();
  const std::string id = fixtures::mint(100, 7);
  CHECK(run(stores, explain(id, harness::kLater, "operator-secret-token-0123456788")).status ==
        401);
  CHECK(run(stores, explain(id, harness::kLater, kAdminToken, "POST")).status == 405);
  CHECK(run(stores, explain(std::string(65, 'a'))).status == 400);
  CHECK(run(stores, explain("")).status == 400);
  CHECK(stores.ledger.empty());
}

TEST_CASE("events: a refused postback keeps the ID as given and its parameters, not its secrets",
          "[explain][events]") {
  Stores stores = harness::fresh_stores();
  const std::string id = fixtures::mint(100, 7);
  run(stores, harness::postback("tid=" + tampered(id, 40) + harness::kAuth +
                                "&adv_sub=o1&amount=5&user_ip=203.0.113.9"));
  REQUIRE(stores.events.size() == 1);
  const json refused = json::parse(stores.events[0]);
  CHECK(refused["type"] == "rejection");
  CHECK(refused["transaction_id"] == tampered(id, 40));
  CHECK(refused["params"]["adv_sub"] == "o1");
  CHECK(refused["params"]["amount"] == "5");
  CHECK_FALSE(refused["params"].contains("security_token"));
  CHECK_FALSE(refused["params"].contains("user_ip"));

  const std::string good = "tid=" + id + harness::kAuth + "&adv_sub=o2";
  run(stores, harness::postback(good));
  run(stores, harness::postback(good, harness::kLater + 5, 9));
  const json repeat = json::parse(stores.events.back());
  CHECK(repeat["type"] == "duplicate");
  CHECK(repeat["params"]["adv_sub"] == "o2");
  CHECK_FALSE(repeat["params"].contains("security_token"));
}

TEST_CASE("test postbacks: the whole decision, nothing stored, the answer says what would happen",
          "[test_postback]") {
  Stores stores = harness::fresh_stores();
  const std::string id = fixtures::mint(100, 7);
  const auto before = stores.ledger;
  const auto records = stores.records;

  const edgepost::Response tried =
      run(stores, harness::postback("tid=" + id + harness::kAuth + "&adv_sub=T-1&test=1"));
  CHECK(tried.status == 200);
  const json answer = body(tried);
  CHECK(answer["test"] == true);
  CHECK(answer["duplicate"] == false);
  CHECK(answer["status"] == "approved");
  CHECK(answer["payout"] == "4.00");
  CHECK(answer["currency"] == "USD");
  REQUIRE(answer["partner_postbacks"].size() == 1);
  CHECK(answer["partner_postbacks"][0]["aff_id"] == 7);
  CHECK(answer["partner_postbacks"][0]["url"].get<std::string>().rfind("https://aff7.example/pb?",
                                                                       0) == 0);
  CHECK(stores.ledger == before);
  CHECK(stores.records == records);
  REQUIRE(stores.events.size() == 1);
  const json event = json::parse(stores.events[0]);
  CHECK(event["type"] == "test_postback");
  CHECK(event["status"] == "approved");
  CHECK(event["params"]["test"] == "1");
  CHECK_FALSE(event["params"].contains("security_token"));

  // The same postback for real is recorded, and tried again it is a duplicate.
  const json real =
      body(run(stores, harness::postback("tid=" + id + harness::kAuth + "&adv_sub=T-1")));
  CHECK(real["conversion_id"] == answer["conversion_id"]);
  const auto recorded = stores.ledger;
  const json repeat = body(run(stores, harness::postback("tid=" + id + harness::kAuth +
                                                         "&adv_sub=T-1&test=1&status=rejected")));
  CHECK(repeat["duplicate"] == true);
  CHECK(repeat["status"] == "approved");
  CHECK(repeat["would_change_to"] == "rejected");
  CHECK(stores.ledger == recorded);

  // Another order on the same click: its claim is held, as the real postback would find.
  const auto same_click = [&](const std::string& extra) {
    return run(stores, harness::postback("tid=" + id + harness::kAuth + "&adv_sub=T-2" + extra));
  };
  const edgepost::Response held = same_click("&test=1");
  CHECK(held.status == same_click("").status);
  CHECK(held.status == 409);
  CHECK(body(held)["test"] == true);
  CHECK(body(held)["reason"] == "already_converted");
}

TEST_CASE("test postbacks: a refusal is answered as the real one would be, logged as a test",
          "[test_postback]") {
  Stores stores = harness::fresh_stores();
  const std::string id = fixtures::mint(100, 7);
  const edgepost::Response forged =
      run(stores, harness::postback("tid=" + tampered(id, 40) + harness::kAuth + "&test=1"));
  CHECK(forged.status == 400);
  CHECK(body(forged)["test"] == true);
  CHECK(body(forged)["reason"] == "invalid_transaction_id");
  const edgepost::Response wrong_token =
      run(stores, harness::postback("tid=" + id + "&security_token=nope&test=1"));
  CHECK(body(wrong_token)["test"] == true);
  CHECK(wrong_token.status == 401);
  for (const std::string& event : stores.events) {
    CHECK(json::parse(event)["type"] == "test_postback");
  }
  CHECK(run(stores, harness::postback("tid=" + id + harness::kAuth + "&test=yes")).status == 400);
  CHECK(stores.ledger.empty());
}
