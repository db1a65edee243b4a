#include "edgepost/postback.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "edgepost/click.hpp"
#include "edgepost/kv_keys.hpp"
#include "edgepost/percent.hpp"
#include "edgepost/postback_auth.hpp"
#include "fixtures.hpp"

using edgepost::Decision;
using nlohmann::json;

namespace {

const std::string kToken(fixtures::kToken);
constexpr const char* kAllowedIp = "203.0.113.5";

// A click through the click handler; the snapshot then holds its record too.
std::string click_on(std::uint32_t offer, std::uint32_t affiliate, edgepost::Snapshot& snapshot,
                     const std::string& extra = "") {
  const auto plan = edgepost::plan_click(fixtures::get(
      "/click",
      "offer_id=" + std::to_string(offer) + "&aff_id=" + std::to_string(affiliate) + extra));
  const Decision decision = edgepost::decide_click(plan, snapshot, fixtures::env());
  REQUIRE(decision.writes.size() == 1);
  snapshot[decision.writes[0].key] = decision.writes[0].value;
  return json::parse(decision.writes[0].value)["transaction_id"];
}

// An ID minted directly, for offers the click handler would refuse.
std::string mint(std::uint32_t offer, std::uint32_t affiliate, std::int64_t time = fixtures::kNow) {
  edgepost::ClickId click;
  click.click_time = static_cast<std::uint32_t>(time);
  click.offer_id = offer;
  click.affiliate_id = affiliate;
  click.nonce = {9, 9, 9, 9, 9, 9, 9, 9};
  return edgepost::mint_click_id(click, fixtures::keys());
}

Decision postback(const edgepost::Request& request, const edgepost::Snapshot& snapshot,
                  std::int64_t now = fixtures::kNow + 3600, std::uint8_t entropy_seed = 5) {
  const auto plan = edgepost::plan_postback(request, fixtures::keys());
  return edgepost::decide_postback(plan, snapshot, fixtures::env(now, entropy_seed));
}

Decision postback(const std::string& query, const edgepost::Snapshot& snapshot,
                  std::int64_t now = fixtures::kNow + 3600, std::uint8_t entropy_seed = 5) {
  return postback(fixtures::get("/postback", query, kAllowedIp), snapshot, now, entropy_seed);
}

// A signed query for advertiser 2 (HMAC), from its own signing code path.
std::string signed_query(edgepost::Form fields, std::int64_t timestamp) {
  fields.push_back({"timestamp", std::to_string(timestamp)});
  fields.push_back({"signature", edgepost::sign_postback(fixtures::kHmacSecret, fields)});
  std::string query;
  for (const auto& field : fields) {
    if (!query.empty()) query += "&";
    query += edgepost::percent_encode(field.name) + "=" + edgepost::percent_encode(field.value);
  }
  return query;
}

json body_of(const Decision& decision) {
  return json::parse(decision.response.body);
}

void check_refused(const Decision& decision, int status, const std::string& reason) {
  INFO(decision.response.body);
  CHECK(decision.response.status == status);
  const json body = body_of(decision);
  CHECK(body["status"] == "rejected");
  CHECK(body["reason"] == reason);
  CHECK(body["duplicate"] == false);
  CHECK_FALSE(body["message"].get<std::string>().empty());
  CHECK(decision.claims.empty());
  CHECK(decision.writes.empty());
  CHECK(decision.postbacks.empty());
  REQUIRE(decision.events.size() == 1);
  CHECK(json::parse(decision.events[0])["reason"] == reason);
}

json stored_conversion(const Decision& decision) {
  REQUIRE(decision.writes.size() == 1);
  CHECK(decision.writes[0].key.rfind("conversion/", 0) == 0);
  return json::parse(decision.writes[0].value);
}

}  // namespace

TEST_CASE("plan: the ID is verified before any key is named", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);
  const auto plan =
      edgepost::plan_postback(fixtures::get("/postback", "tid=" + tid), fixtures::keys());
  REQUIRE_FALSE(plan.refusal.has_value());
  CHECK(plan.keys == std::vector<std::string>{"config/offer/100", "config/affiliate/7",
                                              edgepost::click_key(tid)});

  std::string forged = tid;
  forged[20] = forged[20] == 'a' ? 'b' : 'a';
  const auto refused =
      edgepost::plan_postback(fixtures::get("/postback", "tid=" + forged), fixtures::keys());
  REQUIRE(refused.refusal.has_value());
  CHECK(refused.refusal->reason == "invalid_transaction_id");
  CHECK(refused.keys.empty());
}

