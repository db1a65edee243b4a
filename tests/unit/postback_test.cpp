#include "edgepost/postback.hpp"
#include "edgepost/click_record.hpp"

#include <catch2/catch.hpp>
#include <cctype>
#include <nlohmann/json.hpp>

#include "edgepost/click.hpp"
#include "edgepost/kv_keys.hpp"
#include "edgepost/percent.hpp"
#include "edgepost/postback_auth.hpp"
#include "fixtures.hpp"

using edgepost::Decision;
using edgepost::PostbackDecision;
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
  return edgepost::parse_click_record(decision.writes[0].value)->transaction_id;
}

using fixtures::mint;

PostbackDecision postback(const edgepost::Request& request, const edgepost::Snapshot& snapshot,
                          std::int64_t now = fixtures::kNow + 3600, std::uint8_t entropy_seed = 5) {
  const auto plan = edgepost::plan_postback(request, fixtures::keys());
  return edgepost::decide_postback(plan, snapshot, fixtures::env(now, entropy_seed));
}

PostbackDecision postback(const std::string& query, const edgepost::Snapshot& snapshot,
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

edgepost::Response response_of(const PostbackDecision& decision) {
  return decision.refusal ? decision.refusal->response
                          : edgepost::conversion_response(*decision.record, false);
}

json body_of(const PostbackDecision& decision) {
  return json::parse(response_of(decision).body);
}

const std::vector<edgepost::PartnerPostback>& postbacks_of(const PostbackDecision& decision) {
  static const std::vector<edgepost::PartnerPostback> none;
  return decision.record ? decision.record->postbacks : none;
}

void check_refused(const PostbackDecision& decision, int status, const std::string& reason) {
  const edgepost::Response response = response_of(decision);
  INFO(response.body);
  CHECK(response.status == status);
  const json body = body_of(decision);
  CHECK(body["status"] == "rejected");
  CHECK(body["reason"] == reason);
  CHECK(body["duplicate"] == false);
  CHECK_FALSE(body["message"].get<std::string>().empty());
  REQUIRE(decision.refusal.has_value());
  CHECK_FALSE(decision.record.has_value());
  CHECK(json::parse(decision.refusal->event)["reason"] == reason);
}

json stored_conversion(const PostbackDecision& decision) {
  REQUIRE(decision.record.has_value());
  return json::parse(edgepost::encode(*decision.record));
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
  const PostbackDecision decision = postback(
      "transaction_id=" + tid + "&security_token=" + kToken + "&adv_sub=ORDER-1", snapshot);

  REQUIRE(response_of(decision).status == 200);
  const json body = body_of(decision);
  CHECK(body["status"] == "approved");
  CHECK(body["transaction_id"] == tid);
  CHECK(body["goal"] == "sale");
  CHECK(body["duplicate"] == false);
  const std::string conversion_id = body["conversion_id"];
  CHECK(conversion_id.size() == 24);

  // Claimed per click and goal, and per advertiser and order id.
  REQUIRE(decision.claims.size() == 2);
  CHECK(decision.claims[0] == edgepost::conversion_claim_key(tid, "sale"));
  CHECK(decision.claims[1] == edgepost::order_claim_key(1, "sale", "ORDER-1"));

  const json record = stored_conversion(decision);
  CHECK(record["claims"] == json(decision.claims));
  CHECK(record["stage"] == "accepted");
  CHECK(record["revenue"] == "10.00");
  CHECK(record["payout"] == "4.00");
  CHECK(record["currency"] == "USD");
  CHECK(record["adv_sub"] == "ORDER-1");
  CHECK(record["attributed_from"] == "click");
  CHECK(record["offer_id"] == 100);
  CHECK(record["aff_id"] == 7);
  CHECK(record["advertiser_id"] == 1);

  REQUIRE(postbacks_of(decision).size() == 1);
  CHECK(postbacks_of(decision)[0].affiliate_id == 7);
  CHECK(postbacks_of(decision)[0].id == conversion_id + "-7");
  CHECK(postbacks_of(decision)[0].url == "https://aff7.example/pb?click=AFF-1&tx=" + tid +
                                             "&goal=sale&payout=4.00&cur=USD"
                                             "&st=approved&cid=" +
                                             conversion_id + "&s=spring%20sale");
  const json event = json::parse(edgepost::conversion_event(*decision.record));
  CHECK(event["type"] == "conversion");
  CHECK(event["id"] == "conversion:" + conversion_id);
}

TEST_CASE("the same postback decides the same claims and conversion id", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);
  const std::string query = "tid=" + tid + "&security_token=" + kToken;
  const PostbackDecision first = postback(query, snapshot);
  const PostbackDecision again = postback(query, snapshot, fixtures::kNow + 7200);
  CHECK(first.claims[0] == again.claims[0]);
  CHECK(body_of(first)["conversion_id"] == body_of(again)["conversion_id"]);
}

