#pragma once
// Percent-encoding (RFC 3986 section 2.1) in both directions.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "edgepost/expected.hpp"

namespace edgepost {

enum class PlusSign {
  literal,  // RFC 3986 paths and components: '+' is a plus
  space,    // application/x-www-form-urlencoded, and query strings in practice: '+' is a space
};

struct PercentDecodeError {
  std::size_t offset;  // byte offset of the offending '%' in the encoded input
};

// Fails on a '%' that is not followed by two hex digits: such input is ambiguous (some
// servers keep it literally, others drop it), and a tracker must not guess at IDs.
Expected<std::string, PercentDecodeError> percent_decode(std::string_view encoded, PlusSign plus);

// The same decoding into `out`, whose contents it replaces: a caller filling a field decodes
// into the field's own string, without a temporary per name and value. On an error `out`
// holds an unspecified prefix.
std::optional<PercentDecodeError> percent_decode_into(std::string_view encoded, PlusSign plus,
                                                      std::string& out);

// Encodes everything but RFC 3986 "unreserved" characters (ALPHA DIGIT - . _ ~), so the
// result is safe as a query value, a path segment or a fragment alike.
std::string percent_encode(std::string_view raw);

}  // namespace edgepost
