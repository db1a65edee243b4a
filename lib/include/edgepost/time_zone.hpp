#pragma once
// Daily and monthly caps are counted in the offer's time zone: "100 conversions a day" means a
// day in New York for a New York offer, so the day (and month) a conversion counts against,
// and the instant its counter starts over, follow that zone, daylight saving time included.
//
// Zones are IANA names ("America/New_York", "Europe/Berlin", "UTC"). The wasm builds have no
// zoneinfo files to read, so each zone's current rule, its POSIX TZ string, is compiled in
// (time_zone_rules.inc, generated from tzdata by lib/time-zones/generate.mjs) and applied to
// every year: a zone's historical changes, and changes tzdata lists explicitly instead of as a
// rule (Morocco's Ramadan time), are ignored. That is fine for caps, which count the present:
// what matters is where today and this month end, not how clocks were set years ago. A rule
// change is announced in a tzdata release ahead of time; regenerate the table when it is.

#include <cstdint>
#include <optional>
#include <string_view>

#include "edgepost/civil_date.hpp"
#include "edgepost/expected.hpp"

namespace edgepost {

// The day of a year on which daylight saving time starts or ends, and the local time of day,
// in the offset in force until then, at which it does.
struct DstTransitionRule {
  enum class Kind : std::uint8_t {
    month_week_day,  // Mm.w.d: weekday d (0 is Sunday) of week w (1-5, 5 the last) of month m
    julian,          // Jn: day n (1-365) of the year, February 29 never counted
    zero_based_day,  // n: day n (0-365) of the year, February 29 counted
  };
  Kind kind;
  int month;
  int week;
  int day;
  std::int32_t time;  // seconds after local midnight, -167 h to 167 h
};

struct DaylightSaving {
  std::int32_t offset;  // seconds east of UTC while it is in force
  DstTransitionRule start;
  DstTransitionRule end;
};

struct TimeZone {
  std::int32_t standard_offset;  // seconds east of UTC
  std::optional<DaylightSaving> dst;
};

enum class TimeZoneRuleError {
  empty,
  bad_name,
  bad_offset,
  bad_rule,
  missing_rules,
  trailing_text
};

std::string_view time_zone_rule_error_message(TimeZoneRuleError error) noexcept;

// A POSIX TZ string as in TZif footers (POSIX.1-2024, RFC 8536): "EST5EDT,M3.2.0,M11.1.0",
// "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1". Names are checked but not kept. A DST name without rules
// is refused rather than given some default rule.
Expected<TimeZone, TimeZoneRuleError> parse_posix_time_zone(std::string_view rule) noexcept;

// An IANA zone name, matched exactly (case-sensitive); nullopt when unknown.
std::optional<TimeZone> find_time_zone(std::string_view iana_name) noexcept;

// Instants are taken as Unix seconds; those outside years 1 to 9999 are clamped to them.

// Seconds east of UTC in force at the instant.
std::int64_t utc_offset_seconds(const TimeZone& zone, std::int64_t unix_seconds) noexcept;

CivilDate local_date(const TimeZone& zone, std::int64_t unix_seconds) noexcept;

// The first instant after unix_seconds whose local date is later than that of unix_seconds:
// the next local midnight, or when DST skips midnight, the first instant of the next day.
std::int64_t local_midnight_after(const TimeZone& zone, std::int64_t unix_seconds) noexcept;

// The same for the local month: the first instant of the next local month.
std::int64_t local_month_start_after(const TimeZone& zone, std::int64_t unix_seconds) noexcept;

}  // namespace edgepost