TEST_CASE("per-affiliate payout override; no partner postback without a template", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 8, snapshot);
  const PostbackDecision decision = postback("tid=" + tid + "&security_token=" + kToken, snapshot);
  REQUIRE(response_of(decision).status == 200);
  CHECK(stored_conversion(decision)["payout"] == "5.00");
  CHECK(postbacks_of(decision).empty());
}

TEST_CASE("percent and mixed payouts, HMAC-signed, from an allowed address", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(200, 7, snapshot);
  const std::int64_t now = fixtures::kNow + 3600;
  const PostbackDecision decision = postback(
      signed_query({{"click_id", tid}, {"sale_amount", "199.99"}, {"currency", "eur"}}, now),
      snapshot, now);
  REQUIRE(response_of(decision).status == 200);
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
  const PostbackDecision decision =
      postback(signed_query({{"tid", tid}, {"amount", "50"}}, now), snapshot, now);
  REQUIRE(response_of(decision).status == 200);
  CHECK(body_of(decision)["status"] == "rejected");
  const json record = stored_conversion(decision);
  CHECK(record["payout"] == "0.00");
  CHECK(record["revenue"] == "0.00");
  CHECK(record["rule"] == "faster than the offer's minimum click-to-conversion time");
  CHECK(postbacks_of(decision).empty());
  CHECK(decision.claims.size() == 1);  // a rejected conversion still counts once
}

TEST_CASE("conversion_time: delayed and offline conversions attribute by when they happened",
          "[postback][conversion_time]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);  // clicked at kNow; window 30 days
  const std::string base = "tid=" + tid + "&security_token=" + kToken;
  const std::int64_t day = 24 * 3600;
  const std::int64_t now = fixtures::kNow + 40 * day;

  check_refused(postback(base, snapshot, now), 410, "expired");
  const PostbackDecision late = postback(
      base + "&conversion_time=" + std::to_string(fixtures::kNow + 10 * day), snapshot, now);
  REQUIRE(response_of(late).status == 200);
  CHECK(stored_conversion(late)["conversion_time"] == fixtures::kNow + 10 * day);
  CHECK(stored_conversion(late)["time"] == now);
  // ISO 8601 with a zone, under its alias.
  const PostbackDecision iso =
      postback(base + "&datetime=2026-11-11T02:00:00%2B02:00", snapshot, now);
  REQUIRE(response_of(iso).status == 200);
  CHECK(stored_conversion(iso)["conversion_time"] == fixtures::kNow + 10 * day);
  check_refused(postback(base + "&conversion_time=" + std::to_string(fixtures::kNow + 31 * day),
                         snapshot, now),
                410, "expired");

  const auto refusal = [&](const std::string& value) {
    const PostbackDecision decision = postback(base + "&conversion_time=" + value, snapshot, now);
    check_refused(decision, 400, "invalid_conversion_time");
    return body_of(decision)["message"].get<std::string>();
  };
  CHECK(refusal(std::to_string(fixtures::kNow - 1)) == "conversion_time is before the click");
  CHECK(refusal(std::to_string(now + 301)) == "conversion_time is in the future");
  CHECK(refusal("2026-11-11T02:00:00") ==
        "conversion_time needs a time zone: Z or an offset such as +02:00");
  CHECK(refusal("yesterday") ==
        "conversion_time must be Unix seconds or ISO 8601 such as 2026-11-01T14:30:00Z");
  // Within the clock skew of the future is believed.
  const std::int64_t soon = fixtures::kNow + 3600;
  CHECK_FALSE(
      postback(base + "&conversion_time=" + std::to_string(soon + 300), snapshot, soon).refusal);
}

