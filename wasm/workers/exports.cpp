// The Emscripten exports the Worker calls: the library's plan and decide steps with JSON text
// in and JSON text out, so the JS side needs no knowledge of C++ layouts and the C++ side
// needs no JS imports (time, entropy and secrets arrive in the input).
//
// Every export takes one NUL-terminated UTF-8 JSON text and returns one that stays valid
// until the next call. Malformed input answers {"error": "..."}; nothing here aborts.
//
// The "plan state" handed from plan to decide is the request itself: plan_click and
// plan_postback are pure functions of the request (and the key ring), so decide re-plans
// instead of serializing Params and ClickId across the boundary.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "edgepost/click.hpp"
#include "edgepost/config.hpp"
#include "edgepost/partner_target.hpp"
#include "edgepost/hex.hpp"
#include "edgepost/json_text.hpp"
#include "edgepost/postback.hpp"

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

// {"method","path","query","headers":[[name,value],...],"body","client_ip"}
std::optional<Request> parse_request(const json& input) {
  const auto found = input.find("request");
  if (found == input.end() || !found->is_object()) return std::nullopt;
  const json& r = *found;
  Request request;
  request.method = text_at(r, "method");
  request.path = text_at(r, "path");
  request.query = text_at(r, "query");
  request.body = text_at(r, "body");
  request.client_ip = text_at(r, "client_ip");
  const auto headers = r.find("headers");
  if (headers != r.end() && headers->is_array()) {
    for (const json& pair : *headers) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
        return std::nullopt;
      request.headers.push_back(
          Header{to_lower_ascii(pair[0].get<std::string>()), pair[1].get<std::string>()});
    }
  }
  return request;
}

// {"signing_keys","signing_key_id"}: Worker secrets, parsed per call (a few bytes of text).
std::optional<KeyRing> parse_keys(const json& env, std::string& error) {
  auto ring = parse_key_ring(text_at(env, "signing_keys"), text_at(env, "signing_key_id"));
  if (!ring) {
    error = "signing keys: " + std::string(key_ring_error_message(ring.error()));
    return std::nullopt;
  }
  return std::move(*ring);
}

// {"now": unix seconds, "entropy": 32 hex digits, ...keys}
bool parse_environment(const json& env, Environment& out) {
  const auto now = env.find("now");
  if (now == env.end() || !now->is_number_integer()) return false;
  out.now = now->get<std::int64_t>();
  const auto bytes = from_hex(text_at(env, "entropy"));
  if (!bytes || bytes->size() != out.entropy.size()) return false;
  std::copy(bytes->begin(), bytes->end(), reinterpret_cast<char*>(out.entropy.data()));
  return true;
}

std::optional<Snapshot> parse_snapshot(const json& input) {
  const auto found = input.find("snapshot");
  if (found == input.end() || !found->is_object()) return std::nullopt;
  Snapshot snapshot;
  for (const auto& [key, value] : found->items()) {
    if (!value.is_string()) return std::nullopt;
    snapshot.emplace(key, value.get<std::string>());
  }
  return snapshot;
}

json writes_json(const std::vector<KvWrite>& writes) {
  json out = json::array();
  for (const KvWrite& w : writes)
    out.push_back({{"key", w.key}, {"value", w.value}, {"ttl", w.ttl_seconds}});
  return out;
}

json decision_json(const Decision& decision) {
  json headers = json::array();
  for (const Header& h : decision.response.headers) headers.push_back({h.name, h.value});
  json postbacks = json::array();
  for (const PartnerPostback& p : decision.postbacks) {
    postbacks.push_back({{"id", p.id}, {"aff_id", p.affiliate_id}, {"url", p.url}});
  }
  return json{{"response",
               {{"status", decision.response.status},
                {"headers", headers},
                {"body", decision.response.body}}},
              {"claims", writes_json(decision.claims)},
              {"writes", writes_json(decision.writes)},
              {"postbacks", postbacks},
              {"events", decision.events},
              {"replay_keys", decision.replay_keys}};
}

// What every step needs: the parsed input, the request, the key ring.
struct Call {
  json input;
  Request request;
  KeyRing keys;
  Environment env;
};

std::optional<Call> open_call(const char* text, bool with_environment, std::string& error) {
  auto input = parse_input(text);
  if (!input) {
    error = "input is not a JSON object";
    return std::nullopt;
  }
  auto request = parse_request(*input);
  if (!request) {
    error = "request is missing or malformed";
    return std::nullopt;
  }
  const auto env = input->find("env");
  if (env == input->end() || !env->is_object()) {
    error = "env is missing";
    return std::nullopt;
  }
  auto keys = parse_keys(*env, error);
  if (!keys) return std::nullopt;
  Call call{std::move(*input), std::move(*request), std::move(*keys), {}};
  if (with_environment && !parse_environment(call.input["env"], call.env)) {
    error = "env needs now (integer seconds) and entropy (32 hex digits)";
    return std::nullopt;
  }
  return call;
}

