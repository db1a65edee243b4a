#pragma once
// The exchange as JSON text, for an adapter in another language (the Worker's JS loop calls
// it through the Emscripten exports in wasm/workers/exports.cpp):
//
//   start    {"exchange": "click"|"postback",
//             "request": {"method","path","query","headers":[[name,value],...],"body","client_ip"},
//             "env": {"now": unix seconds, "entropy": 32 hex digits,
//                     "signing_keys", "signing_key_id",
//                     "config_max_age": seconds, optional (Environment)}}
//            {"exchange": "config_load", "mode": "load"|"validate", "config": JSON text}
//   command  {"kind":"read","store":"records"|"ledger","keys":[...],
//             "max_age": seconds a kept copy may be old, when one will do (Command)}
//            {"kind":"put_if_absent"|"put","store",...,"key","value","ttl": seconds, 0 = kept,
//             "durable": false when the host may skip the sync (KvWrite::durability),
//             "by_answer": true when it need only be durable once the answer goes out}
//            {"kind":"remove","store","key"}   {"kind":"list","store","prefix"}
//            {"kind":"enqueue","postback":{"id","aff_id","url"}}
//            {"kind":"emit","event": JSON text}
//            {"kind":"respond","response":{"status","headers":[[name,value],...],"body"}}
//   outcome  {"kind":"done","values":{key: value, ...},"keys":[listed key, ...]} | {"kind":"won"}
//            | {"kind":"exists","existing": value} | {"kind":"failed","error": text}

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "edgepost/exchange.hpp"
#include "edgepost/expected.hpp"

namespace edgepost {

class ConfigCache;  // config_cache.hpp

// The exchange the start text asks for, begun; or why the text is not a valid start.
// `config_cache`: decoded config records kept by a host that runs many requests in one
// instance (a Worker's isolate); it must outlive the exchange.
Expected<std::unique_ptr<Exchange>, std::string> start_exchange(
    std::string_view start_json, ConfigCache* config_cache = nullptr);

std::string encode_command(const Command& command);
Expected<Outcome, std::string> decode_outcome(std::string_view outcome_json);
// The same, for a host that has the outcome parsed already as part of a larger message.
Expected<Outcome, std::string> decode_outcome_value(const nlohmann::json& outcome);

}  // namespace edgepost
