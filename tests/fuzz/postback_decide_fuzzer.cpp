// The postback handler end to end: plan, decide on the fixture network's records (some
// replaced by arbitrary values), and the answer to a replay.
// Input:
//   METHOD \n CONTENT-TYPE \n CLIENT-IP \n
//   OFFER AFF AGE [sign] \n   the click a transaction ID is minted for (AGE: seconds before now);
//                             "sign" appends the HMAC signature Globex (offer 200) requires
//   QUERY \n                  "TID" in the query or body stands for that minted ID
//   record lines ("offer=...", "affiliate=...", "click=...", "claim=..."; "-" removes the
//   record) up to an empty line, then the body.
// Property: every response body is JSON, and so is everything stored.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "edgepost/kv_keys.hpp"
#include "edgepost/postback.hpp"
#include "edgepost/postback_auth.hpp"
#include "fuzz_input.hpp"

namespace {

bool is_json(const std::string& text) {
  return !nlohmann::json::parse(text, nullptr, false).is_discarded();
}

void check(const edgepost::Decision& decision) {
  fuzz::require(decision.response.status >= 200 && decision.response.status <= 599);
  fuzz::require(is_json(decision.response.body));
  for (const edgepost::KvWrite& claim : decision.claims) fuzz::require(is_json(claim.value));
  for (const edgepost::KvWrite& write : decision.writes) fuzz::require(is_json(write.value));
  for (const std::string& event : decision.events) fuzz::require(is_json(event));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input input(data, size);
  edgepost::Request request = fuzz::request_head(input, "/postback");
  const std::string_view click_line = input.line();
  request.query = std::string(input.line());
  const fuzz::RecordOverrides overrides = fuzz::read_overrides(input);
  request.body = std::string(input.rest());

  const std::int64_t now = fixtures::kNow;
  edgepost::ClickId click;
  click.offer_id = static_cast<std::uint32_t>(fuzz::number_at(click_line, 0, 100));
  click.affiliate_id = static_cast<std::uint32_t>(fuzz::number_at(click_line, 1, 7));
  click.click_time = static_cast<std::uint32_t>(
      now - static_cast<std::int64_t>(fuzz::number_at(click_line, 2, 60) % (now + 1000)));
  click.nonce = {1, 2, 3, 4, 5, 6, 7, 8};
  const std::string minted = edgepost::mint_click_id(click, fuzz::keys());
  fuzz::replace_all(request.query, "TID", minted);
  fuzz::replace_all(request.body, "TID", minted);
  if (click_line.find("sign") != std::string_view::npos) {
    if (const auto params = edgepost::read_params(request, edgepost::Endpoint::postback)) {
      request.query += (request.query.empty() ? "signature=" : "&signature=") +
                       edgepost::sign_postback(fixtures::kHmacSecret, params->received);
    }
  }

  const edgepost::PostbackPlan plan = edgepost::plan_postback(request, fuzz::keys());
  edgepost::Snapshot snapshot = fuzz::fixture_records();
  if (!plan.refusal) {
    fuzz::require(plan.keys.size() == 3);
    fuzz::set_or_erase(snapshot, edgepost::offer_key(plan.click.offer_id), overrides.offer);
    fuzz::set_or_erase(snapshot, edgepost::affiliate_key(plan.click.affiliate_id),
                       overrides.affiliate);
    fuzz::set_or_erase(snapshot, edgepost::click_key(plan.transaction_id), overrides.click);
  }
  const edgepost::Decision decision =
      edgepost::decide_postback(plan, snapshot, fuzz::environment(request.query));
  fuzz::print_decision(decision);
  check(decision);

  // A replay of what was just claimed gets the original answer, not an error.
  if (!decision.claims.empty()) {
    const edgepost::Decision replay =
        edgepost::decide_duplicate(decision.claims.front().value, now);
    check(replay);
    fuzz::require(replay.response.status == 200);
  }
  // And a claim holding anything at all is answered with JSON.
  if (overrides.claim) check(edgepost::decide_duplicate(*overrides.claim, now));
  return 0;
}
