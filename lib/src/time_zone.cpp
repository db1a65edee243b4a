#include "edgepost/time_zone.hpp"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <limits>

namespace edgepost {
namespace {

struct ZoneEntry {
  std::string_view name;
  std::string_view rule;
};

constexpr ZoneEntry kZones[] = {
#include "time_zone_rules.inc"
};

constexpr bool sorted_by_name() {
  for (std::size_t i = 1; i < std::size(kZones); ++i) {
    if (!(kZones[i - 1].name < kZones[i].name)) return false;
  }
  return true;
}
static_assert(sorted_by_name(), "time_zone_rules.inc must be sorted by name, without duplicates");

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kHour = 3600;
// Instants are clamped to years 1 to 9999, which keeps every year and date in range.
constexpr std::int64_t kEarliest = -62135596800;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kLatest = 253402300799;    // 9999-12-31T23:59:59Z

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// 0 is Sunday.
int weekday(std::int64_t days) {
  return static_cast<int>(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

// ---- Parsing -------------------------------------------------------------------------------

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool done() const { return at_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[at_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  static bool alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

  // An unsigned decimal of 1 to max_digits digits.
  std::optional<int> number(std::size_t max_digits) {
    std::size_t count = 0;
    int value = 0;
    while (count < max_digits && digit(peek())) {
      value = value * 10 + (text_[at_++] - '0');
      ++count;
    }
    if (count == 0 || digit(peek())) return std::nullopt;
    return value;
  }

  // A zone abbreviation: 3 or more letters, or 3 or more letters, digits, '+' and '-' in <>.
  bool name() {
    std::size_t count = 0;
    if (eat('<')) {
      while (alpha(peek()) || digit(peek()) || peek() == '+' || peek() == '-') {
        ++at_;
        ++count;
      }
      return eat('>') && count >= 3;
    }
    while (alpha(peek())) {
      ++at_;
      ++count;
    }
    return count >= 3;
  }

  // [+-]hh[:mm[:ss]] in seconds, hours up to max_hours.
  std::optional<std::int32_t> hms(std::size_t max_hour_digits, int max_hours) {
    const bool negative = eat('-');
    if (!negative) eat('+');
    const auto hours = number(max_hour_digits);
    if (!hours || *hours > max_hours) return std::nullopt;
    int minutes = 0;
    int seconds = 0;
    if (eat(':')) {
      const auto mm = number(2);
      if (!mm || *mm > 59) return std::nullopt;
      minutes = *mm;
      if (eat(':')) {
        const auto ss = number(2);
        if (!ss || *ss > 59) return std::nullopt;
        seconds = *ss;
      }
    }
    const std::int32_t value = *hours * 3600 + minutes * 60 + seconds;
    return negative ? -value : value;
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

// POSIX offsets count hours west of Greenwich: "EST5" is UTC-5.
std::optional<std::int32_t> offset(Cursor& cursor) {
  const auto west = cursor.hms(2, 24);
  if (!west) return std::nullopt;
  return -*west;
}

std::optional<DstTransitionRule> transition_rule(Cursor& cursor) {
  DstTransitionRule rule{DstTransitionRule::Kind::zero_based_day, 0, 0, 0, 2 * 3600};
  if (cursor.eat('M')) {
    rule.kind = DstTransitionRule::Kind::month_week_day;
    const auto month = cursor.number(2);
    if (!month || *month < 1 || *month > 12 || !cursor.eat('.')) return std::nullopt;
    const auto week = cursor.number(1);
    if (!week || *week < 1 || *week > 5 || !cursor.eat('.')) return std::nullopt;
    const auto day = cursor.number(1);
    if (!day || *day > 6) return std::nullopt;
    rule.month = *month;
    rule.week = *week;
    rule.day = *day;
  } else if (cursor.eat('J')) {
    rule.kind = DstTransitionRule::Kind::julian;
    const auto day = cursor.number(3);
    if (!day || *day < 1 || *day > 365) return std::nullopt;
    rule.day = *day;
  } else {
    const auto day = cursor.number(3);
    if (!day || *day > 365) return std::nullopt;
    rule.day = *day;
  }
  if (cursor.eat('/')) {
    const auto time = cursor.hms(3, 167);
    if (!time) return std::nullopt;
    rule.time = *time;
  }
  return rule;
}

// ---- Transitions -----------------------------------------------------------------------------

// The day since 1970-01-01 on which a rule falls in a year.
std::int64_t rule_day(const DstTransitionRule& rule, std::int64_t year) {
  switch (rule.kind) {
    case DstTransitionRule::Kind::month_week_day: {
      const std::int64_t first = days_from_civil(year, static_cast<unsigned>(rule.month), 1);
      std::int64_t day = first + (rule.day - weekday(first) + 7) % 7 + (rule.week - 1) * 7;
      while (day >= first + days_in_month(year, rule.month)) day -= 7;
      return day;
    }
    case DstTransitionRule::Kind::julian:
      return days_from_civil(year, 1, 1) + rule.day - 1 +
             (is_leap_year(year) && rule.day >= 60 ? 1 : 0);
    case DstTransitionRule::Kind::zero_based_day: return days_from_civil(year, 1, 1) + rule.day;
  }
  return days_from_civil(year, 1, 1);
}

struct Change {
  std::int64_t at;  // Unix seconds
  bool dst_after;
};

// The DST changes of the years around an instant's, in order. When a start and an end fall on
// the same instant (DST all year, RFC 8536 3.3.1), the end comes first, so DST stays on.
struct Changes {
  Change items[8];
  std::size_t count = 0;

  Changes(const TimeZone& zone, std::int64_t unix_seconds) {
    if (!zone.dst) return;
    const std::int64_t year = civil_from_days(floor_div(unix_seconds, kDay)).year;
    for (std::int64_t y = year - 1; y <= year + 2; ++y) {
      items[count++] = {
          rule_day(zone.dst->start, y) * kDay + zone.dst->start.time - zone.standard_offset, true};
      items[count++] = {rule_day(zone.dst->end, y) * kDay + zone.dst->end.time - zone.dst->offset,
                        false};
    }
    std::sort(items, items + count, [](const Change& a, const Change& b) {
      return a.at != b.at ? a.at < b.at : !a.dst_after && b.dst_after;
    });
  }

  // The offset in force at an instant of the years covered.
  std::int32_t offset_at(const TimeZone& zone, std::int64_t unix_seconds) const {
    if (count == 0) return zone.standard_offset;
    bool dst = !items[0].dst_after;
    for (std::size_t i = 0; i < count && items[i].at <= unix_seconds; ++i) dst = items[i].dst_after;
    return dst ? zone.dst->offset : zone.standard_offset;
  }

  // The first change after an instant, or the largest int64 when there is none.
  std::int64_t next_after(std::int64_t unix_seconds) const {
    for (std::size_t i = 0; i < count; ++i) {
      if (items[i].at > unix_seconds) return items[i].at;
    }
    return std::numeric_limits<std::int64_t>::max();
  }
};

std::int64_t clamp(std::int64_t unix_seconds) {
  return std::clamp(unix_seconds, kEarliest, kLatest);
}

std::int64_t local_day(const TimeZone& zone, std::int64_t unix_seconds) {
  return floor_div(unix_seconds + utc_offset_seconds(zone, unix_seconds), kDay);
}

// The first instant after unix_seconds whose local time is local_target or later. Local time
// runs at one second per second between changes, so each stretch between changes either
// reaches the target or not.
std::int64_t first_local_at_or_after(const TimeZone& zone, std::int64_t unix_seconds,
                                     std::int64_t local_target) {
  const Changes changes(zone, unix_seconds);
  std::int64_t from = unix_seconds + 1;
  for (;;) {
    const std::int64_t until = changes.next_after(from);
    const std::int64_t candidate = std::max(from, local_target - changes.offset_at(zone, from));
    if (candidate < until) return candidate;
    from = until;
  }
}

}  // namespace

std::string_view time_zone_rule_error_message(TimeZoneRuleError error) noexcept {
  switch (error) {
    case TimeZoneRuleError::empty: return "is empty";
    case TimeZoneRuleError::bad_name:
      return "needs zone names of 3 or more letters, or such as <+0530>";
    case TimeZoneRuleError::bad_offset: return "needs offsets such as 5, -1 or 3:30";
    case TimeZoneRuleError::bad_rule:
      return "needs DST rules such as M3.2.0, J60 or 59, optionally with a time such as /2";
    case TimeZoneRuleError::missing_rules: return "names daylight saving time but has no rules";
    case TimeZoneRuleError::trailing_text: return "has unexpected text at the end";
  }
  return "is invalid";
}

Expected<TimeZone, TimeZoneRuleError> parse_posix_time_zone(std::string_view rule) noexcept {
  if (rule.empty()) return Unexpected{TimeZoneRuleError::empty};
  Cursor cursor(rule);
  if (!cursor.name()) return Unexpected{TimeZoneRuleError::bad_name};
  const auto standard = offset(cursor);
  if (!standard) return Unexpected{TimeZoneRuleError::bad_offset};
  TimeZone zone{*standard, std::nullopt};
  if (cursor.done()) return zone;
  if (cursor.peek() == ',') return Unexpected{TimeZoneRuleError::trailing_text};
  if (!cursor.name()) return Unexpected{TimeZoneRuleError::bad_name};
  DaylightSaving dst{static_cast<std::int32_t>(*standard + kHour), {}, {}};
  if (!cursor.done() && cursor.peek() != ',') {
    const auto daylight = offset(cursor);
    if (!daylight) return Unexpected{TimeZoneRuleError::bad_offset};
    dst.offset = *daylight;
  }
  if (!cursor.eat(',')) {
    return cursor.done() ? Unexpected{TimeZoneRuleError::missing_rules}
                         : Unexpected{TimeZoneRuleError::trailing_text};
  }
  const auto start = transition_rule(cursor);
  if (!start || !cursor.eat(',')) return Unexpected{TimeZoneRuleError::bad_rule};
  const auto end = transition_rule(cursor);
  if (!end) return Unexpected{TimeZoneRuleError::bad_rule};
  if (!cursor.done()) return Unexpected{TimeZoneRuleError::trailing_text};
  dst.start = *start;
  dst.end = *end;
  zone.dst = dst;
  return zone;
}

std::optional<TimeZone> find_time_zone(std::string_view iana_name) noexcept {
  const auto* found = std::lower_bound(
      std::begin(kZones), std::end(kZones), iana_name,
      [](const ZoneEntry& entry, std::string_view name) { return entry.name < name; });
  if (found == std::end(kZones) || found->name != iana_name) {
    if (iana_name == "UTC") return TimeZone{0, std::nullopt};
    return std::nullopt;
  }
  auto zone = parse_posix_time_zone(found->rule);
  if (!zone) return std::nullopt;
  return *zone;
}

std::int64_t utc_offset_seconds(const TimeZone& zone, std::int64_t unix_seconds) noexcept {
  if (!zone.dst) return zone.standard_offset;
  const std::int64_t at = clamp(unix_seconds);
  return Changes(zone, at).offset_at(zone, at);
}

CivilDate local_date(const TimeZone& zone, std::int64_t unix_seconds) noexcept {
  return civil_from_days(local_day(zone, clamp(unix_seconds)));
}

std::int64_t local_midnight_after(const TimeZone& zone, std::int64_t unix_seconds) noexcept {
  const std::int64_t at = clamp(unix_seconds);
  return first_local_at_or_after(zone, at, (local_day(zone, at) + 1) * kDay);
}

std::int64_t local_month_start_after(const TimeZone& zone, std::int64_t unix_seconds) noexcept {
  const std::int64_t at = clamp(unix_seconds);
  const CivilDate today = civil_from_days(local_day(zone, at));
  const int year = today.month == 12 ? today.year + 1 : today.year;
  const unsigned month = today.month == 12 ? 1u : static_cast<unsigned>(today.month) + 1;
  return first_local_at_or_after(zone, at, days_from_civil(year, month, 1) * kDay);
}

}  // namespace edgepost
