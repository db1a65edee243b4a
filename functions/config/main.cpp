// The config loader, a plain WASI command (not CGI):
//   config validate < config.json     checks it with the library's messages
//   config load < config.json         checks it, writes one record per entity to /kv, and
//                                     removes the records of entities no longer in it
// Prints {"ok":true,"records":N,"removed":M} or {"ok":false,"errors":[...]}; exit status 1
// on errors.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include "edgepost/json_text.hpp"

#include "edgepost/config.hpp"
#include "edgepost/kv_keys.hpp"
#include "kv_dir.hpp"

namespace {

constexpr std::size_t kMaxConfigBytes = 16 * 1024 * 1024;

int finish(const nlohmann::json& result, bool ok) {
  std::printf("%s\n", edgepost::to_json_text(result).c_str());
  return ok ? 0 : 1;
}

int fail(const std::string& message) {
  return finish({{"ok", false}, {"errors", nlohmann::json::array({message})}}, false);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? argv[1] : "";
  if (mode != "validate" && mode != "load")
    return fail("usage: config validate|load < config.json");

  std::string text;
  char buffer[4096];
  for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, stdin)) > 0;) {
    text.append(buffer, got);
    if (text.size() > kMaxConfigBytes) return fail("config larger than 16 MiB");
  }
  const auto config = edgepost::load_config(text);
  if (!config) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& error : config.error()) errors.push_back(edgepost::describe(error));
    return finish({{"ok", false}, {"errors", errors}}, false);
  }
  const auto records = edgepost::config_records(*config);
  if (mode == "validate") return finish({{"ok", true}, {"records", records.size()}}, true);

  const edgepost::wasi::DirectoryKv store{"/kv"};
  for (const auto& record : records) {
    if (const auto written = store.put(record.key, record.value, 0); !written) {
      return fail(record.key + ": " +
                  std::string(edgepost::wasi::kv_error_message(written.error())));
    }
  }
  // An offer removed from the config must stop taking clicks and postbacks: its record goes.
  // New records are written first, so a failure here leaves the old entities, not none.
  const auto stored = store.keys_with_prefix(edgepost::kConfigKeyPrefix);
  if (!stored) return fail(std::string(edgepost::wasi::kv_error_message(stored.error())));
  const auto stale = edgepost::stale_config_keys(records, *stored);
  for (const std::string& key : stale) {
    if (const auto gone = store.remove(key); !gone) {
      return fail(key + ": " + std::string(edgepost::wasi::kv_error_message(gone.error())));
    }
  }
  return finish({{"ok", true}, {"records", records.size()}, {"removed", stale.size()}}, true);
}