TEST_CASE("an approved conversion: priced, claimed once, partner notified", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot, "&aff_sub=spring%20sale&aff_click_id=AFF-1");
  const Decision decision = postback(
      "transaction_id=" + tid + "&security_token=" + kToken + "&adv_sub=ORDER-1", snapshot);

  REQUIRE(decision.response.status == 200);
  const json body = body_of(decision);
  CHECK(body["status"] == "approved");
  CHECK(body["transaction_id"] == tid);
  CHECK(body["goal"] == "sale");
  CHECK(body["duplicate"] == false);
  const std::string conversion_id = body["conversion_id"];
  CHECK(conversion_id.size() == 24);

  // Claimed per click and goal, and per advertiser and order id.
  REQUIRE(decision.claims.size() == 2);
  CHECK(decision.claims[0].key == edgepost::conversion_claim_key(tid, "sale"));
  CHECK(decision.claims[1].key == edgepost::order_claim_key(1, "ORDER-1"));

  const json record = stored_conversion(decision);
  CHECK(decision.claims[0].value == decision.writes[0].value);
  CHECK(record["revenue"] == "10.00");
  CHECK(record["payout"] == "4.00");
  CHECK(record["currency"] == "USD");
  CHECK(record["adv_sub"] == "ORDER-1");
  CHECK(record["attributed_from"] == "click");
  CHECK(record["offer_id"] == 100);
  CHECK(record["aff_id"] == 7);
  CHECK(record["advertiser_id"] == 1);

  REQUIRE(decision.postbacks.size() == 1);
  CHECK(decision.postbacks[0].affiliate_id == 7);
  CHECK(decision.postbacks[0].id == conversion_id + "-7");
  CHECK(decision.postbacks[0].url == "https://aff7.example/pb?click=AFF-1&tx=" + tid +
                                         "&goal=sale&payout=4.00&cur=USD"
                                         "&st=approved&cid=" +
                                         conversion_id + "&s=spring%20sale");
  REQUIRE(decision.events.size() == 1);
  CHECK(json::parse(decision.events[0])["type"] == "conversion");
}

TEST_CASE("the same postback decides the same claims and conversion id", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);
  const std::string query = "tid=" + tid + "&security_token=" + kToken;
  const Decision first = postback(query, snapshot);
  const Decision again = postback(query, snapshot, fixtures::kNow + 7200);
  CHECK(first.claims[0].key == again.claims[0].key);
  CHECK(body_of(first)["conversion_id"] == body_of(again)["conversion_id"]);
}

TEST_CASE("a replay answers with the original result and records nothing new", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);
  const Decision original = postback("tid=" + tid + "&security_token=" + kToken, snapshot);
  const Decision replay =
      edgepost::decide_duplicate(original.claims[0].value, fixtures::kNow + 9000);
  CHECK(replay.response.status == 200);
  json expected = body_of(original);
  expected["duplicate"] = true;
  CHECK(body_of(replay) == expected);
  CHECK(replay.claims.empty());
  // The conversion record again, identical: it mends a first attempt that died after its claim.
  REQUIRE(replay.writes.size() == 1);
  CHECK(replay.writes[0].key == original.writes[0].key);
  CHECK(replay.writes[0].value == original.writes[0].value);
  // The original partner postbacks, for the adapter to queue only if they are missing.
  REQUIRE(replay.postbacks.size() == 1);
  CHECK(replay.postbacks[0].id == original.postbacks[0].id);
  CHECK(replay.postbacks[0].url == original.postbacks[0].url);
  CHECK(json::parse(replay.events[0])["type"] == "duplicate");

  // An unreadable claim is a store problem the advertiser should retry, not a verdict.
  for (const char* damaged :
       {"not json", "{}", R"({"conversion_id": "x"})",
        R"({"conversion_id": 1, "transaction_id": "t", "goal": "g", "status": "approved"})"}) {
    INFO(damaged);
    const Decision broken = edgepost::decide_duplicate(damaged, fixtures::kNow);
    CHECK(broken.response.status == 503);
    CHECK(body_of(broken)["reason"] == "store_unavailable");
    CHECK(broken.writes.empty());
  }
  // Damaged partner postback entries are skipped, not trusted.
  json partial = json::parse(original.claims[0].value);
  partial["postbacks"] =
      json::array({json{{"url", "u"}}, 5, json{{"id", "x"}, {"aff_id", -1}, {"url", "u"}}});
  CHECK(edgepost::decide_duplicate(partial.dump(), fixtures::kNow).postbacks.empty());
}

