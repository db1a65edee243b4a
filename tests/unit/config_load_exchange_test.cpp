// The config load exchange: records written, stale ones removed, under every fault.
#include "edgepost/config_load_exchange.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "exchange_model.hpp"
#include "fixtures.hpp"

using model::Fault;
using model::Run;
using model::Stores;
using nlohmann::json;

namespace {

std::unique_ptr<edgepost::Exchange> load(
    edgepost::ConfigLoadMode mode = edgepost::ConfigLoadMode::load) {
  return edgepost::start_config_load_exchange(std::string(fixtures::kConfig), mode);
}

// What was loaded before: an offer the config no longer has, and a click that is not config.
Stores before() {
  Stores stores;
  stores.records = {{"config/offer/999", "{}"}, {"config/offer/100", "old"}, {"click/x", "{}"}};
  return stores;
}

std::map<std::string, std::string> expected_records() {
  std::map<std::string, std::string> records{{"click/x", "{}"}};
  for (const auto& [key, value] : fixtures::all_records()) records.emplace(key, value);
  return records;
}

}  // namespace

TEST_CASE("config load: validate stores nothing; an invalid config is refused with its errors",
          "[config_load]") {
  Stores stores = before();
  Run validate(load(edgepost::ConfigLoadMode::validate));
  validate.to_end(stores);
  CHECK(validate.store_commands == 0);
  CHECK(json::parse(validate.responses.at(0).body) ==
        json{{"ok", true}, {"records", fixtures::all_records().size()}});

  Run invalid(edgepost::start_config_load_exchange(R"({"offers": [{"id": 0}]})",
                                                   edgepost::ConfigLoadMode::load));
  invalid.to_end(stores);
  CHECK(invalid.responses.at(0).status == 400);
  const json body = json::parse(invalid.responses.at(0).body);
  CHECK(body["ok"] == false);
  CHECK_FALSE(body["errors"].empty());
  CHECK(stores.records == before().records);
}

TEST_CASE("config load: records written, then the stale ones removed", "[config_load]") {
  Stores stores = before();
  Run run(load());
  run.to_end(stores);
  CHECK(run.responses.at(0).status == 200);
  CHECK(json::parse(run.responses.at(0).body) ==
        json{{"ok", true}, {"records", fixtures::all_records().size()}, {"removed", 1}});
  CHECK(stores.records == expected_records());
}

TEST_CASE("config load: every fault at every command; loading again completes it",
          "[config_load][faults]") {
  Stores clean = before();
  Run baseline(load());
  baseline.to_end(clean);
  std::size_t runs = 0;
  for (std::size_t k = 0; k < baseline.store_commands; ++k) {
    for (const model::FaultKind kind : model::kAllFaults) {
      INFO("fault at " << k << " kind " << int(kind));
      Stores stores = before();
      Run faulty(load(), Fault{k, kind});
      faulty.to_end(stores);
      for (const auto& response : faulty.responses) {
        CHECK((response.status == 200 || response.status == 503));
      }
      // Never none: every entity of the new config that existed before still exists.
      CHECK(stores.records.count("config/offer/100") == 1);
      Run again(load());
      again.to_end(stores);
      CHECK(again.responses.at(0).status == 200);
      CHECK(stores.records == expected_records());
      ++runs;
    }
  }
  std::printf("# config load faults: %zu runs\n", runs);
}
