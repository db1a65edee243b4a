#pragma once
// A request's parameters under their canonical names: query string, form body or JSON body,
// with the aliases other platforms use (DESIGN.md, "HTTP contract").

#include <string>
#include <string_view>
#include <vector>

#include "edgepost/expected.hpp"
#include "edgepost/form.hpp"
#include "edgepost/http.hpp"

namespace edgepost {

enum class Endpoint { click, postback };

struct Params {
  Form fields;    // canonical, lowercase names; each at most once
  Form received;  // exactly as sent (names and order), for signature checks

  const std::string* get(std::string_view canonical_name) const noexcept;
};

enum class ParamErrorCode {
  method_not_allowed,      // 405
  query_too_long,          // 414
  body_too_long,           // 413
  unsupported_media_type,  // 415
  malformed,               // 400: encoding, limits, JSON shape
  conflicting_values,      // 400: one parameter given twice with different values
};

struct ParamError {
  ParamErrorCode code;
  std::string message;
};

int http_status(ParamErrorCode code) noexcept;

// The canonical name of a parameter name as sent ("ClickID" -> "transaction_id"), or the
// lowercased name itself when it has no alias.
std::string canonical_param_name(std::string_view name, Endpoint endpoint);

// Repeats of one parameter (also through aliases) are accepted when the values agree and
// refused when they differ: which one wins must never be guessed for a payment.
Expected<Params, ParamError> read_params(const Request& request, Endpoint endpoint);

}  // namespace edgepost
