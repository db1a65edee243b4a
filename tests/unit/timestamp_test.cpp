#include "edgepost/timestamp.hpp"

#include <catch2/catch.hpp>

using edgepost::parse_timestamp;
using edgepost::TimestampError;

TEST_CASE("timestamps: Unix seconds and ISO 8601 with a zone", "[timestamp]") {
  CHECK(parse_timestamp("1793491200").value() == 1793491200);
  CHECK(parse_timestamp("0").value() == 0);
  CHECK(parse_timestamp("2026-11-01T00:00:00Z").value() == 1793491200);
  CHECK(parse_timestamp("2026-11-01t00:00:00z").value() == 1793491200);
  CHECK(parse_timestamp("2026-11-01 02:00:00+02:00").value() == 1793491200);
  CHECK(parse_timestamp("2026-10-31T19:30:00-04:30").value() == 1793491200);
  CHECK(parse_timestamp("2026-11-01T00:00:00.987654Z").value() == 1793491200);
  CHECK(parse_timestamp("1970-01-01T00:00:00Z").value() == 0);
  CHECK(parse_timestamp("2000-02-29T12:00:00Z").value() == 951825600);  // a leap day
  CHECK(parse_timestamp("9999-12-31T23:59:59Z").value() == 253402300799);
}

TEST_CASE("timestamps: what is refused, and why", "[timestamp]") {
  const auto error = [](const char* text) {
    const auto parsed = parse_timestamp(text);
    REQUIRE_FALSE(parsed);
    return parsed.error();
  };
  CHECK(error("") == TimestampError::empty);
  CHECK(error("2026-11-01T00:00:00") == TimestampError::missing_zone);
  CHECK(error("2026-11-01") == TimestampError::malformed);
  CHECK(error("2026-13-01T00:00:00Z") == TimestampError::malformed);
  CHECK(error("2026-02-29T00:00:00Z") == TimestampError::malformed);  // not a leap year
  CHECK(error("1900-02-29T00:00:00Z") == TimestampError::malformed);
  CHECK(error("2026-11-01T24:00:00Z") == TimestampError::malformed);
  CHECK(error("2026-11-01T00:00:00.Z") == TimestampError::malformed);
  CHECK(error("2026-11-01T00:00:00+2:00") == TimestampError::malformed);
  CHECK(error("2026-11-01T00:00:00+02:00 ") == TimestampError::malformed);
  CHECK(error("-1") == TimestampError::malformed);
  CHECK(error("1e9") == TimestampError::malformed);
  CHECK(error("1969-12-31T23:59:59Z") == TimestampError::out_of_range);
  CHECK(error("99999999999999") == TimestampError::out_of_range);
  CHECK(edgepost::timestamp_error_message(TimestampError::missing_zone) ==
        "needs a time zone: Z or an offset such as +02:00");
}
