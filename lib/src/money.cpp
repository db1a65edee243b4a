#include "edgepost/money.hpp"

#include <algorithm>
#include <cstddef>

namespace edgepost {
namespace {

// kMaxAmount has 13 integer digits; anything longer (once leading zeros are dropped) is too
// large without converting, which also keeps the conversion below from overflowing.
constexpr std::size_t kMaxWholeDigits = 13;

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view text) noexcept {
  return std::all_of(text.begin(), text.end(), is_digit);
}

std::int64_t digits_value(std::string_view digits) noexcept {
  std::int64_t value = 0;
  for (const char c : digits) value = value * 10 + (c - '0');
  return value;
}

std::string_view without_leading_zeros(std::string_view digits) noexcept {
  return digits.substr(std::min(digits.find_first_not_of('0'), digits.size()));
}

Expected<Amount, AmountError> parse_unsigned(std::string_view text) {
  if (text.empty()) return Unexpected{AmountError::empty};
  const std::size_t point = text.find('.');
  const std::string_view whole = text.substr(0, point);
  const bool has_point = point != std::string_view::npos;
  const std::string_view fraction = has_point ? text.substr(point + 1) : std::string_view{};
  // all_digits on the fraction also refuses a second '.'.
  if (whole.empty() || !all_digits(whole)) return Unexpected{AmountError::malformed};
  if (has_point && (fraction.empty() || !all_digits(fraction))) {
    return Unexpected{AmountError::malformed};
  }

  const std::size_t kept = std::min<std::size_t>(fraction.size(), kAmountDecimals);
  if (fraction.substr(kept).find_first_not_of('0') != std::string_view::npos) {
    return Unexpected{AmountError::too_many_decimals};
  }
  const std::string_view significant = without_leading_zeros(whole);
  if (significant.size() > kMaxWholeDigits) return Unexpected{AmountError::too_large};

  std::int64_t fraction_units = digits_value(fraction.substr(0, kept));
  for (std::size_t i = kept; i < kAmountDecimals; ++i) fraction_units *= 10;
  const Amount amount{digits_value(significant) * kUnitsPerWhole + fraction_units};
  if (amount > kMaxAmount) return Unexpected{AmountError::too_large};
  return amount;
}

// Magnitudes in unsigned arithmetic, so even INT64_MIN has one.
std::uint64_t magnitude(std::int64_t value) noexcept {
  const auto bits = static_cast<std::uint64_t>(value);
  return value < 0 ? 0 - bits : bits;
}

std::int64_t with_sign(std::uint64_t magnitude, bool negative) noexcept {
  // C++20 defines the unsigned-to-signed conversion as modular, so 0 - magnitude is safe.
  return static_cast<std::int64_t>(negative ? 0 - magnitude : magnitude);
}

bool is_ascii_letter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

Expected<Amount, AmountError> parse_amount(std::string_view text) {
  if (text.empty() || text.front() != '-') return parse_unsigned(text);
  // Say "negative" only when the rest is a number, so "-abc" stays plain malformed.
  const auto rest = parse_unsigned(text.substr(1));
  if (rest || rest.error() == AmountError::too_many_decimals ||
      rest.error() == AmountError::too_large) {
    return Unexpected{AmountError::negative};
  }
  return Unexpected{AmountError::malformed};
}

std::string_view amount_error_message(AmountError error) noexcept {
  switch (error) {
    case AmountError::empty: return "empty amount";
    case AmountError::malformed: return "not a plain decimal number such as 12.50";
    case AmountError::too_many_decimals: return "more than 5 decimal places";
    case AmountError::too_large: return "larger than 1000000000000";
    case AmountError::negative: return "negative amount";
  }
  return "invalid amount";
}

std::string format_amount(Amount amount) {
  const std::uint64_t units = magnitude(amount.units);
  const auto per_whole = static_cast<std::uint64_t>(kUnitsPerWhole);
  std::string fraction = std::to_string(units % per_whole);
  fraction.insert(0, kAmountDecimals - fraction.size(), '0');
  const std::size_t last_digit = fraction.find_last_not_of('0');
  fraction.resize(last_digit == std::string::npos || last_digit < 2 ? 2 : last_digit + 1);

  std::string text = amount.units < 0 ? "-" : "";
  text += std::to_string(units / per_whole);
  text += '.';
  text += fraction;
  return text;
}

Amount percent_of(Amount amount, Amount percent) {
  // amount * percent / (100 * kUnitsPerWhole) can need 80 bits. Splitting the amount at the
  // divisor keeps each product within 64: amount = high * divisor + low gives
  // high * percent exactly, plus low * percent / divisor, the only part that rounds.
  constexpr std::uint64_t divisor = 100 * kUnitsPerWhole;
  const bool negative = (amount.units < 0) != (percent.units < 0);
  const std::uint64_t a = magnitude(amount.units);
  const std::uint64_t p = magnitude(percent.units);
  const std::uint64_t low_product = (a % divisor) * p;
  std::uint64_t result = (a / divisor) * p + low_product / divisor;
  // Rounding the magnitude half up is rounding the signed value half away from zero.
  if (2 * (low_product % divisor) >= divisor) ++result;
  return Amount{with_sign(result, negative)};
}

Amount operator+(Amount a, Amount b) {
  return Amount{a.units + b.units};
}

std::optional<std::string> normalize_currency(std::string_view code) {
  if (code.size() != 3 || !std::all_of(code.begin(), code.end(), is_ascii_letter)) {
    return std::nullopt;
  }
  std::string upper(code);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return upper;
}

}  // namespace edgepost