TEST_CASE("conversion_time: the minimum click-to-conversion time counts to it",
          "[postback][conversion_time]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(200, 7, snapshot);  // the offer wants 30 s
  const std::int64_t now = fixtures::kNow + 3600;
  const PostbackDecision fast =
      postback(signed_query({{"tid", tid},
                             {"amount", "50"},
                             {"conversion_time", std::to_string(fixtures::kNow + 10)}},
                            now),
               snapshot, now);
  REQUIRE(response_of(fast).status == 200);
  CHECK(body_of(fast)["status"] == "rejected");
  CHECK(stored_conversion(fast)["rule"] ==
        "faster than the offer's minimum click-to-conversion time");
}

TEST_CASE("the advertiser may send the status", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);
  const std::string base = "tid=" + tid + "&security_token=" + kToken;

  const PostbackDecision pending = postback(base + "&status=pending", snapshot);
  CHECK(body_of(pending)["status"] == "pending");
  CHECK(stored_conversion(pending)["payout"] == "4.00");
  CHECK(postbacks_of(pending).empty());  // affiliates hear of approved conversions only

  const PostbackDecision rejected = postback(base + "&status=rejected", snapshot);
  CHECK(body_of(rejected)["status"] == "rejected");
  CHECK(stored_conversion(rejected)["payout"] == "0.00");

  check_refused(postback(base + "&status=maybe", snapshot), 400, "invalid_request");
}

TEST_CASE("a multi-event offer records each distinct event once", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(300, 7, snapshot);

  const PostbackDecision install = postback("tid=" + tid, snapshot);  // the default goal
  CHECK(body_of(install)["goal"] == "install");
  REQUIRE(install.claims.size() == 1);
  CHECK(install.claims[0] == edgepost::conversion_claim_key(tid, "install"));

  const PostbackDecision registration = postback("tid=" + tid + "&event=registration", snapshot);
  CHECK(body_of(registration)["status"] == "pending");  // the goal's own status
  CHECK(registration.claims[0] == edgepost::conversion_claim_key(tid, "registration"));
  CHECK(body_of(registration)["conversion_id"] != body_of(install)["conversion_id"]);

  // A goal that may repeat, deduplicated by fingerprint: a retry is recognised, a different
  // purchase is not; an order id deduplicates it instead when there is one.
  const PostbackDecision purchase = postback("tid=" + tid + "&goal=purchase&amount=10", snapshot);
  REQUIRE(response_of(purchase).status == 200);
  REQUIRE(purchase.claims.size() == 1);
  CHECK(purchase.claims[0].rfind("claim/repeat/" + tid + "/purchase/", 0) == 0);
  CHECK(stored_conversion(purchase)["payout"] == "1.50");
  const PostbackDecision retried = postback("goal=purchase&amount=10&tid=" + tid, snapshot);
  CHECK(retried.claims[0] == purchase.claims[0]);
  const PostbackDecision second_purchase =
      postback("tid=" + tid + "&goal=purchase&amount=12", snapshot);
  CHECK(second_purchase.claims[0] != purchase.claims[0]);
  CHECK(body_of(second_purchase)["conversion_id"] != body_of(purchase)["conversion_id"]);

  const PostbackDecision ordered =
      postback("tid=" + tid + "&goal=purchase&amount=10&order_id=X9", snapshot);
  REQUIRE(ordered.claims.size() == 1);
  CHECK(ordered.claims[0] == edgepost::order_claim_key(3, "purchase", "X9"));
}

