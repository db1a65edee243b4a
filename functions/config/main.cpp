// The config loader, a plain WASI command (not CGI):
//   config validate < config.json     checks it with the library's messages
//   config load < config.json         checks it, writes one record per entity to /kv, and
//                                     removes the records of entities no longer in it
// The action may come from EDGEPOST_CONFIG_ACTION instead of the argument.
// Prints {"ok":true,"records":N,"removed":M} or {"ok":false,"errors":[...]}; exit status 1
// on errors. The steps are the library's config load exchange (config_load_exchange.hpp).
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "edgepost/config_load_exchange.hpp"

namespace {

constexpr std::size_t kMaxConfigBytes = 16 * 1024 * 1024;

int print(const edgepost::Response& response) {
  std::fwrite(response.body.data(), 1, response.body.size(), stdout);
  return response.status == 200 ? 0 : 1;
}

int fail(const std::string& message) {
  return print({400, {}, R"({"ok":false,"errors":[")" + message + "\"]}\n"});
}

// The action comes from argv or, for hosts that pass no arguments (wasmtime's engine inside
// wizer), from EDGEPOST_CONFIG_ACTION; when both are given they must agree.
std::string_view action(int argc, char** argv) {
  const char* from_env = std::getenv("EDGEPOST_CONFIG_ACTION");
  const std::string_view from_args = argc > 1 ? argv[1] : "";
  if (from_env == nullptr) return from_args;
  if (!from_args.empty() && from_args != from_env) return "";
  return from_env;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = action(argc, argv);
  if (mode != "validate" && mode != "load") {
    return fail(
        "usage: config validate|load < config.json (or EDGEPOST_CONFIG_ACTION=validate|load, "
        "agreeing with the argument when both are given)");
  }
  std::string text;
  char buffer[4096];
  for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, stdin)) > 0;) {
    text.append(buffer, got);
    if (text.size() > kMaxConfigBytes) return fail("config larger than 16 MiB");
  }
  const auto exchange = edgepost::start_config_load_exchange(
      std::move(text),
      mode == "load" ? edgepost::ConfigLoadMode::load : edgepost::ConfigLoadMode::validate);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  int status = 1;
  while (!exchange->finished()) {
    const edgepost::Command& command = exchange->command();
    if (command.kind == edgepost::CommandKind::respond) {
      status = print(command.response);
      exchange->resolve({});
    } else {
      exchange->resolve(edgepost::wasi::execute(command, now));
    }
  }
  return status;
}
