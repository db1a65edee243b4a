// The stored records' codecs: what is written reads back the same; anything else is refused.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "edgepost/click_record.hpp"
#include "edgepost/conversion_record.hpp"
#include "edgepost/outbox_entry.hpp"

using nlohmann::json;

namespace {

edgepost::ConversionRecord conversion() {
  edgepost::ConversionRecord r;
  r.conversion_id = "0123456789abcdef01234567";
  r.transaction_id = "tid";
  r.offer_id = 100;
  r.affiliate_id = 7;
  r.advertiser_id = 1;
  r.goal = "sale";
  r.status = "approved";
  r.revenue = "10.00";
  r.payout = "4.00";
  r.currency = "USD";
  r.click_time = 1;
  r.time = 2;
  r.attributed_from = "click";
  r.amount = "99.00";
  r.adv_subs = {{"adv_sub", "ORDER-1"}};
  r.claims = {"claim/click/tid/sale", "claim/order/1/sale/ab"};
  r.postbacks = {{"0123456789abcdef01234567-7", 7, "https://aff.example/?x=1", r.conversion_id,
                  r.transaction_id, ""}};
  r.stage = edgepost::ConversionStage::complete;
  return r;
}

}  // namespace

TEST_CASE("records: a conversion reads back as written; damage is refused", "[records]") {
  const auto original = conversion();
  const auto parsed = edgepost::parse_conversion_record(edgepost::encode(original));
  REQUIRE(parsed.has_value());
  CHECK(edgepost::encode(*parsed) == edgepost::encode(original));
  CHECK(parsed->stage == edgepost::ConversionStage::complete);
  CHECK(parsed->claims == original.claims);
  CHECK(parsed->postbacks.at(0).url == original.postbacks.at(0).url);
  // Not stored in the record's list, which is the record's own: named again on reading.
  CHECK(parsed->postbacks.at(0).conversion_id == original.conversion_id);
  CHECK(parsed->postbacks.at(0).transaction_id == original.transaction_id);

  const json whole = json::parse(edgepost::encode(original));
  for (const char* field : {"conversion_id", "offer_id", "claims", "stage", "time"}) {
    json damaged = whole;
    damaged.erase(field);
    INFO(field);
    CHECK_FALSE(edgepost::parse_conversion_record(damaged.dump()).has_value());
  }
  for (const auto& [field, value] :
       std::vector<std::pair<std::string, json>>{{"stage", "done"},
                                                 {"claims", json::array()},
                                                 {"postbacks", json::array({{{"id", "x"}}})},
                                                 {"aff_id", -7}}) {
    json damaged = whole;
    damaged[field] = value;
    INFO(field);
    CHECK_FALSE(edgepost::parse_conversion_record(damaged.dump()).has_value());
  }
  CHECK_FALSE(edgepost::parse_conversion_record("not json").has_value());
  // The event is the record without the ledger's fields, with an id that repeats.
  const json event = json::parse(edgepost::conversion_event(original));
  CHECK(event["id"] == "conversion:" + original.conversion_id);
  CHECK(event["type"] == "conversion");
  CHECK_FALSE(event.contains("claims"));
  CHECK(event["adv_sub"] == "ORDER-1");
}

