#pragma once
// The config load exchange: validate a config, write one record per entity to the records
// store, then remove the records of entities the config no longer has (an offer removed from
// the config must stop taking clicks and postbacks). Writes come first, so a failure in
// between leaves the old entities, never none. Runs the same on the runner (config.wasm) and
// for a Workers upload (deploy/cloudflare/kv-bulk.mjs turns its commands into bulk files).
//
// It responds 200 {"ok":true,"records":N,"removed":M} (validate: no "removed"),
// 400 {"ok":false,"errors":["path: message", ...]} for an invalid config, and
// 503 {"ok":false,"errors":["key: why"]} when the store fails.

#include <memory>
#include <string>

#include "edgepost/exchange.hpp"

namespace edgepost {

enum class ConfigLoadMode { validate, load };

std::unique_ptr<Exchange> start_config_load_exchange(std::string config_json, ConfigLoadMode mode);

}  // namespace edgepost
