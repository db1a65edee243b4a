#pragma once
// JSON to text, safely. nlohmann's dump() refuses strings that are not valid UTF-8 by
// throwing, which in the wasm builds (JSON_NOEXCEPTION) aborts the whole process; here such
// bytes become U+FFFD instead, so no input can crash a response, an event or a record.

#include <nlohmann/json.hpp>
#include <string>

#include "edgepost/http.hpp"

namespace edgepost {

inline std::string to_json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// An answer of the library's APIs: JSON, never cached.
inline Response json_response(int status, const nlohmann::json& body) {
  return Response{status,
                  {{"content-type", "application/json"}, {"cache-control", "no-store"}},
                  to_json_text(body) + "\n"};
}

}  // namespace edgepost
