// A conversion's lifecycle through the exchanges, over the in-memory stores: every transition
// allowed and refused, from the advertiser and from the operator; prices on approval; the
// partner postbacks each transition sends, once; replays; and the protocol of a change under
// every fault and in every interleaving with another change or with the original postback.
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <set>

#include "edgepost/kv_keys.hpp"
#include "edgepost/outbox_entry.hpp"
#include "edgepost/postback.hpp"
#include "edgepost/postback_exchange.hpp"
#include "exchange_harness.hpp"

using namespace harness;
using model::Fault;
using model::FaultKind;
using nlohmann::json;

namespace {

constexpr std::int64_t kDay = 24 * 3600;

// Offer 100 (advertiser 1, sale counts once per click, reversal window 60 days); affiliate 7
// has a postback URL and a reversal postback URL.
struct Sale {
  std::string click = fixtures::mint(100, 7, fixtures::kNow);
  std::string order = "ORD-1";
  std::string with(const std::string& status, const std::string& extra = "") const {
    std::string query = "tid=" + click + kAuth + "&adv_sub=" + order + extra;
    if (!status.empty()) query += "&status=" + status;
    return query;
  }
};

edgepost::Response run(Stores& stores, std::unique_ptr<edgepost::Exchange> exchange) {
  Run r(std::move(exchange));
  r.to_end(stores);
  REQUIRE(r.responses.size() == 1);
  return r.responses[0];
}

edgepost::Response send(Stores& stores, const std::string& query, std::int64_t now = kLater,
                        std::uint8_t seed = 5) {
  return run(stores, postback(query, now, seed));
}

std::optional<edgepost::OutboxEntry> outbox(const Stores& stores, const std::string& id) {
  const auto found = stores.ledger.find(edgepost::outbox_key(id));
  if (found == stores.ledger.end()) return std::nullopt;
  return edgepost::parse_outbox_entry(found->second);
}

std::size_t count_events(const Stores& stores, const std::string& type) {
  std::set<std::string> ids;
  for (const std::string& text : stores.events) {
    const json event = json::parse(text);
    if (event["type"] == type) ids.insert(event["id"].get<std::string>());
  }
  return ids.size();
}

}  // namespace

TEST_CASE("status: pending then approved is one conversion, its partner postback sent once",
          "[status]") {
  const Sale sale;
  Stores stores = fresh_stores();
  const auto created = send(stores, sale.with("pending"));
  CHECK(body(created)["status"] == "pending");
  const std::string cid = body(created)["conversion_id"];
  CHECK_FALSE(outbox(stores, cid + "-7"));

  const auto approved = send(stores, sale.with("approved"), kLater + kDay, 6);
  INFO(approved.body);
  CHECK(approved.status == 200);
  CHECK(body(approved)["status"] == "approved");
  CHECK(body(approved)["previous_status"] == "pending");
  CHECK(body(approved)["duplicate"] == false);
  CHECK(body(approved)["conversion_id"] == cid);
  const auto entry = outbox(stores, cid + "-7");
  REQUIRE(entry);
  CHECK(entry->postback.url.find("st=approved") != std::string::npos);
  CHECK(entry->postback.url.find("payout=4.00") != std::string::npos);
  CHECK(stores.wakeups == std::vector<std::string>{cid + "-7"});
  const auto record = current(stores, cid);
  REQUIRE(record);
  CHECK(record->status == "approved");
  REQUIRE(record->changes.size() == 1);
  CHECK(record->changes[0].from == "pending");
  CHECK(record->changes[0].source == "postback");
  CHECK(record->changes[0].time == kLater + kDay);
  CHECK(emitted(stores, "status_change", "status_change:" + cid + ":1"));

  SECTION("the approval again is a repeat of it") {
    const auto again = send(stores, sale.with("approved"), kLater + 2 * kDay, 7);
    CHECK(body(again)["duplicate"] == true);
    CHECK(body(again)["status"] == "approved");
  }
  SECTION("the original pending postback again is a repeat of it, saying what it is now") {
    const auto again = send(stores, sale.with("pending"), kLater + 2 * kDay, 7);
    CHECK(again.status == 200);
    CHECK(body(again)["duplicate"] == true);
    CHECK(body(again)["status"] == "pending");
    CHECK(body(again)["current_status"] == "approved");
  }
  SECTION("a postback without a status repeats, never changes") {
    const auto again = send(stores, sale.with(""), kLater + 2 * kDay, 7);
    CHECK(body(again)["duplicate"] == true);
    CHECK(body(again)["status"] == "approved");
  }
  CHECK(current(stores, cid)->changes.size() == 1);
  CHECK(stores.outbox_writes.size() == 1);
  CHECK(stores.wakeups.size() == 1);
  check_invariants(stores);
}

