// The Emscripten exports the Worker calls: the library's exchanges, driven by the Worker's
// loop (wasm/workers/src/worker.mjs) and by the config upload (config-records.mjs), plus the
// partner-target policy.
// The wire format is the library's (lib/include/edgepost/exchange_wire.hpp); this file only
// keeps the exchanges alive between the loop's calls.
//
// Every export takes one NUL-terminated UTF-8 JSON text and returns one that stays valid
// until the next call. Malformed input answers {"error": "..."}; nothing here aborts.
#include <emscripten/emscripten.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "edgepost/config_cache.hpp"
#include "edgepost/exchange_wire.hpp"
#include "edgepost/json_text.hpp"
#include "edgepost/partner_target.hpp"

namespace edgepost::workers {
namespace {

using nlohmann::json;

// The last answer; the JS side copies it out before its next call.
std::string g_answer;

const char* answer(const json& value) {
  g_answer = to_json_text(value);
  return g_answer.c_str();
}

const char* fail(std::string_view message) {
  return answer(json{{"error", message}});
}

std::string text_at(const json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string{};
}

std::optional<json> parse_input(const char* text) {
  json input = json::parse(text ? text : "", nullptr, false);
  if (input.is_discarded() || !input.is_object()) return std::nullopt;
  return input;
}

// The exchanges under way in this isolate, by handle. A request the platform cancels never
// comes back to drop its exchange; past kMaxLive the oldest are dropped, so such leftovers
// cost bounded memory (a dropped exchange's request gets "unknown handle" and answers 503).
constexpr std::size_t kMaxLive = 1024;
std::map<std::uint32_t, std::unique_ptr<Exchange>> g_live;
std::uint32_t g_next_handle = 1;

// Config records stay decoded for the isolate's life; a record whose text changed in KV is
// decoded again (config_cache.hpp).
ConfigCache g_config_cache;

// {"command": ...} or {"finished": true}, dropping a finished exchange. The command is
// already JSON text: it goes in as it is, not parsed again to be written again.
const char* next(std::uint32_t handle) {
  const auto found = g_live.find(handle);
  if (found->second->finished()) {
    g_live.erase(found);
    return answer(json{{"handle", handle}, {"finished", true}});
  }
  g_answer = "{\"handle\":" + std::to_string(handle) +
             ",\"command\":" + encode_command(found->second->command()) + "}";
  return g_answer.c_str();
}

}  // namespace
}  // namespace edgepost::workers

using namespace edgepost;
using namespace edgepost::workers;

extern "C" {

// start (exchange_wire.hpp) -> {"handle", "command"}
EMSCRIPTEN_KEEPALIVE const char* ep_exchange_start(const char* input) {
  auto exchange = start_exchange(input ? input : "", &g_config_cache);
  if (!exchange) return fail(exchange.error());
  while (g_live.size() >= kMaxLive) g_live.erase(g_live.begin());
  const std::uint32_t handle = g_next_handle++;
  g_live.emplace(handle, std::move(*exchange));
  return next(handle);
}

// {"handle", "outcome"} -> {"handle", "command"} | {"handle", "finished": true}
EMSCRIPTEN_KEEPALIVE const char* ep_exchange_resume(const char* input_text) {
  const auto input = parse_input(input_text);
  if (!input) return fail("input is not a JSON object");
  const auto handle = input->find("handle");
  if (handle == input->end() || !handle->is_number_unsigned()) return fail("handle is missing");
  const auto found = g_live.find(handle->get<std::uint32_t>());
  if (found == g_live.end()) return fail("unknown handle: the exchange was dropped");
  const auto outcome_text = input->find("outcome");
  if (outcome_text == input->end()) return fail("outcome is missing");
  const auto outcome = decode_outcome_value(*outcome_text);
  if (!outcome) return fail(outcome.error());
  found->second->resolve(*outcome);
  return next(found->first);
}

// {"handle"} -> {}: the loop stopped early (the platform failed under it).
EMSCRIPTEN_KEEPALIVE const char* ep_exchange_drop(const char* input_text) {
  const auto input = parse_input(input_text);
  if (input) {
    const auto handle = input->find("handle");
    if (handle != input->end() && handle->is_number_unsigned()) {
      g_live.erase(handle->get<std::uint32_t>());
    }
  }
  return answer(json::object());
}

// {"host": a URL's host} -> {"refused": why a partner postback may not go there, or null}
EMSCRIPTEN_KEEPALIVE const char* ep_partner_target(const char* input_text) {
  const auto input = parse_input(input_text);
  if (!input) return fail("input is not a JSON object");
  const auto reason = edgepost::non_public_host_reason(text_at(*input, "host"));
  return answer(json{{"refused", reason ? json(std::string(*reason)) : json(nullptr)}});
}

}  // extern "C"
