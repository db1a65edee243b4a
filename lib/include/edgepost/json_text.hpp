#pragma once
// JSON to text, safely. nlohmann's dump() refuses strings that are not valid UTF-8 by
// throwing, which in the wasm builds (JSON_NOEXCEPTION) aborts the whole process; here such
// bytes become U+FFFD instead, so no input can crash a response, an event or a record.

#include <nlohmann/json.hpp>
#include <string>

namespace edgepost {

inline std::string to_json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace edgepost