TEST_CASE("status: a once-goal without adv_sub changes by its click and goal", "[status]") {
  const std::string click = fixtures::mint(300, 7, fixtures::kNow);
  Stores stores = fresh_stores();
  // Goal registration is pending unless the advertiser says otherwise.
  const auto created = send(stores, "tid=" + click + "&goal=registration");
  CHECK(body(created)["status"] == "pending");
  const auto approved = send(stores, "tid=" + click + "&goal=registration&status=approved");
  CHECK(body(approved)["status"] == "approved");
  CHECK(body(approved)["duplicate"] == false);
  CHECK(body(approved)["conversion_id"] == body(created)["conversion_id"]);
  check_invariants(stores);
}

TEST_CASE("status: an approval with the final amount is priced again, exactly", "[status]") {
  Stores stores = fresh_stores();
  SECTION("percent of the sale (offer 300, purchase: revenue 30%, payout 15%)") {
    const std::string click = fixtures::mint(300, 7, fixtures::kNow);
    const std::string order = "tid=" + click + "&goal=purchase&adv_sub=O-9";
    const auto created = send(stores, order + "&amount=10&status=pending");
    const std::string cid = body(created)["conversion_id"];
    CHECK(current(stores, cid)->revenue == "3.00");
    send(stores, order + "&amount=19.99&status=approved", kLater + 60, 6);
    const auto record = current(stores, cid);
    CHECK(record->revenue == "5.997");
    CHECK(record->payout == "2.9985");
    CHECK(record->amount == "19.99");
    CHECK(record->changes[0].amount == "19.99");
    // The partner is told the payout that was approved.
    CHECK(outbox(stores, cid + "-7")->postback.url.find("payout=2.9985") != std::string::npos);
  }
  SECTION("a fixed price stays what it is; the amount is kept") {
    const Sale sale;
    const auto created = send(stores, sale.with("pending", "&amount=50"));
    const std::string cid = body(created)["conversion_id"];
    send(stores, sale.with("approved", "&amount=45.5"), kLater + 60, 6);
    const auto record = current(stores, cid);
    CHECK(record->revenue == "10.00");
    CHECK(record->payout == "4.00");
    CHECK(record->amount == "45.50");
  }
  SECTION("a malformed amount or status is refused and changes nothing") {
    const Sale sale;
    const std::string cid = body(send(stores, sale.with("pending")))["conversion_id"];
    const auto bad_amount = send(stores, sale.with("approved", "&amount=12,50"), kLater, 6);
    CHECK(bad_amount.status == 400);
    const auto bad_status = send(stores, sale.with("paid"), kLater, 7);
    CHECK(bad_status.status == 400);
    CHECK(body(bad_status)["message"] == "status: must be approved, pending or rejected");
    CHECK(current(stores, cid)->status == "pending");
    CHECK(current(stores, cid)->changes.empty());
  }
  check_invariants(stores);
}

TEST_CASE("status: a reversal within the window sends the reversal postback once", "[status]") {
  const Sale sale;
  Stores stores = fresh_stores();
  const std::string cid = body(send(stores, sale.with("")))["conversion_id"];
  REQUIRE(current(stores, cid)->status == "approved");

  const auto reversed = send(stores, sale.with("rejected"), kLater + 59 * kDay, 6);
  INFO(reversed.body);
  CHECK(reversed.status == 200);
  CHECK(body(reversed)["status"] == "rejected");
  CHECK(body(reversed)["previous_status"] == "approved");
  const auto record = current(stores, cid);
  CHECK(record->revenue == "0.00");
  CHECK(record->payout == "0.00");
  const auto entry = outbox(stores, cid + "-7-reversal");
  REQUIRE(entry);
  // The payout taken back, so the affiliate knows what to deduct.
  CHECK(entry->postback.url == "https://aff7.example/reversal?tx=" + record->transaction_id +
                                   "&payout=4.00&st=rejected&cid=" + cid);

  const auto again = send(stores, sale.with("rejected"), kLater + 60 * kDay, 7);
  CHECK(body(again)["duplicate"] == true);
  CHECK(stores.outbox_writes.size() == 2);  // the approval's and the reversal's
  CHECK(count_events(stores, "status_change") == 1);
  check_invariants(stores);
}