TEST_CASE("per-affiliate payout override; no partner postback without a template", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 8, snapshot);
  const Decision decision = postback("tid=" + tid + "&security_token=" + kToken, snapshot);
  REQUIRE(decision.response.status == 200);
  CHECK(stored_conversion(decision)["payout"] == "5.00");
  CHECK(decision.postbacks.empty());
}

TEST_CASE("percent and mixed payouts, HMAC-signed, from an allowed address", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(200, 7, snapshot);
  const std::int64_t now = fixtures::kNow + 3600;
  const Decision decision = postback(
      signed_query({{"click_id", tid}, {"sale_amount", "199.99"}, {"currency", "eur"}}, now),
      snapshot, now);
  REQUIRE(decision.response.status == 200);
  const json record = stored_conversion(decision);
  CHECK(record["amount"] == "199.99");
  CHECK(record["revenue"] == "19.999");  // 10% of 199.99, exactly
  CHECK(record["payout"] == "10.9995");  // 1.00 + 5% of 199.99
  CHECK(record["currency"] == "EUR");
}

TEST_CASE("the minimum click-to-conversion time rejects too-fast conversions", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(200, 7, snapshot);
  const std::int64_t now = fixtures::kNow + 10;  // the offer wants 30 s
  const Decision decision =
      postback(signed_query({{"tid", tid}, {"amount", "50"}}, now), snapshot, now);
  REQUIRE(decision.response.status == 200);
  CHECK(body_of(decision)["status"] == "rejected");
  const json record = stored_conversion(decision);
  CHECK(record["payout"] == "0.00");
  CHECK(record["revenue"] == "0.00");
  CHECK(record["rule"] == "faster than the offer's minimum click-to-conversion time");
  CHECK(decision.postbacks.empty());
  CHECK(decision.claims.size() == 1);  // a rejected conversion still counts once
}

TEST_CASE("the advertiser may send the status", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);
  const std::string base = "tid=" + tid + "&security_token=" + kToken;

  const Decision pending = postback(base + "&status=pending", snapshot);
  CHECK(body_of(pending)["status"] == "pending");
  CHECK(stored_conversion(pending)["payout"] == "4.00");
  CHECK(pending.postbacks.empty());  // affiliates hear of approved conversions only

  const Decision rejected = postback(base + "&status=rejected", snapshot);
  CHECK(body_of(rejected)["status"] == "rejected");
  CHECK(stored_conversion(rejected)["payout"] == "0.00");

  check_refused(postback(base + "&status=maybe", snapshot), 400, "invalid_request");
}

TEST_CASE("a multi-event offer records each distinct event once", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(300, 7, snapshot);

  const Decision install = postback("tid=" + tid, snapshot);  // the default goal
  CHECK(body_of(install)["goal"] == "install");
  REQUIRE(install.claims.size() == 1);
  CHECK(install.claims[0].key == edgepost::conversion_claim_key(tid, "install"));

  const Decision registration = postback("tid=" + tid + "&event=registration", snapshot);
  CHECK(body_of(registration)["status"] == "pending");  // the goal's own status
  CHECK(registration.claims[0].key == edgepost::conversion_claim_key(tid, "registration"));
  CHECK(body_of(registration)["conversion_id"] != body_of(install)["conversion_id"]);

  // A goal that may repeat is claimed by the request itself: a retry is recognised, a
  // different purchase is not; an order id deduplicates it instead when there is one.
  const Decision purchase = postback("tid=" + tid + "&goal=purchase&amount=10", snapshot);
  REQUIRE(purchase.response.status == 200);
  REQUIRE(purchase.claims.size() == 1);
  CHECK(purchase.claims[0].key.rfind("claim/repeat/" + tid + "/purchase/", 0) == 0);
  CHECK(stored_conversion(purchase)["payout"] == "1.50");
  const Decision retried = postback("goal=purchase&amount=10&tid=" + tid, snapshot);
  CHECK(retried.claims[0].key == purchase.claims[0].key);
  const Decision second_purchase = postback("tid=" + tid + "&goal=purchase&amount=12", snapshot);
  CHECK(second_purchase.claims[0].key != purchase.claims[0].key);
  CHECK(body_of(second_purchase)["conversion_id"] != body_of(purchase)["conversion_id"]);

  const Decision ordered =
      postback("tid=" + tid + "&goal=purchase&amount=10&order_id=X9", snapshot);
  REQUIRE(ordered.claims.size() == 1);
  CHECK(ordered.claims[0].key == edgepost::order_claim_key(3, "X9"));
}

