// The exchange's JSON form, as the Worker's loop speaks it (exchange_wire.hpp).
#include "edgepost/exchange_wire.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "edgepost/click_record.hpp"
#include "edgepost/config_cache.hpp"
#include "edgepost/config_records.hpp"
#include "edgepost/hex.hpp"
#include "edgepost/kv_keys.hpp"
#include "fixtures.hpp"

using nlohmann::json;

namespace {

json start_json(const std::string& exchange, const std::string& query) {
  return json{{"exchange", exchange},
              {"request",
               {{"method", "GET"},
                {"path", "/" + exchange},
                {"query", query},
                {"headers", json::array({json::array({"User-Agent", "test"})})},
                {"body", ""},
                {"client_ip", "198.51.100.7"}}},
              {"env",
               {{"now", fixtures::kNow},
                {"entropy", edgepost::to_hex(fixtures::env().entropy)},
                {"signing_keys", "1:" + std::string(64, 'a') + ",2:" + std::string(64, 'b')},
                {"signing_key_id", "1"}}}};
}

json command_of(const edgepost::Exchange& exchange) {
  return json::parse(edgepost::encode_command(exchange.command()));
}

edgepost::Outcome outcome(const json& value) {
  auto decoded = edgepost::decode_outcome(value.dump());
  REQUIRE(decoded.has_value());
  return *decoded;
}

}  // namespace

TEST_CASE("wire: a click exchange driven through JSON alone", "[exchange_wire]") {
  auto started = edgepost::start_exchange(start_json("click", "offer_id=100&aff_id=7").dump());
  REQUIRE(started.has_value());
  edgepost::Exchange& click = **started;
  CHECK(command_of(click) ==
        json{{"kind", "read"},
             {"store", "records"},
             {"keys", {"config/offer/100", "config/affiliate/7", "capped/offer/100"}},
             {"max_age", edgepost::kDefaultConfigMaxAgeSeconds}});

  json values;
  for (const auto& [key, value] : fixtures::all_records()) values[key] = value;
  click.resolve(outcome({{"kind", "done"}, {"values", values}}));
  const json respond = command_of(click);
  CHECK(respond["kind"] == "respond");
  CHECK(respond["response"]["status"] == 302);
  CHECK(respond["response"]["headers"][0][0] == "location");
  click.resolve(outcome({{"kind", "done"}}));

  const json put = command_of(click);
  CHECK(put["kind"] == "put");
  CHECK(put["store"] == "records");
  CHECK(put["key"].get<std::string>().rfind("click/", 0) == 0);
  CHECK(put["ttl"] == 30 * 24 * 3600);
  CHECK(put["durable"] == false);  // a click record may be lost: the signed ID attributes
  CHECK(edgepost::parse_click_record(put["value"].get<std::string>()).has_value());
  click.resolve(outcome({{"kind", "failed"}, {"error", "KV down"}}));

  // The click event, then the store failure's event; then the exchange is over.
  CHECK(command_of(click)["kind"] == "emit");
  click.resolve(outcome({{"kind", "done"}}));
  const json problem = json::parse(command_of(click)["event"].get<std::string>());
  CHECK(problem["what"] == "click not stored");
  CHECK(problem["detail"].get<std::string>().find("KV down") != std::string::npos);
  click.resolve(outcome({{"kind", "done"}}));
  CHECK(click.finished());
}

namespace {

// The landing page a click exchange started with `cache` redirects to, given these records.
std::string landing_of_click(edgepost::ConfigCache& cache, const edgepost::Snapshot& records) {
  auto started =
      edgepost::start_exchange(start_json("click", "offer_id=100&aff_id=7").dump(), &cache);
  REQUIRE(started.has_value());
  json values;
  for (const auto& [key, value] : records) values[key] = value;
  (*started)->resolve(outcome({{"kind", "done"}, {"values", values}}));
  const json respond = command_of(**started);
  REQUIRE(respond["response"]["status"] == 302);
  return respond["response"]["headers"][0][1];
}

}  // namespace

TEST_CASE("wire: a host's config cache serves every exchange, and a changed record replaces it",
          "[exchange_wire][cache]") {
  edgepost::ConfigCache cache;
  auto records = fixtures::all_records();
  const std::string first = landing_of_click(cache, records);
  CHECK(cache.decodes() == 2);  // the offer and the affiliate
  CHECK(landing_of_click(cache, records) == first);
  CHECK(cache.decodes() == 2);  // the second click decoded nothing

  // A config load changed the offer's URL: the next click in the same instance follows it.
  auto config = fixtures::config();
  config.offers[0].landing = *edgepost::parse_url_template(
      "https://shop.example/v2?tid={transaction_id}", edgepost::MacroSet::click);
  for (const auto& record : edgepost::config_records(config)) {
    if (record.key == edgepost::offer_key(100)) records[record.key] = record.value;
  }
  const std::string second = landing_of_click(cache, records);
  CHECK(second.rfind("https://shop.example/v2?tid=", 0) == 0);
  CHECK(second != first);
  CHECK(cache.decodes() == 3);
}