TEST_CASE("status: refused transitions say why and change nothing", "[status]") {
  const Sale sale;
  Stores stores = fresh_stores();
  const std::string cid = body(send(stores, sale.with("")))["conversion_id"];

  SECTION("a reversal after the window") {
    const auto late = send(stores, sale.with("rejected"), fixtures::kNow + 61 * kDay, 6);
    CHECK(late.status == 409);
    CHECK(body(late)["reason"] == "invalid_status_change");
    CHECK(body(late)["message"] ==
          "the reversal window of 60 days after the conversion has passed");
  }
  SECTION("back to pending") {
    const auto back = send(stores, sale.with("pending"), kLater, 6);
    CHECK(back.status == 409);
    CHECK(body(back)["message"] == "approved -> pending is not a status change edgepost accepts");
  }
  SECTION("rejected -> approved from the advertiser") {
    send(stores, sale.with("rejected"), kLater + 10, 6);
    const auto again = send(stores, sale.with("approved"), kLater + 20, 7);
    // The approval it once had: a repeat, not a second approval.
    CHECK(body(again)["duplicate"] == true);
    CHECK(body(again)["current_status"] == "rejected");
    const Sale other{fixtures::mint(100, 7, fixtures::kNow + 5), "ORD-2"};
    send(stores, other.with("pending"), kLater, 8);
    send(stores, other.with("rejected"), kLater + 10, 9);
    const auto refused = send(stores, other.with("approved"), kLater + 20, 10);
    CHECK(refused.status == 409);
    CHECK(body(refused)["reason"] == "invalid_status_change");
  }
  CHECK(current(stores, cid)->status != "pending");
  CHECK(stores.outbox_writes.count(edgepost::outbox_key(cid + "-7")) == 1);
  check_invariants(stores);
}

TEST_CASE("status: a status the rules set is not the advertiser's to change", "[status]") {
  // Affiliate 9 is blocked: its conversions are recorded rejected by rule.
  const std::string click = fixtures::mint(300, 9, fixtures::kNow);
  Stores stores = fresh_stores();
  const auto created = send(stores, "tid=" + click + "&goal=install");
  CHECK(body(created)["status"] == "rejected");
  const auto approval = send(stores, "tid=" + click + "&goal=install&status=approved", kLater, 6);
  CHECK(approval.status == 409);
  CHECK(body(approval)["message"] ==
        "the conversion was rejected by edgepost's rules (the affiliate is blocked or no longer "
        "allowed on the offer); only the network's operators may change it");
  CHECK(body(send(stores, "tid=" + click + "&goal=install", kLater, 7))["duplicate"] == true);
  CHECK(stores.outbox_writes.empty());

  // The operator overrides the rules; from then on the advertiser's reports count again.
  const std::string cid = body(created)["conversion_id"];
  CHECK(run(stores, status_api(cid, R"({"status":"approved"})", kLater + 10, 8)).status == 200);
  CHECK_FALSE(current(stores, cid)->rule);
  const auto chargeback =
      send(stores, "tid=" + click + "&goal=install&status=rejected", kLater + 20, 9);
  CHECK(body(chargeback)["duplicate"] == false);
  CHECK(current(stores, cid)->status == "rejected");
  check_invariants(stores);
}

TEST_CASE("status: after an operator's change, an old report is not a repeat", "[status]") {
  const Sale sale;
  Stores stores = fresh_stores();
  const std::string cid = body(send(stores, sale.with("pending")))["conversion_id"];
  send(stores, sale.with("rejected"), kLater + 10, 6);
  run(stores, status_api(cid, R"({"status":"approved"})", kLater + 20, 7));
  // A real chargeback after the operator's approval: a reversal, not a repeat of the rejection.
  const auto chargeback = send(stores, sale.with("rejected"), kLater + 30, 8);
  CHECK(body(chargeback)["duplicate"] == false);
  CHECK(body(chargeback)["previous_status"] == "approved");
  check_invariants(stores);
}