TEST_CASE("repeating goals: adv_sub required by default, or a normalised fingerprint",
          "[postback][dedupe]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(300, 7, snapshot);

  SECTION("dedupe adv_sub (the default): without an id of the event, refused saying what to send") {
    const PostbackDecision bare = postback("tid=" + tid + "&goal=gems&amount=5", snapshot);
    check_refused(bare, 400, "missing_adv_sub");
    CHECK(body_of(bare)["message"] ==
          "goal 'gems' may convert more than once: send adv_sub (or order_id, txid or event_id) "
          "with your id of this event, e.g. the order number");
    CHECK(bare.claims.empty());
    for (const char* name : {"adv_sub", "order_id", "txid", "event_id"}) {
      const PostbackDecision named =
          postback("tid=" + tid + "&goal=gems&amount=5&" + name + "=G-1", snapshot);
      INFO(name);
      REQUIRE(named.claims.size() == 1);
      CHECK(named.claims[0] == edgepost::order_claim_key(3, "gems", "G-1"));
    }
  }
  SECTION("dedupe fingerprint: the same event however it is spelled") {
    const auto claim = [&](const std::string& query) {
      const PostbackDecision decision = postback(query, snapshot);
      REQUIRE(decision.claims.size() == 1);
      CHECK(decision.repeat_window_seconds == 600);
      return decision.claims[0];
    };
    const std::string base = claim("tid=" + tid + "&goal=purchase&amount=9.99");
    std::string upper = tid;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const std::string& same :
         {"tid=" + tid + "&goal=purchase&amount=9.990",
          "tid=" + upper + "&goal=purchase&amount=9.99", "tid=" + tid + "&event=purchase&sum=9.99",
          "tid=" + tid + "&goal=purchase&amount=9.99&currency=usd",
          "tid=" + tid + "&goal=purchase&amount=9.99&status=pending",
          "tid=" + tid + "&goal=purchase&amount=9.99&aff_sub=ignored"}) {
      INFO(same);
      CHECK(claim(same) == base);
    }
    CHECK(claim("tid=" + tid + "&goal=purchase&amount=10") != base);
  }
}

TEST_CASE("a per-offer partner postback URL overrides the affiliate's", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(300, 8, snapshot);
  const PostbackDecision decision = postback("tid=" + tid, snapshot);
  REQUIRE(postbacks_of(decision).size() == 1);
  CHECK(postbacks_of(decision)[0].url == "https://aff8.example/app?e=install&tx=" + tid);
}

TEST_CASE("a verified ID converts even before its click record is visible", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = mint(100, 7, fixtures::kNow);  // no click record in the snapshot
  const PostbackDecision decision = postback("tid=" + tid + "&security_token=" + kToken, snapshot);
  REQUIRE(response_of(decision).status == 200);
  CHECK(body_of(decision)["status"] == "approved");
  const json record = stored_conversion(decision);
  CHECK(record["attributed_from"] == "transaction_id");
  CHECK(record["payout"] == "4.00");
  REQUIRE(postbacks_of(decision).size() == 1);
  CHECK(postbacks_of(decision)[0].url.find("&s=") != std::string::npos);  // sub IDs unknown: empty
}

TEST_CASE("upper-cased IDs and every alias convert like the original", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);
  std::string upper = tid;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const PostbackDecision decision =
      postback("CLICKID=" + upper + "&Security_Token=" + kToken, snapshot);
  REQUIRE(response_of(decision).status == 200);
  CHECK(body_of(decision)["transaction_id"] == tid);
}

