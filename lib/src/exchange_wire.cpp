#include "edgepost/exchange_wire.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "edgepost/click_exchange.hpp"
#include "edgepost/config_load_exchange.hpp"
#include "edgepost/explain_api.hpp"
#include "edgepost/hex.hpp"
#include "edgepost/json_text.hpp"
#include "edgepost/postback_exchange.hpp"

namespace edgepost {
namespace {

using nlohmann::json;

std::string text_at(const json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string{};
}

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
  request.country = text_at(r, "country");
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

// The host's config max age: a JSON integer or its decimal text (a Worker passes its setting's
// text as it is), whole seconds up to the longest allowed.
std::optional<std::int64_t> config_max_age_of(const json& value) {
  std::uint64_t seconds = 0;
  if (value.is_number_unsigned()) {
    seconds = value.get<std::uint64_t>();
  } else if (value.is_number_integer()) {
    if (value.get<std::int64_t>() < 0) return std::nullopt;
    seconds = static_cast<std::uint64_t>(value.get<std::int64_t>());
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    const char* const last = text.data() + text.size();
    const auto [stop, status] = std::from_chars(text.data(), last, seconds);
    if (text.empty() || status != std::errc{} || stop != last) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (seconds > static_cast<std::uint64_t>(kLongestConfigMaxAgeSeconds)) return std::nullopt;
  return static_cast<std::int64_t>(seconds);
}

bool parse_environment(const json& env, Environment& out) {
  const auto now = env.find("now");
  if (now == env.end() || !now->is_number_integer()) return false;
  out.now = now->get<std::int64_t>();
  const auto bytes = from_hex(text_at(env, "entropy"));
  if (!bytes || bytes->size() != out.entropy.size()) return false;
  std::copy(bytes->begin(), bytes->end(), reinterpret_cast<char*>(out.entropy.data()));
  const auto max_age = env.find("config_max_age");
  if (max_age != env.end()) {
    if (const auto seconds = config_max_age_of(*max_age)) {
      out.config_max_age_seconds = *seconds;
    } else {
      out.config_max_age_problem = "config_max_age " + max_age->dump() +
                                   " ignored: whole seconds from 0 to " +
                                   std::to_string(kLongestConfigMaxAgeSeconds) + " (" +
                                   std::to_string(out.config_max_age_seconds) + " s applies)";
    }
  }
  return true;
}

std::string_view store_name(Store store) {
  return store == Store::ledger ? "ledger" : "records";
}

std::string_view kind_name(CommandKind kind) {
  switch (kind) {
    case CommandKind::read: return "read";
    case CommandKind::put_if_absent: return "put_if_absent";
    case CommandKind::put: return "put";
    case CommandKind::remove: return "remove";
    case CommandKind::list: return "list";
    case CommandKind::enqueue: return "enqueue";
    case CommandKind::emit: return "emit";
    case CommandKind::respond: return "respond";
  }
  return "respond";
}

json response_json(const Response& response) {
  json headers = json::array();
  for (const Header& h : response.headers) headers.push_back({h.name, h.value});
  return json{{"status", response.status}, {"headers", headers}, {"body", response.body}};
}

}  // namespace

Expected<std::unique_ptr<Exchange>, std::string> start_exchange(std::string_view start_json,
                                                                ConfigCache* config_cache) {
  const json input = json::parse(start_json, nullptr, false);
  if (!input.is_object()) return Unexpected{std::string("start is not a JSON object")};
  if (text_at(input, "exchange") == "config_load") {
    const std::string mode = text_at(input, "mode");
    if (mode != "load" && mode != "validate") {
      return Unexpected{std::string("mode must be load or validate")};
    }
    return start_config_load_exchange(
        text_at(input, "config"), mode == "load" ? ConfigLoadMode::load : ConfigLoadMode::validate);
  }
  auto request = parse_request(input);
  if (!request) return Unexpected{std::string("request is missing or malformed")};
  const auto env = input.find("env");
  if (env == input.end() || !env->is_object()) return Unexpected{std::string("env is missing")};
  Environment environment;
  if (!parse_environment(*env, environment)) {
    return Unexpected{std::string("env needs now (integer seconds) and entropy (32 hex digits)")};
  }
  environment.config_cache = config_cache;
  auto keys = parse_key_ring(text_at(*env, "signing_keys"), text_at(*env, "signing_key_id"));
  if (!keys) {
    return Unexpected{"signing keys: " + std::string(key_ring_error_message(keys.error()))};
  }
  const std::string kind = text_at(input, "exchange");
  if (kind == "click")
    return start_click_exchange(std::move(*request), std::move(*keys), environment);
  if (kind == "postback") {
    return start_postback_exchange(std::move(*request), std::move(*keys), environment);
  }
  if (kind == "status_api") {
    return start_status_api_exchange(*request, text_at(*env, "admin_token"), environment);
  }
  if (kind == "explain") {
    return start_explain_exchange(*request, text_at(*env, "admin_token"), std::move(*keys),
                                  environment);
  }
  return Unexpected{"unknown exchange '" + kind + "'"};
}

std::string encode_command(const Command& command) {
  json out{{"kind", kind_name(command.kind)}};
  switch (command.kind) {
    case CommandKind::read:
      out["store"] = store_name(command.store);
      out["keys"] = command.keys;
      if (command.max_age_seconds > 0) out["max_age"] = command.max_age_seconds;
      break;
    case CommandKind::put_if_absent:
    case CommandKind::put:
      out["store"] = store_name(command.store);
      out["key"] = command.write.key;
      out["value"] = command.write.value;
      out["ttl"] = command.write.ttl_seconds;
      out["durable"] = command.write.durability != Durability::unsynced;
      if (command.write.durability == Durability::by_answer) out["by_answer"] = true;
      break;
    case CommandKind::remove:
      out["store"] = store_name(command.store);
      out["key"] = command.write.key;
      break;
    case CommandKind::list:
      out["store"] = store_name(command.store);
      out["prefix"] = command.prefix;
      break;
    case CommandKind::enqueue:
      out["postback"] = {{"id", command.postback.id},
                         {"aff_id", command.postback.affiliate_id},
                         {"url", command.postback.url}};
      break;
    case CommandKind::emit: out["event"] = command.event; break;
    case CommandKind::respond: out["response"] = response_json(command.response); break;
  }
  return to_json_text(out);
}

Expected<Outcome, std::string> decode_outcome(std::string_view outcome_json) {
  return decode_outcome_value(json::parse(outcome_json, nullptr, false));
}

Expected<Outcome, std::string> decode_outcome_value(const nlohmann::json& input) {
  if (!input.is_object()) return Unexpected{std::string("outcome is not a JSON object")};
  const std::string kind = text_at(input, "kind");
  Outcome outcome;
  if (kind == "done") {
    const auto values = input.find("values");
    if (values != input.end()) {
      if (!values->is_object()) return Unexpected{std::string("values must be an object")};
      for (const auto& [key, value] : values->items()) {
        if (!value.is_string()) return Unexpected{"value of " + key + " is not a string"};
        outcome.values.emplace(key, value.get<std::string>());
      }
    }
    const auto keys = input.find("keys");
    if (keys != input.end()) {
      if (!keys->is_array()) return Unexpected{std::string("keys must be an array")};
      for (const json& key : *keys) {
        if (!key.is_string()) return Unexpected{std::string("keys must be strings")};
        outcome.keys.push_back(key.get<std::string>());
      }
    }
  } else if (kind == "won") {
    outcome.kind = OutcomeKind::won;
  } else if (kind == "exists") {
    outcome.kind = OutcomeKind::exists;
    outcome.existing = text_at(input, "existing");
  } else if (kind == "failed") {
    outcome.kind = OutcomeKind::failed;
    outcome.error = text_at(input, "error");
  } else {
    return Unexpected{"unknown outcome kind '" + kind + "'"};
  }
  return outcome;
}

}  // namespace edgepost