TEST_CASE("repeats by fingerprint: a crash, an update past the window, a bounded chain",
          "[status][dedupe]") {
  const std::string click = fixtures::mint(300, 7, fixtures::kNow);
  const std::string purchase = "tid=" + click + "&goal=purchase&amount=9.99";

  SECTION("an event left incomplete is completed by its retry, whatever the window") {
    Stores stores = fresh_stores();
    // Store commands: records read, ledger read, claim, commit: it dies right after the commit.
    Run first(postback(purchase, kLater, 1), Fault{3, FaultKind::dies_after});
    first.to_end(stores);
    const auto left = current(stores, edgepost::conversion_id_for({[&] {
                                for (const auto& [key, value] : stores.ledger) {
                                  if (key.rfind("claim/repeat/", 0) == 0) return key;
                                }
                                return std::string();
                              }()}));
    REQUIRE(left);
    REQUIRE(left->stage == edgepost::ConversionStage::accepted);
    const auto retry = send(stores, purchase, kLater + 3600, 2);
    CHECK(retry.status == 200);
    std::size_t conversions = 0;
    for (const auto& [key, value] : stores.ledger) conversions += key.rfind("conversion/", 0) == 0;
    CHECK(conversions == 1);
    check_invariants(stores);
  }
  SECTION("a status report past the window names no new sale") {
    Stores stores = fresh_stores();
    const std::string cid =
        body(send(stores, purchase + "&status=pending", kLater, 1))["conversion_id"];
    const auto update = send(stores, purchase + "&status=approved", kLater + 3600, 2);
    CHECK(update.status == 409);
    CHECK(body(update)["reason"] == "ambiguous_event");
    CHECK(current(stores, cid)->status == "pending");
    // Named by its conversion_id, it is that event's update.
    const auto named = send(stores, "tid=" + click + "&conversion_id=" + cid + "&status=approved",
                            kLater + 3600, 3);
    CHECK(body(named)["previous_status"] == "pending");
  }
}

TEST_CASE("status API: the operator's door, behind the admin token", "[status][api]") {
  const Sale sale;
  Stores stores = fresh_stores();
  const std::string cid = body(send(stores, sale.with("pending")))["conversion_id"];

  SECTION("without the token, or with another, nothing is said or changed") {
    for (const std::string_view token : {std::string_view("wrong-token"), std::string_view()}) {
      const auto refused =
          run(stores, status_api(cid, R"({"status":"approved"})", kLater, 6, token));
      CHECK(refused.status == 401);
      CHECK(body(refused)["error"] == "unauthorized");
    }
    edgepost::Request request = fixtures::post("/api/conversions/" + cid + "/status",
                                               "application/json", R"({"status":"approved"})");
    request.headers.push_back({"authorization", "Bearer x"});
    const auto off = run(stores, edgepost::start_status_api_exchange(request, "", fixtures::env()));
    CHECK(off.status == 401);
    CHECK(body(off)["message"] == "an admin bearer token is required (Authorization: Bearer ...)");
    // The scheme in any case; a token too short to be safe turns the API off.
    edgepost::Request shouted = fixtures::post("/api/conversions/" + cid + "/status",
                                               "application/json", R"({"status":"paid"})");
    shouted.headers.push_back({"authorization", "BEARER " + std::string(kAdminToken)});
    CHECK(run(stores, edgepost::start_status_api_exchange(shouted, kAdminToken, fixtures::env()))
              .status == 400);  // past the token, refused for its body
    request.headers.back().value = "Bearer short-token";
    CHECK(run(stores, edgepost::start_status_api_exchange(request, "short-token", fixtures::env()))
              .status == 401);
    CHECK(current(stores, cid)->status == "pending");
  }
  SECTION("bad requests") {
    CHECK(run(stores, status_api("0123456789abcdef01234567", R"({"status":"approved"})")).status ==
          404);
    CHECK(run(stores, status_api("nothex", R"({"status":"approved"})")).status == 400);
    const auto no_status = run(stores, status_api(cid, R"({"amount":"1"})"));
    CHECK(no_status.status == 400);
    CHECK(body(no_status)["message"] == "status: required, approved, pending or rejected");
    const auto unknown = run(stores, status_api(cid, R"({"status":"approved","paid":true})"));
    CHECK(body(unknown)["message"] == "paid: unknown field (status, amount, note)");
    CHECK(run(stores, status_api(cid, R"({"status":"approved","amount":12})")).status == 400);
    CHECK(current(stores, cid)->status == "pending");
  }
  SECTION("an approval with a note, the same as the advertiser's") {
    const auto approved =
        run(stores, status_api(cid, R"({"status":"approved","note":"checked by hand"})"));
    INFO(approved.body);
    CHECK(approved.status == 200);
    CHECK(body(approved)["status"] == "approved");
    CHECK(body(approved)["previous_status"] == "pending");
    const auto record = current(stores, cid);
    CHECK(record->changes[0].source == "operator");
    CHECK(record->changes[0].note == "checked by hand");
    CHECK(outbox(stores, cid + "-7"));
    const auto again = run(stores, status_api(cid, R"({"status":"approved"})", kLater, 7));
    CHECK(body(again)["duplicate"] == true);
  }
  SECTION("rejected -> approved, only here; a second approval sends nothing again") {
    run(stores, status_api(cid, R"({"status":"approved"})", kLater, 6));
    run(stores, status_api(cid, R"({"status":"rejected"})", kLater + 10, 7));
    const auto restored = run(stores, status_api(cid, R"({"status":"approved"})", kLater + 20, 8));
    CHECK(restored.status == 200);
    CHECK(body(restored)["status"] == "approved");
    CHECK(body(restored)["revenue"] == "10.00");
    const auto record = current(stores, cid);
    CHECK(record->changes.size() == 3);
    // The approval postback and the reversal postback, each once.
    CHECK(stores.outbox_writes.size() == 2);
  }
  check_invariants(stores);
}