json keys_json(const std::optional<Refusal>& refusal, const std::vector<std::string>& keys) {
  // A refused request reads nothing: decide answers the refusal from an empty snapshot.
  return json{{"keys", refusal ? std::vector<std::string>{} : keys}};
}

}  // namespace
}  // namespace edgepost::workers

using namespace edgepost;
using namespace edgepost::workers;

extern "C" {

// {"request", "env"} -> {"keys": [...]}
EMSCRIPTEN_KEEPALIVE const char* ep_plan_click(const char* input) {
  std::string error;
  const auto call = open_call(input, false, error);
  if (!call) return fail(error);
  const ClickPlan plan = edgepost::plan_click(call->request);
  return answer(keys_json(plan.refusal, plan.keys));
}

// {"request", "snapshot", "env"} -> decision
EMSCRIPTEN_KEEPALIVE const char* ep_decide_click(const char* input) {
  std::string error;
  auto call = open_call(input, true, error);
  if (!call) return fail(error);
  const auto snapshot = parse_snapshot(call->input);
  if (!snapshot) return fail("snapshot must map keys to strings");
  call->env.keys = &call->keys;
  const ClickPlan plan = edgepost::plan_click(call->request);
  return answer(decision_json(edgepost::decide_click(plan, *snapshot, call->env)));
}

// {"request", "env"} -> {"keys": [...]}
EMSCRIPTEN_KEEPALIVE const char* ep_plan_postback(const char* input) {
  std::string error;
  const auto call = open_call(input, false, error);
  if (!call) return fail(error);
  const PostbackPlan plan = edgepost::plan_postback(call->request, call->keys);
  return answer(keys_json(plan.refusal, plan.keys));
}

// {"request", "snapshot", "env"} -> decision
EMSCRIPTEN_KEEPALIVE const char* ep_decide_postback(const char* input) {
  std::string error;
  auto call = open_call(input, true, error);
  if (!call) return fail(error);
  const auto snapshot = parse_snapshot(call->input);
  if (!snapshot) return fail("snapshot must map keys to strings");
  call->env.keys = &call->keys;
  const PostbackPlan plan = edgepost::plan_postback(call->request, call->keys);
  return answer(decision_json(edgepost::decide_postback(plan, *snapshot, call->env)));
}

// {"claim": stored claim value, "now"} -> decision
EMSCRIPTEN_KEEPALIVE const char* ep_decide_duplicate(const char* input) {
  const auto parsed = parse_input(input);
  if (!parsed) return fail("input is not a JSON object");
  const auto now = parsed->find("now");
  if (now == parsed->end() || !now->is_number_integer()) return fail("now is missing");
  const std::string claim = text_at(*parsed, "claim");
  return answer(decision_json(edgepost::decide_duplicate(claim, now->get<std::int64_t>())));
}

// {"host": a URL's host} -> {"refused": why a partner postback may not go there, or null}
EMSCRIPTEN_KEEPALIVE const char* ep_partner_target(const char* input_text) {
  const auto input = parse_input(input_text);
  if (!input) return fail("input is not a JSON object");
  const auto reason = edgepost::non_public_host_reason(text_at(*input, "host"));
  return answer(json{{"refused", reason ? json(std::string(*reason)) : json(nullptr)}});
}

// config JSON text, and the config keys stored now as a JSON array of strings (null or "" for
// none) -> {"ok":true,"records":[{"key","value"}],"deletes":[key,...]} or
// {"ok":false,"errors":[...]}. The deletes are what the upload must remove after writing.
EMSCRIPTEN_KEEPALIVE const char* ep_config_records(const char* config_text, const char* stored_keys) {
  const auto config = edgepost::load_config(config_text ? config_text : "");
  if (!config) {
    json errors = json::array();
    for (const ConfigError& e : config.error()) errors.push_back(describe(e));
    return answer(json{{"ok", false}, {"errors", errors}});
  }
  std::vector<std::string> stored;
  if (stored_keys != nullptr && *stored_keys != '\0') {
    const json keys = json::parse(stored_keys, nullptr, false);
    if (keys.is_discarded() || !keys.is_array()) return fail("stored keys must be a JSON array of strings");
    for (const json& key : keys) {
      if (!key.is_string()) return fail("stored keys must be a JSON array of strings");
      stored.push_back(key.get<std::string>());
    }
  }
  const auto written = config_records(*config);
  json records = json::array();
  for (const ConfigRecord& r : written) records.push_back({{"key", r.key}, {"value", r.value}});
  return answer(json{{"ok", true}, {"records", records}, {"deletes", stale_config_keys(written, stored)}});
}

}  // extern "C"
