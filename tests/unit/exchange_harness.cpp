#include "exchange_harness.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <tuple>

#include "edgepost/config_records.hpp"
#include "edgepost/config_validation.hpp"
#include "edgepost/kv_keys.hpp"
#include "edgepost/postback_exchange.hpp"

namespace harness {

using nlohmann::json;

Stores fresh_stores() {
  Stores stores;
  for (const auto& [key, value] : fixtures::all_records()) stores.records.emplace(key, value);
  return stores;
}

Stores stores_with_offer_100(const std::function<void(json& offer)>& edit) {
  json config = json::parse(fixtures::kConfig);
  for (json& offer : config["offers"]) {
    if (offer["id"] == 100) edit(offer);
  }
  const auto loaded = edgepost::load_config(config.dump());
  REQUIRE(loaded.has_value());
  Stores stores;
  for (const auto& record : edgepost::config_records(*loaded)) {
    stores.records.emplace(record.key, record.value);
  }
  return stores;
}

std::unique_ptr<edgepost::Exchange> postback(const std::string& query, std::int64_t now,
                                             std::uint8_t seed) {
  return edgepost::start_postback_exchange(fixtures::get("/postback", query), fixtures::keys(),
                                           fixtures::env(now, seed));
}

json body(const edgepost::Response& response) {
  return json::parse(response.body);
}

std::optional<edgepost::ConversionRecord> stored(const Stores& stores, const std::string& cid) {
  const auto found = stores.ledger.find(edgepost::conversion_key(cid));
  if (found == stores.ledger.end()) return std::nullopt;
  return edgepost::parse_conversion_record(found->second);
}

std::optional<edgepost::ConversionRecord> current(const Stores& stores, const std::string& cid) {
  auto record = stored(stores, cid);
  if (!record) return record;
  for (;;) {
    const auto next = stores.ledger.find(
        edgepost::status_change_key(cid, static_cast<std::uint32_t>(record->changes.size() + 1)));
    if (next == stores.ledger.end()) return record;
    const auto change = edgepost::parse_status_change(next->second);
    REQUIRE(change.has_value());
    record = edgepost::with_change(std::move(*record), *change);
  }
}

bool emitted(const Stores& stores, const std::string& type, const std::string& id) {
  for (const std::string& text : stores.events) {
    const json event = json::parse(text);
    if (event["type"] == type && event["id"] == id) return true;
  }
  return false;
}

void check_acknowledged(const Stores& stores, const edgepost::Response& response,
                        const std::string& expected_cid) {
  INFO(response.body);
  REQUIRE(response.status == 200);
  const std::string cid = body(response)["conversion_id"];
  CHECK(cid == expected_cid);
  const auto record = stored(stores, cid);
  REQUIRE(record.has_value());
  CHECK(record->stage == edgepost::ConversionStage::complete);
  for (const std::string& claim : record->claims) CHECK(stores.ledger.at(claim) == cid);
  for (const auto& postback : record->postbacks) {
    CHECK(stores.ledger.count(edgepost::outbox_key(postback.id)) == 1);
  }
  CHECK(emitted(stores, "conversion", "conversion:" + cid));
}

// Each change a record holds is the one committed under its sequence, and the committed
// changes follow each other without a gap.
void check_changes(const Stores& stores) {
  for (const auto& [key, value] : stores.ledger) {
    if (key.rfind("change/", 0) == 0) {
      const auto change = edgepost::parse_status_change(value);
      REQUIRE(change.has_value());
      const std::string cid = key.substr(7, key.find('/', 7) - 7);
      const auto record = stored(stores, cid);
      REQUIRE(record.has_value());
      INFO(key);
      CHECK(change->sequence <= current(stores, cid)->changes.size());
      continue;
    }
    if (key.rfind("conversion/", 0) != 0) continue;
    const auto record = edgepost::parse_conversion_record(value);
    REQUIRE(record.has_value());
    for (const edgepost::StatusChange& change : record->changes) {
      const auto committed =
          stores.ledger.find(edgepost::status_change_key(record->conversion_id, change.sequence));
      REQUIRE(committed != stores.ledger.end());
      CHECK(committed->second == edgepost::encode(change));
    }
  }
}

void check_invariants(const Stores& stores) {
  std::map<std::string, std::string> owner;
  std::set<std::tuple<std::uint32_t, std::string, std::string>> orders;
  for (const auto& [key, value] : stores.ledger) {
    if (key.rfind("conversion/", 0) != 0) continue;
    const auto record = edgepost::parse_conversion_record(value);
    REQUIRE(record.has_value());
    CHECK(key == edgepost::conversion_key(record->conversion_id));
    for (const std::string& claim : record->claims) {
      CHECK(stores.ledger.at(claim) == record->conversion_id);
      CHECK(owner.emplace(claim, record->conversion_id).second);
    }
    for (const auto& [name, adv_sub] : record->adv_subs) {
      if (name == "adv_sub") {
        CHECK(orders.emplace(record->advertiser_id, record->goal, adv_sub).second);
      }
    }
  }
  check_changes(stores);
  for (const auto& [key, writes] : stores.outbox_writes) {
    INFO(key);
    CHECK(writes == 1);
  }
  CHECK(stores.unsynced_ledger_writes.empty());
  std::map<std::string, std::string> events_by_id;
  for (const std::string& text : stores.events) {
    json event = json::parse(text);
    if (event["type"] != "conversion" && event["type"] != "status_change") continue;
    const std::string cid = event["conversion_id"];
    CHECK(stored(stores, cid).has_value());
    const auto [at, first] = events_by_id.emplace(event["id"], text);
    if (!first) CHECK(at->second == text);
  }
}

std::string conversion_of(const Run& run) {
  REQUIRE(run.responses.size() == 1);
  return body(run.responses[0])["conversion_id"];
}

std::size_t explore(World world, const std::function<void(World&)>& leaf) {
  for (Run& run : world.runs) run.settle_commuting(world.stores);
  std::size_t schedules = 0;
  bool any = false;
  for (std::size_t i = 0; i < world.runs.size(); ++i) {
    if (world.runs[i].done()) continue;
    any = true;
    World next = world;
    next.runs[i].step(next.stores);
    schedules += explore(std::move(next), leaf);
  }
  if (!any) {
    leaf(world);
    return 1;
  }
  return schedules;
}

std::unique_ptr<edgepost::Exchange> status_api(const std::string& cid, const std::string& text,
                                               std::int64_t now, std::uint8_t seed,
                                               std::string_view token) {
  edgepost::Request request =
      fixtures::post("/api/conversions/" + cid + "/status", "application/json", text);
  request.headers.push_back({"authorization", "Bearer " + std::string(token)});
  return edgepost::start_status_api_exchange(request, kAdminToken, fixtures::env(now, seed));
}

}  // namespace harness