TEST_CASE("status: every fault at every command of a change, twice, then a retry",
          "[status][faults]") {
  const Sale sale;
  std::size_t runs = 0;
  for (const bool reversal : {false, true}) {
    Stores base = fresh_stores();
    const std::string cid = body(send(base, sale.with(reversal ? "" : "pending")))["conversion_id"];
    const std::string query = sale.with(reversal ? "rejected" : "approved");
    Stores probe = base;
    Run first(postback(query, kLater + 60, 1));
    first.to_end(probe);
    const std::size_t commands = first.store_commands;
    for (std::size_t k1 = 0; k1 < commands; ++k1) {
      for (const FaultKind kind1 : model::kAllFaults) {
        for (std::size_t k2 = 0; k2 < commands; ++k2) {
          for (const FaultKind kind2 : model::kAllFaults) {
            INFO("fault " << k1 << "/" << int(kind1) << " then " << k2 << "/" << int(kind2));
            Stores stores = base;
            std::vector<Run> attempts;
            attempts.emplace_back(postback(query, kLater + 60, 1), Fault{k1, kind1});
            attempts.emplace_back(postback(query, kLater + 65, 2), Fault{k2, kind2});
            attempts.emplace_back(postback(query, kLater + 70, 3));
            for (Run& attempt : attempts) {
              attempt.to_end(stores);
              for (const auto& response : attempt.responses) {
                CHECK((response.status == 200 || response.status == 503));
              }
            }
            const auto last = attempts.back().responses.at(0);
            CHECK(last.status == 200);
            const auto record = current(stores, cid);
            REQUIRE(record);
            CHECK(record->status == (reversal ? "rejected" : "approved"));
            CHECK(record->changes.size() == 1);
            CHECK(emitted(stores, "status_change", "status_change:" + cid + ":1"));
            const std::string sent = cid + "-7" + (reversal ? "-reversal" : "");
            CHECK(outbox(stores, sent));
            check_invariants(stores);
            ++runs;
          }
        }
      }
    }
  }
  std::printf("# status change faults: %zu runs of two faulty attempts and a retry\n", runs);
}

TEST_CASE("status: two changes racing, in every interleaving", "[status][interleavings]") {
  const Sale sale;
  Stores base = fresh_stores();
  const std::string cid = body(send(base, sale.with("pending")))["conversion_id"];
  World world{base, {}};
  world.runs.emplace_back(postback(sale.with("approved"), kLater + 60, 1));
  world.runs.emplace_back(postback(sale.with("rejected"), kLater + 60, 2));
  const std::size_t schedules = explore(world, [&](World& end) {
    const auto approval = end.runs[0].responses.at(0);
    const auto rejection = end.runs[1].responses.at(0);
    const auto record = current(end.stores, cid);
    REQUIRE(record);
    // Approved first, then reversed; or rejected first, and the approval refused.
    CHECK(record->status == "rejected");
    CHECK(rejection.status == 200);
    if (approval.status == 200) {
      CHECK(record->changes.size() == 2);
      CHECK(end.stores.outbox_writes.size() == 2);
    } else {
      CHECK(approval.status == 409);
      CHECK(record->changes.size() == 1);
      CHECK(end.stores.outbox_writes.empty());
    }
    check_invariants(end.stores);
  });
  std::printf("# status interleavings, two changes: %zu\n", schedules);
}

