// The click handler end to end: plan, then decide on the fixture network's records, some of
// them replaced by arbitrary values.
// Input: METHOD \n CONTENT-TYPE \n CLIENT-IP \n QUERY \n then record lines ("offer=...",
// "affiliate=...", a value of "-" removes the record) up to an empty line, then the body.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "edgepost/click.hpp"
#include "edgepost/click_record.hpp"
#include "edgepost/kv_keys.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input input(data, size);
  edgepost::Request request = fuzz::request_head(input, "/click");
  request.query = std::string(input.line());
  const fuzz::RecordOverrides overrides = fuzz::read_overrides(input);
  request.body = std::string(input.rest());

  const edgepost::ClickPlan plan = edgepost::plan_click(request);
  edgepost::Snapshot snapshot = fuzz::fixture_records();
  if (!plan.refusal) {
    fuzz::require(plan.keys.size() == 3);  // offer, affiliate, cap closures
    fuzz::set_or_erase(snapshot, edgepost::offer_key(plan.offer_id), overrides.offer);
    fuzz::set_or_erase(snapshot, edgepost::affiliate_key(plan.affiliate_id), overrides.affiliate);
  }
  const edgepost::Decision decision =
      edgepost::decide_click(plan, snapshot, fuzz::environment(request.query));

  fuzz::print_response(decision.response);
  fuzz::require(decision.response.status >= 200 && decision.response.status <= 599);
  if (decision.response.status == 302) {
    fuzz::require(!decision.response.headers.empty() &&
                  decision.response.headers.front().name == "location");
  }
  // The click record is stored compact (click_record.hpp): what is written reads back.
  for (const edgepost::KvWrite& write : decision.writes) {
    fuzz::require(edgepost::parse_click_record(write.value).has_value());
  }
  for (const std::string& event : decision.events) {
    fuzz::require(!nlohmann::json::parse(event, nullptr, false).is_discarded());
  }
  return 0;
}
