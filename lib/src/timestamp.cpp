#include "edgepost/timestamp.hpp"

#include "edgepost/civil_date.hpp"

#include <optional>

namespace edgepost {
namespace {

constexpr std::int64_t kLatest = 253402300799;  // 9999-12-31T23:59:59Z

std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

Expected<std::int64_t, TimestampError> unix_seconds(std::string_view text) {
  if (text.size() > 12) return Unexpected{TimestampError::out_of_range};
  std::int64_t value = 0;
  for (const char c : text) value = value * 10 + (c - '0');
  if (value > kLatest) return Unexpected{TimestampError::out_of_range};
  return value;
}

// The zone after the seconds (and any fraction): "Z" or "+hh:mm" / "-hh:mm"; offset in seconds.
Expected<std::int64_t, TimestampError> zone_offset(std::string_view zone) {
  if (zone.empty()) return Unexpected{TimestampError::missing_zone};
  if (zone == "Z" || zone == "z") return std::int64_t{0};
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') {
    return Unexpected{TimestampError::malformed};
  }
  const auto hours = digits(zone, 1, 2);
  const auto minutes = digits(zone, 4, 2);
  if (!hours || !minutes || *hours > 23 || *minutes > 59)
    return Unexpected{TimestampError::malformed};
  const std::int64_t offset = *hours * 3600 + *minutes * 60;
  return zone[0] == '+' ? offset : -offset;
}

}  // namespace

std::string_view timestamp_error_message(TimestampError error) noexcept {
  switch (error) {
    case TimestampError::empty: return "is empty";
    case TimestampError::malformed:
      return "must be Unix seconds or ISO 8601 such as 2026-11-01T14:30:00Z";
    case TimestampError::missing_zone: return "needs a time zone: Z or an offset such as +02:00";
    case TimestampError::out_of_range: return "is out of range";
  }
  return "is invalid";
}

Expected<std::int64_t, TimestampError> parse_timestamp(std::string_view text) noexcept {
  if (text.empty()) return Unexpected{TimestampError::empty};
  if (text.find_first_not_of("0123456789") == std::string_view::npos) return unix_seconds(text);
  // YYYY-MM-DDThh:mm:ss
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2);
  const auto minute = digits(text, 14, 2);
  const auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':') {
    return Unexpected{TimestampError::malformed};
  }
  if (*month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) || *hour > 23 ||
      *minute > 59 || *second > 59) {
    return Unexpected{TimestampError::malformed};
  }
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    const std::size_t start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    if (at == start) return Unexpected{TimestampError::malformed};
  }
  const auto offset = zone_offset(text.substr(at));
  if (!offset) return Unexpected{offset.error()};
  const std::int64_t seconds =
      days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) * 86400 +
      *hour * 3600 + *minute * 60 + *second - *offset;
  if (seconds < 0 || seconds > kLatest) return Unexpected{TimestampError::out_of_range};
  return seconds;
}

}  // namespace edgepost