TEST_CASE("status: an approval racing the original postback, in every interleaving",
          "[status][interleavings]") {
  const Sale sale;
  World world{fresh_stores(), {}};
  world.runs.emplace_back(postback(sale.with("pending"), kLater, 1));
  world.runs.emplace_back(postback(sale.with("approved"), kLater, 2));
  const std::size_t schedules = explore(world, [&](World& end) {
    const auto original = end.runs[0].responses.at(0);
    const auto approval = end.runs[1].responses.at(0);
    CHECK(approval.status == 200);
    const std::string cid = body(approval)["conversion_id"];
    const auto record = current(end.stores, cid);
    REQUIRE(record);
    CHECK(record->status == "approved");
    // The pending report after the approval created it is a stale one: refused, not a change.
    CHECK((original.status == 200 || original.status == 409));
    CHECK(end.stores.outbox_writes.size() == 1);
    check_invariants(end.stores);
  });
  std::printf("# status interleavings, approval racing the original: %zu\n", schedules);
}

TEST_CASE("repeats by fingerprint: one event within the window, the next after it",
          "[status][dedupe]") {
  const std::string click = fixtures::mint(300, 7, fixtures::kNow);
  const std::string purchase = "tid=" + click + "&goal=purchase&amount=9.99";
  Stores stores = fresh_stores();
  const auto first = send(stores, purchase, kLater, 1);
  const auto retry = send(stores, "tid=" + click + "&goal=purchase&amount=9.990", kLater + 600, 2);
  CHECK(body(retry)["duplicate"] == true);
  CHECK(body(retry)["conversion_id"] == body(first)["conversion_id"]);
  // Past the window (600 s): a second purchase of the same amount.
  const auto second = send(stores, purchase, kLater + 601, 3);
  CHECK(body(second)["duplicate"] == false);
  CHECK(body(second)["conversion_id"] != body(first)["conversion_id"]);
  const auto second_retry = send(stores, purchase, kLater + 900, 4);
  CHECK(body(second_retry)["duplicate"] == true);
  CHECK(body(second_retry)["conversion_id"] == body(second)["conversion_id"]);
  const auto third = send(stores, purchase, kLater + 1300, 5);
  CHECK(body(third)["duplicate"] == false);
  CHECK(std::set<std::string>{body(first)["conversion_id"], body(second)["conversion_id"],
                              body(third)["conversion_id"]}
            .size() == 3);
  check_invariants(stores);
}

TEST_CASE("status: a postback may name the conversion by its conversion_id", "[status]") {
  const Sale sale;
  const Sale other{fixtures::mint(100, 7, fixtures::kNow + 5), "ORD-2"};
  Stores stores = fresh_stores();
  const std::string cid = body(send(stores, sale.with("pending")))["conversion_id"];
  const std::string other_cid =
      body(send(stores, other.with("pending"), kLater, 6))["conversion_id"];
  const std::string by_id = "tid=" + sale.click + kAuth + "&conversion_id=";

  std::string upper = cid;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto approved = send(stores, by_id + upper + "&status=approved", kLater + 60, 7);
  INFO(approved.body);
  CHECK(approved.status == 200);
  CHECK(body(approved)["previous_status"] == "pending");
  CHECK(current(stores, cid)->status == "approved");
  CHECK(body(send(stores, by_id + cid, kLater + 70, 8))["duplicate"] == true);

  // Another click's conversion, or none at all: the same answer, and nothing changes.
  for (const std::string& id : {other_cid, std::string("0123456789abcdef01234567")}) {
    const auto unknown = send(stores, by_id + id + "&status=approved", kLater + 80, 9);
    CHECK(unknown.status == 404);
    CHECK(body(unknown)["reason"] == "unknown_conversion");
  }
  CHECK(current(stores, other_cid)->status == "pending");
  const auto malformed = send(stores, by_id + "42&status=approved", kLater + 90, 10);
  CHECK(malformed.status == 400);
  CHECK(body(malformed)["message"] ==
        "conversion_id: must be the 24 hex digits edgepost answered with");
  check_invariants(stores);
}
