#pragma once
// Points in time as advertisers send them: Unix seconds ("1793491200") or ISO 8601 / RFC 3339
// with a zone ("2026-11-01T00:00:00Z", "2026-11-01 02:00:00+02:00", fractions of a second
// dropped). A time without a zone is refused: guessing one would shift conversions by hours.

#include <cstdint>
#include <string_view>

#include "edgepost/expected.hpp"

namespace edgepost {

enum class TimestampError { empty, malformed, missing_zone, out_of_range };

std::string_view timestamp_error_message(TimestampError error) noexcept;

// Unix seconds, from 1970 to 9999.
Expected<std::int64_t, TimestampError> parse_timestamp(std::string_view text) noexcept;

}  // namespace edgepost