TEST_CASE("a per-offer partner postback URL overrides the affiliate's", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(300, 8, snapshot);
  const Decision decision = postback("tid=" + tid, snapshot);
  REQUIRE(decision.postbacks.size() == 1);
  CHECK(decision.postbacks[0].url == "https://aff8.example/app?e=install&tx=" + tid);
}

TEST_CASE("a verified ID converts even before its click record is visible", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = mint(100, 7, fixtures::kNow);  // no click record in the snapshot
  const Decision decision = postback("tid=" + tid + "&security_token=" + kToken, snapshot);
  REQUIRE(decision.response.status == 200);
  CHECK(body_of(decision)["status"] == "approved");
  const json record = stored_conversion(decision);
  CHECK(record["attributed_from"] == "transaction_id");
  CHECK(record["payout"] == "4.00");
  REQUIRE(decision.postbacks.size() == 1);
  CHECK(decision.postbacks[0].url.find("&s=") != std::string::npos);  // sub IDs unknown: empty
}

TEST_CASE("upper-cased IDs and every alias convert like the original", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);
  std::string upper = tid;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const Decision decision = postback("CLICKID=" + upper + "&Security_Token=" + kToken, snapshot);
  REQUIRE(decision.response.status == 200);
  CHECK(body_of(decision)["transaction_id"] == tid);
}

TEST_CASE("form and JSON POST decide exactly like GET", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(300, 7, snapshot);
  const std::string form = "tid=" + tid + "&goal=purchase&sum=20&txid=T-1";
  const Decision by_get = postback(form, snapshot);
  const Decision by_form = postback(
      fixtures::post("/postback", "application/x-www-form-urlencoded", form, kAllowedIp), snapshot);
  const Decision by_json = postback(
      fixtures::post("/postback", "application/json",
                     R"({"tid": ")" + tid + R"(", "goal": "purchase", "sum": 20, "txid": "T-1"})",
                     kAllowedIp),
      snapshot);
  REQUIRE(by_get.response.status == 200);
  CHECK(by_form.response.body == by_get.response.body);
  CHECK(by_json.response.body == by_get.response.body);
  CHECK(by_json.claims[0].key == by_get.claims[0].key);
}

