// What one request costs inside the library, natively: the click and the postback from
// plan to decision, with the primitives they are made of as baselines measured in the same
// run (a number alone says little on a shared, noisy machine; ratios travel better).
//   build/native/tests/bench/edgepost_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <string>

#include "edgepost/click.hpp"
#include "edgepost/click_id.hpp"
#include "edgepost/config_cache.hpp"
#include "edgepost/config_records.hpp"
#include "edgepost/form.hpp"
#include "edgepost/hmac.hpp"
#include "edgepost/postback.hpp"
#include "fixtures.hpp"  // the test network's config, shared with the unit tests

namespace {

edgepost::Snapshot records() {
  edgepost::Snapshot snapshot;
  auto config = edgepost::load_config(fixtures::kConfig);
  for (auto& record : edgepost::config_records(*config)) {
    snapshot.emplace(std::move(record.key), std::move(record.value));
  }
  return snapshot;
}

edgepost::KeyRing keys() {
  return *edgepost::parse_key_ring("1:" + std::string(64, 'a'), "1");
}

edgepost::Environment environment(const edgepost::KeyRing& ring) {
  edgepost::Environment env;
  env.now = fixtures::kNow;
  env.keys = &ring;
  return env;
}

edgepost::Request get(const std::string& path, const std::string& query) {
  edgepost::Request request;
  request.method = "GET";
  request.path = path;
  request.query = query;
  request.client_ip = "198.51.100.7";
  return request;
}

const std::string kClickQuery = "offer_id=100&aff_id=7&aff_sub=spring%20sale&source=newsletter";

void BM_Baseline_ParseQuery(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(edgepost::parse_form(kClickQuery, edgepost::kQueryLimits));
}
BENCHMARK(BM_Baseline_ParseQuery);

void BM_Baseline_HmacSha256(benchmark::State& state) {
  const std::string key(32, 'k');
  const std::string message(21, 'm');  // what a transaction ID signs
  for (auto _ : state) benchmark::DoNotOptimize(edgepost::hmac_sha256(key, message));
}
BENCHMARK(BM_Baseline_HmacSha256);

// What the ID path pays per request: the key ring's keys are prepared once, at parse time.
void BM_Baseline_HmacSha256PreparedKey(benchmark::State& state) {
  const edgepost::HmacSha256Key key(std::string(32, 'k'));
  const std::string message(21, 'm');
  for (auto _ : state) benchmark::DoNotOptimize(key.mac(message));
}
BENCHMARK(BM_Baseline_HmacSha256PreparedKey);

void BM_Baseline_MintClickId(benchmark::State& state) {
  const auto ring = keys();
  const edgepost::ClickId click{1, fixtures::kNow, 300, 7, {1, 2, 3, 4, 5, 6, 7, 8}};
  for (auto _ : state) benchmark::DoNotOptimize(edgepost::mint_click_id(click, ring));
}
BENCHMARK(BM_Baseline_MintClickId);

void BM_Baseline_VerifyClickId(benchmark::State& state) {
  const auto ring = keys();
  const std::string id =
      edgepost::mint_click_id({1, fixtures::kNow, 300, 7, {1, 2, 3, 4, 5, 6, 7, 8}}, ring);
  for (auto _ : state) benchmark::DoNotOptimize(edgepost::verify_click_id(id, ring));
}
BENCHMARK(BM_Baseline_VerifyClickId);

void BM_Baseline_ParseOfferRecord(benchmark::State& state) {
  const auto snapshot = records();
  const std::string& offer = snapshot.at("config/offer/300");
  for (auto _ : state) benchmark::DoNotOptimize(edgepost::parse_offer_record(offer));
}
BENCHMARK(BM_Baseline_ParseOfferRecord);

// Each request decodes its offer and affiliate records, as a WASI function (an instance per
// request) does; `cached`: the records stay decoded between requests, as in a Worker's isolate.
void click_plan_and_decide(benchmark::State& state, bool cached) {
  const auto snapshot = records();
  const auto ring = keys();
  edgepost::ConfigCache cache;
  auto env = environment(ring);
  if (cached) env.config_cache = &cache;
  const auto request = get("/click", kClickQuery);
  for (auto _ : state) {
    const auto plan = edgepost::plan_click(request);
    benchmark::DoNotOptimize(edgepost::decide_click(plan, snapshot, env));
  }
}
void BM_Click_PlanAndDecide(benchmark::State& state) {
  click_plan_and_decide(state, false);
}
BENCHMARK(BM_Click_PlanAndDecide);
void BM_Click_PlanAndDecideCached(benchmark::State& state) {
  click_plan_and_decide(state, true);
}
BENCHMARK(BM_Click_PlanAndDecideCached);

void postback_plan_and_decide(benchmark::State& state, bool cached) {
  auto snapshot = records();
  const auto ring = keys();
  edgepost::ConfigCache cache;
  auto env = environment(ring);
  if (cached) env.config_cache = &cache;
  const auto click =
      edgepost::decide_click(edgepost::plan_click(get("/click", kClickQuery)), snapshot, env);
  snapshot[click.writes[0].key] = click.writes[0].value;
  const std::string tid = click.writes[0].key.substr(6);
  const auto request = get(
      "/postback", "transaction_id=" + tid + "&security_token=acme-token-0123456789&adv_sub=A1");
  for (auto _ : state) {
    const auto plan = edgepost::plan_postback(request, ring);
    benchmark::DoNotOptimize(edgepost::decide_postback(plan, snapshot, env));
  }
}
void BM_Postback_PlanAndDecide(benchmark::State& state) {
  postback_plan_and_decide(state, false);
}
BENCHMARK(BM_Postback_PlanAndDecide);
void BM_Postback_PlanAndDecideCached(benchmark::State& state) {
  postback_plan_and_decide(state, true);
}
BENCHMARK(BM_Postback_PlanAndDecideCached);

void BM_Postback_ForgedIdRefused(benchmark::State& state) {
  const auto ring = keys();
  const auto env = environment(ring);
  const auto request = get("/postback", "transaction_id=" + std::string(47, 'c'));
  for (auto _ : state) {
    const auto plan = edgepost::plan_postback(request, ring);
    benchmark::DoNotOptimize(edgepost::decide_postback(plan, {}, env));
  }
}
BENCHMARK(BM_Postback_ForgedIdRefused);

}  // namespace

BENCHMARK_MAIN();
