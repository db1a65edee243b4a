#pragma once
// A config (JSON) checked whole: every problem reported with the path that has it, not just the
// first; ids unique, every reference resolved.

#include <string>
#include <string_view>
#include <vector>

#include "edgepost/config_model.hpp"
#include "edgepost/expected.hpp"

namespace edgepost {

struct ConfigError {
  std::string path;  // e.g. "offers[2].goals[0].payout.percent"
  std::string message;
};
std::string describe(const ConfigError& error);  // "path: message"

Expected<Config, std::vector<ConfigError>> load_config(std::string_view json_text);

}  // namespace edgepost