TEST_CASE("every refusal reason of the contract, with nothing recorded", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);
  const std::string auth = "&security_token=" + kToken;
  std::string tampered = tid;
  tampered[30] = tampered[30] == 'q' ? 'r' : 'q';

  check_refused(postback("security_token=" + kToken, snapshot), 400, "invalid_request");
  check_refused(postback("tid=" + tid + "&tid=x", snapshot), 400, "invalid_request");
  check_refused(postback("tid=abc" + auth, snapshot), 400, "invalid_transaction_id");
  check_refused(postback("tid=" + tampered + auth, snapshot), 400, "invalid_transaction_id");
  check_refused(postback("tid=" + tid, snapshot), 401, "unauthorized");
  check_refused(postback("tid=" + tid + "&security_token=wrong-token-0123456", snapshot), 401,
                "unauthorized");
  check_refused(postback("tid=" + tid + auth + "&goal=lead", snapshot), 400, "unknown_goal");
  check_refused(postback("tid=" + tid + auth, snapshot, fixtures::kNow + 31 * 24 * 3600), 410,
                "expired");
  check_refused(
      postback("tid=" + mint(100, 7, fixtures::kNow + 3600) + auth, snapshot, fixtures::kNow), 400,
      "invalid_transaction_id");  // dated in the future
  check_refused(postback("tid=" + mint(999, 7) + auth, snapshot), 404, "unknown_click");
  check_refused(postback("tid=" + mint(400, 7), snapshot), 403, "offer_inactive");
  check_refused(postback("tid=" + tid + auth + "&amount=1e3", snapshot), 400, "invalid_request");
  check_refused(postback("tid=" + tid + auth + "&currency=EUR", snapshot), 400, "invalid_request");
  check_refused(postback("tid=" + tid + auth + "&currency=EURO", snapshot), 400, "invalid_request");

  // Advertiser 2: IP allowlist and signature.
  const std::string globex = click_on(200, 7, snapshot);
  const std::int64_t now = fixtures::kNow + 3600;
  const std::string query = signed_query({{"tid", globex}, {"amount", "5"}}, now);
  check_refused(postback(fixtures::get("/postback", query, "198.51.100.1"), snapshot, now), 403,
                "ip_not_allowed");
  check_refused(postback(query, snapshot, now + 301), 401, "unauthorized");  // replayed late
  check_refused(postback(signed_query({{"tid", globex}}, now), snapshot, now), 400,
                "invalid_request");  // percent goal without an amount

  auto corrupt = snapshot;
  corrupt[edgepost::offer_key(100)] = "{}";
  check_refused(postback("tid=" + tid + auth, corrupt), 500, "config_error");
}

TEST_CASE("a replay refused on today's rules names the claims that prove it is a replay",
          "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);
  const std::string query = "tid=" + tid + "&security_token=" + kToken + "&adv_sub=Z1";
  const Decision original = postback(query, snapshot);
  REQUIRE(original.claims.size() == 2);

  // Thirty-one days later the window has closed: refused, unless the claims exist.
  const Decision late = postback(query, snapshot, fixtures::kNow + 31 * 24 * 3600);
  CHECK(late.response.status == 410);
  CHECK(late.claims.empty());
  CHECK(late.replay_keys ==
        std::vector<std::string>{original.claims[0].key, original.claims[1].key});

  // Refusals before the conversion is identified have no claims to name.
  CHECK(postback("tid=" + tid, snapshot).replay_keys.empty());  // unauthorized
  CHECK(postback("tid=" + tid + "&security_token=" + kToken + "&goal=x", snapshot)
            .replay_keys.empty());
}

TEST_CASE("an affiliate blocked after the click earns nothing from it", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = mint(100, 9);  // affiliate 9 is blocked
  const Decision decision = postback("tid=" + tid + "&security_token=" + kToken, snapshot);
  REQUIRE(decision.response.status == 200);
  CHECK(body_of(decision)["status"] == "rejected");
  const json record = stored_conversion(decision);
  CHECK(record["payout"] == "0.00");
  CHECK(record["rule"] == "the affiliate is blocked or no longer allowed on the offer");
  CHECK(decision.postbacks.empty());

  const Decision removed = postback("tid=" + mint(200, 9), snapshot);  // not on offer 200's list
  CHECK(removed.response.status == 401);  // advertiser 2 wants a signature first
}

TEST_CASE("hostile bytes in names and values never break the JSON answer", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(300, 7, snapshot);
  for (const std::string& query :
       std::vector<std::string>{"%FF=%ZZ", "%C3=1", std::string(63, 'a') + "%C3%A9=%ZZ",
                                "tid=" + tid + "&goal=" + std::string(63, 'a') + "%C3%A9",
                                "tid=" + tid + "&goal=%E2%82%AC%F0%9F%98%80"}) {
    INFO(query);
    const Decision decision = postback(query, snapshot);
    CHECK(decision.response.status == 400);
    const json body = json::parse(decision.response.body, nullptr, false);
    REQUIRE_FALSE(body.is_discarded());
    CHECK(body["status"] == "rejected");
    REQUIRE(decision.events.size() == 1);
    CHECK_FALSE(json::parse(decision.events[0], nullptr, false).is_discarded());
  }
}