TEST_CASE("records: an outbox entry in every state, hosts' fields tolerated", "[records]") {
  const edgepost::OutboxEntry entry{
      {"c-7", 7, "https://aff.example/", "c", "tid", ""}, 5, edgepost::OutboxState::pending};
  const auto parsed = edgepost::parse_outbox_entry(edgepost::encode(entry));
  REQUIRE(parsed.has_value());
  CHECK(parsed->postback.id == "c-7");
  CHECK(parsed->postback.conversion_id == "c");
  CHECK(parsed->postback.transaction_id == "tid");
  CHECK(parsed->created == 5);
  // Written before the conversion was named in it.
  const auto older = edgepost::parse_outbox_entry(R"({"id":"c-7","aff_id":7,"url":"https://a/"})");
  REQUIRE(older.has_value());
  CHECK(older->postback.conversion_id.empty());
  json hosted = json::parse(edgepost::encode(entry));
  hosted["attempts"] = 3;
  hosted["last_error"] = "HTTP 500";
  for (const auto& [name, state] : std::vector<std::pair<std::string, edgepost::OutboxState>>{
           {"pending", edgepost::OutboxState::pending},
           {"delivered", edgepost::OutboxState::delivered},
           {"dead", edgepost::OutboxState::dead}}) {
    hosted["state"] = name;
    const auto read = edgepost::parse_outbox_entry(hosted.dump());
    REQUIRE(read.has_value());
    CHECK(read->state == state);
    CHECK(edgepost::outbox_state_name(state) == name);
  }
  hosted["state"] = "queued";  // the Worker's word before one vocabulary
  CHECK_FALSE(edgepost::parse_outbox_entry(hosted.dump()).has_value());
  hosted.erase("state");  // written before states existed: pending
  CHECK(edgepost::parse_outbox_entry(hosted.dump())->state == edgepost::OutboxState::pending);
  hosted.erase("url");
  CHECK_FALSE(edgepost::parse_outbox_entry(hosted.dump()).has_value());
}

TEST_CASE("records: a click reads back as written, sub IDs in their order", "[records]") {
  const edgepost::ClickRecord click{
      "tid", 100, 7, 42, {{"aff_sub", "a b"}, {"source", "x"}}, "203.0.113.9", "DE", {"bot"}, 3};
  const auto parsed = edgepost::parse_click_record(edgepost::encode(click));
  REQUIRE(parsed.has_value());
  CHECK(parsed->sub_ids == click.sub_ids);
  CHECK(*parsed->sub_id("source") == "x");
  CHECK(parsed->sub_id("aff_sub2") == nullptr);
  CHECK(parsed->ip == "203.0.113.9");
  CHECK(parsed->country == "DE");
  CHECK(parsed->flags == std::vector<std::string>{"bot"});
  CHECK(parsed->advertiser_id == 3);
  const json event = json::parse(edgepost::click_event(click));
  CHECK(event["id"] == "click:tid");
  CHECK(event["aff_sub"] == "a b");
  CHECK(event["advertiser_id"] == 3);
  CHECK_FALSE(edgepost::parse_click_record(R"({"transaction_id":"t","offer_id":1})").has_value());
  // Written before the advertiser was kept: 0; a negative one is not a record.
  const std::string older = R"({"transaction_id":"t","offer_id":1,"aff_id":2,"time":3})";
  CHECK(edgepost::parse_click_record(older)->advertiser_id == 0);
  CHECK_FALSE(edgepost::parse_click_record(
                  R"({"transaction_id":"t","offer_id":1,"aff_id":2,"time":3,"advertiser_id":-1})")
                  .has_value());
  CHECK_FALSE(edgepost::parse_click_record("[]").has_value());
}

TEST_CASE("records: the stored click is compact, and a damaged one is refused", "[records]") {
  const edgepost::ClickRecord click{
      "tid", 100, 7, 42, {{"aff_sub", "a;b:c"}, {"aff_click_id", "z"}}, "", "DE", {"bot"}, 3};
  const std::string stored = edgepost::encode(click);
  CHECK(stored == "click/1|3:tid100;7;42;3;2;0;5:a;b:c6;1:z0:2:DE1;3:bot");
  for (std::size_t length = 0; length < stored.size(); ++length) {
    INFO(stored.substr(0, length));
    CHECK_FALSE(edgepost::parse_click_record(stored.substr(0, length)).has_value());
  }
  CHECK_FALSE(edgepost::parse_click_record(stored + "x").has_value());
  // A sub ID is stored by its place in kSubIdFields: a place past the end is damage.
  CHECK_FALSE(edgepost::parse_click_record("click/1|3:tid100;7;42;3;1;7;1:x0:0:0;").has_value());
  CHECK(edgepost::parse_click_record("click/1|3:tid100;7;42;3;1;6;1:x0:0:0;")->sub_ids ==
        std::vector<std::pair<std::string, std::string>>{{"aff_click_id", "x"}});
  // For people, the same record as JSON.
  const json shown = json::parse(edgepost::click_record_json(click));
  CHECK(shown["aff_sub"] == "a;b:c");
  CHECK(shown["flags"] == json::array({"bot"}));
  CHECK_FALSE(shown.contains("ip"));
}
