// The postback exchange end to end over an in-memory store: the fixture network's records
// (some replaced by arbitrary values), then a replay, then a replay of a damaged record.
// Input:
//   METHOD \n CONTENT-TYPE \n CLIENT-IP \n
//   OFFER AFF AGE [sign] \n   the click a transaction ID is minted for (AGE: seconds before now);
//                             "sign" appends the HMAC signature Globex (offer 200) requires
//   QUERY \n                  "TID" in the query or body stands for that minted ID
//   record lines ("offer=...", "affiliate=...", "click=...", "claim=..."; "-" removes the
//   record; "claim" replaces the stored conversion before the last replay) up to an empty
//   line, then the body.
// Property: every response body, stored value and event is JSON; a replay of a 200 is a 200.
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "edgepost/kv_keys.hpp"
#include "edgepost/postback.hpp"
#include "edgepost/postback_auth.hpp"
#include "edgepost/postback_exchange.hpp"
#include "fuzz_input.hpp"

namespace {

bool is_json(const std::string& text) {
  return !nlohmann::json::parse(text, nullptr, false).is_discarded();
}

using Store = std::map<std::string, std::string>;

// Runs the exchange to its end; returns its response.
edgepost::Response run(edgepost::Exchange& exchange, const edgepost::Snapshot& records,
                       Store& ledger) {
  edgepost::Response response;
  while (!exchange.finished()) {
    const edgepost::Command& command = exchange.command();
    edgepost::Outcome outcome;
    switch (command.kind) {
      case edgepost::CommandKind::read:
        for (const std::string& key : command.keys) {
          if (command.store == edgepost::Store::records) {
            if (const std::string* value = edgepost::lookup(records, key)) {
              outcome.values.emplace(key, *value);
            }
          } else if (const auto found = ledger.find(key); found != ledger.end()) {
            outcome.values.emplace(key, found->second);
          }
        }
        break;
      case edgepost::CommandKind::put_if_absent: {
        fuzz::require(command.store == edgepost::Store::ledger);
        const auto [at, won] = ledger.emplace(command.write.key, command.write.value);
        outcome.kind = won ? edgepost::OutcomeKind::won : edgepost::OutcomeKind::exists;
        if (!won) outcome.existing = at->second;
        break;
      }
      case edgepost::CommandKind::put:
        fuzz::require(is_json(command.write.value));
        ledger[command.write.key] = command.write.value;
        break;
      case edgepost::CommandKind::remove:
      case edgepost::CommandKind::list: fuzz::require(false); break;  // not a postback's
      case edgepost::CommandKind::enqueue: break;
      case edgepost::CommandKind::emit: fuzz::require(is_json(command.event)); break;
      case edgepost::CommandKind::respond:
        response = command.response;
        fuzz::require(response.status >= 200 && response.status <= 599);
        fuzz::require(is_json(response.body));
        break;
    }
    exchange.resolve(outcome);
  }
  return response;
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
  edgepost::Snapshot records = fuzz::fixture_records();
  if (!plan.refusal) {
    fuzz::require(plan.keys.size() == 3);
    fuzz::set_or_erase(records, edgepost::offer_key(plan.click.offer_id), overrides.offer);
    fuzz::set_or_erase(records, edgepost::affiliate_key(plan.click.affiliate_id),
                       overrides.affiliate);
    fuzz::set_or_erase(records, edgepost::click_key(plan.transaction_id), overrides.click);
  }
  const auto start = [&] {
    return edgepost::start_postback_exchange(request, fuzz::keys(),
                                             fuzz::environment(request.query));
  };
  Store ledger;
  const edgepost::Response first = run(*start(), records, ledger);
  fuzz::print_response(first);
  for (const auto& [key, value] : ledger) {
    if (key.rfind("claim/", 0) != 0) fuzz::require(is_json(value));
  }

  // A replay of what was just recorded gets the original answer, not an error.
  if (first.status == 200) fuzz::require(run(*start(), records, ledger).status == 200);
  // And a stored conversion holding anything at all is answered with JSON.
  if (overrides.claim) {
    for (auto& [key, value] : ledger) {
      if (key.rfind("conversion/", 0) == 0) value = *overrides.claim;
    }
    (void)run(*start(), records, ledger);
  }
  return 0;
}