TEST_CASE("wire: a click's config read says how old a kept copy may be, as the host's env sets",
          "[exchange_wire]") {
  const auto started = [](const json& max_age) {
    json start = start_json("click", "offer_id=100&aff_id=7");
    start["env"]["config_max_age"] = max_age;
    auto exchange = edgepost::start_exchange(start.dump());
    REQUIRE(exchange.has_value());
    return std::move(*exchange);
  };
  // A number, or the text of a Worker's setting as it is.
  for (const json& five : {json(5), json("5")}) CHECK(command_of(*started(five))["max_age"] == 5);
  CHECK(command_of(*started(3600))["max_age"] == 3600);
  CHECK_FALSE(command_of(*started("0")).contains("max_age"));  // the store itself, every time

  // A setting that is not whole seconds up to an hour stops nothing: the default applies and
  // each click says why in an error event.
  for (const json& bad : {json(-1), json(1.5), json(3601), json("30s"), json(""), json("1e16"),
                          json("-1"), json(nullptr)}) {
    INFO("config_max_age " << bad.dump());
    auto click = started(bad);
    const json event = command_of(*click);
    REQUIRE(event["kind"] == "emit");
    const json problem = json::parse(event["event"].get<std::string>());
    CHECK(problem["type"] == "error");
    CHECK(problem["detail"].get<std::string>().rfind("config_max_age " + bad.dump() + " ignored",
                                                     0) == 0);
    click->resolve(outcome({{"kind", "done"}}));
    CHECK(command_of(*click)["max_age"] == edgepost::kDefaultConfigMaxAgeSeconds);
  }
}

TEST_CASE("wire: outcomes of every kind, and what is refused", "[exchange_wire]") {
  const auto exists = outcome({{"kind", "exists"}, {"existing", "abc"}});
  CHECK(exists.kind == edgepost::OutcomeKind::exists);
  CHECK(exists.existing == "abc");
  CHECK(outcome({{"kind", "won"}}).kind == edgepost::OutcomeKind::won);
  const auto failed = outcome({{"kind", "failed"}, {"error", "down"}});
  CHECK(failed.kind == edgepost::OutcomeKind::failed);
  CHECK(failed.error == "down");
  const auto read = outcome({{"kind", "done"}, {"values", {{"k", "v"}}}});
  CHECK(read.values.at("k") == "v");

  for (const std::string bad : {"", "[]", R"({"kind":"maybe"})", R"({"kind":"done","values":[]})",
                                R"({"kind":"done","values":{"k":1}})"}) {
    INFO(bad);
    CHECK_FALSE(edgepost::decode_outcome(bad).has_value());
  }
}

TEST_CASE("wire: a start that is not one is refused with the reason", "[exchange_wire]") {
  const auto refused = [](const json& start) {
    auto result = edgepost::start_exchange(start.dump());
    REQUIRE_FALSE(result.has_value());
    return result.error();
  };
  json start = start_json("postback", "tid=x");
  CHECK(edgepost::start_exchange(start.dump()).has_value());

  CHECK(refused(json::array()) == "start is not a JSON object");
  json no_env = start;
  no_env.erase("env");
  CHECK(refused(no_env) == "env is missing");
  json bad_entropy = start;
  bad_entropy["env"]["entropy"] = "00";
  CHECK(refused(bad_entropy).find("entropy") != std::string::npos);
  json bad_keys = start;
  bad_keys["env"]["signing_keys"] = "";
  CHECK(refused(bad_keys).rfind("signing keys: ", 0) == 0);
  json bad_header = start;
  bad_header["request"]["headers"] = json::array({json::array({"only-a-name"})});
  CHECK(refused(bad_header) == "request is missing or malformed");
  json unknown = start;
  unknown["exchange"] = "refund";
  CHECK(refused(unknown) == "unknown exchange 'refund'");
}

TEST_CASE("wire: every command kind encodes", "[exchange_wire]") {
  edgepost::Command command;
  command.kind = edgepost::CommandKind::put_if_absent;
  command.store = edgepost::Store::ledger;
  command.write = {"claim/x", "id", 0};
  CHECK(json::parse(edgepost::encode_command(command)) == json{{"kind", "put_if_absent"},
                                                               {"store", "ledger"},
                                                               {"key", "claim/x"},
                                                               {"value", "id"},
                                                               {"ttl", 0},
                                                               {"durable", true}});
  command.write.durability = edgepost::Durability::by_answer;
  const json grouped = json::parse(edgepost::encode_command(command));
  CHECK(grouped["durable"] == true);
  CHECK(grouped["by_answer"] == true);
  command.kind = edgepost::CommandKind::enqueue;
  command.postback = {"c-7", 7, "https://aff.example/", "c", "tid", ""};
  CHECK(json::parse(edgepost::encode_command(command)) ==
        json{{"kind", "enqueue"},
             {"postback", {{"id", "c-7"}, {"aff_id", 7}, {"url", "https://aff.example/"}}}});
  command.kind = edgepost::CommandKind::emit;
  command.event = R"({"type":"x"})";
  CHECK(json::parse(edgepost::encode_command(command))["event"] == R"({"type":"x"})");
}
