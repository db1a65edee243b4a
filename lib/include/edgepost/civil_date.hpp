#pragma once
// Dates of the proleptic Gregorian calendar as day counts since 1970-01-01, and back: what
// timestamps (timestamp.hpp) and time zones (time_zone.hpp) both compute with.

#include <cstdint>

namespace edgepost {

struct CivilDate {
  int year;
  int month;  // 1-12
  int day;    // 1-31
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

// H. Hinnant's days_from_civil and civil_from_days, exact for every year that fits.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept;
CivilDate civil_from_days(std::int64_t days) noexcept;

bool is_leap_year(std::int64_t year) noexcept;
int days_in_month(std::int64_t year, int month) noexcept;

}  // namespace edgepost