TEST_CASE("form and JSON POST decide exactly like GET", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(300, 7, snapshot);
  const std::string form = "tid=" + tid + "&goal=purchase&sum=20&txid=T-1";
  const PostbackDecision by_get = postback(form, snapshot);
  const PostbackDecision by_form = postback(
      fixtures::post("/postback", "application/x-www-form-urlencoded", form, kAllowedIp), snapshot);
  const PostbackDecision by_json = postback(
      fixtures::post("/postback", "application/json",
                     R"({"tid": ")" + tid + R"(", "goal": "purchase", "sum": 20, "txid": "T-1"})",
                     kAllowedIp),
      snapshot);
  REQUIRE(response_of(by_get).status == 200);
  CHECK(response_of(by_form).body == response_of(by_get).body);
  CHECK(response_of(by_json).body == response_of(by_get).body);
  CHECK(by_json.claims[0] == by_get.claims[0]);
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
  const PostbackDecision original = postback(query, snapshot);
  REQUIRE(original.claims.size() == 2);

  // Thirty-one days later the window has closed: refused, unless the claims exist.
  const PostbackDecision late = postback(query, snapshot, fixtures::kNow + 31 * 24 * 3600);
  CHECK(response_of(late).status == 410);
  CHECK(late.refusal.has_value());
  CHECK(late.claims == original.claims);
  CHECK(late.conversion_id == original.conversion_id);

  // Refusals before the conversion is identified have no claims to name.
  CHECK(postback("tid=" + tid, snapshot).claims.empty());  // unauthorized
  CHECK(postback("tid=" + tid + "&security_token=" + kToken + "&goal=x", snapshot).claims.empty());
}

TEST_CASE("an affiliate blocked after the click earns nothing from it", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = mint(100, 9);  // affiliate 9 is blocked
  const PostbackDecision decision = postback("tid=" + tid + "&security_token=" + kToken, snapshot);
  REQUIRE(response_of(decision).status == 200);
  CHECK(body_of(decision)["status"] == "rejected");
  const json record = stored_conversion(decision);
  CHECK(record["payout"] == "0.00");
  CHECK(record["rule"] == "the affiliate is blocked or no longer allowed on the offer");
  CHECK(postbacks_of(decision).empty());

  const PostbackDecision removed =
      postback("tid=" + mint(200, 9), snapshot);  // not on offer 200's list
  CHECK(response_of(removed).status == 401);      // advertiser 2 wants a signature first
}

TEST_CASE("hostile bytes in names and values never break the JSON answer", "[postback]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(300, 7, snapshot);
  for (const std::string& query :
       std::vector<std::string>{"%FF=%ZZ", "%C3=1", std::string(63, 'a') + "%C3%A9=%ZZ",
                                "tid=" + tid + "&goal=" + std::string(63, 'a') + "%C3%A9",
                                "tid=" + tid + "&goal=%E2%82%AC%F0%9F%98%80"}) {
    INFO(query);
    const PostbackDecision decision = postback(query, snapshot);
    CHECK(response_of(decision).status == 400);
    const json body = json::parse(response_of(decision).body, nullptr, false);
    REQUIRE_FALSE(body.is_discarded());
    CHECK(body["status"] == "rejected");
    REQUIRE(decision.refusal.has_value());
    CHECK_FALSE(json::parse(decision.refusal->event, nullptr, false).is_discarded());
  }
}

TEST_CASE(
    "late postbacks: a new conversion only until the offer's late_postback_days after the window",
    "[postback][retention]") {
  auto snapshot = fixtures::all_records();
  const std::string tid = click_on(100, 7, snapshot);  // window 30 days, 30 late by default
  const std::int64_t day = 24 * 3600;
  const std::string in_window = "tid=" + tid + "&security_token=" + kToken +
                                "&conversion_time=" + std::to_string(fixtures::kNow + 10 * day);
  const PostbackDecision late = postback(in_window, snapshot, fixtures::kNow + 59 * day);
  REQUIRE(response_of(late).status == 200);
  CHECK(late.ledger_retention_seconds == (30 + 30 + 60) * day + 300);
  // conversion_time still inside the window, but the claims may be gone by now.
  const PostbackDecision too_late = postback(in_window, snapshot, fixtures::kNow + 61 * day);
  check_refused(too_late, 410, "expired");
  CHECK(body_of(too_late)["message"].get<std::string>().find("late_postback_days") !=
        std::string::npos);
  CHECK(too_late.ledger_retention_seconds == (30 + 30 + 60) * day + 300);  // its replays write
}
