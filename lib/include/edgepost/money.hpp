#pragma once
// Money as exact decimals. Revenue and payout are summed, split into percentages and reported
// back to partners who reconcile to the cent, so binary floating point never touches them:
// an amount is a count of 0.00001 units, the precision TUNE/HasOffers keeps.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "edgepost/expected.hpp"

namespace edgepost {

// An amount in units of 0.00001 (1 = 0.00001, 100000 = 1).
struct Amount {
  std::int64_t units = 0;

  friend auto operator<=>(const Amount&, const Amount&) = default;
};

inline constexpr std::int64_t kUnitsPerWhole = 100000;
inline constexpr int kAmountDecimals = 5;

// The largest accepted amount: 1e12 whole units, so sums and the products inside percent_of
// stay far from int64 overflow.
inline constexpr Amount kMaxAmount{1'000'000'000'000 * kUnitsPerWhole};

enum class AmountError { empty, malformed, too_many_decimals, too_large, negative };

// Parses the plain decimal text advertisers send: digits, optionally '.' and more digits.
//   accepted: "12", "12.5", "0.00001", "007.10" (leading zeros), "1.5000000" (decimals past
//             the fifth are accepted when they are all zeros: the value is still exact)
//   malformed: "12." and ".5" (a point needs digits on both sides), a '+' sign, exponents
//             ("1e5"), thousands separators ("1,000"), a decimal comma ("1,5"), any space,
//             "nan", "inf", and anything else that is not the grammar above
//   negative: '-' before an otherwise valid number, including "-0"
//   too_many_decimals: a non-zero digit past the fifth decimal ("0.000001"); never rounded,
//             since silently changing what a partner reports is worse than refusing it
//   too_large: above kMaxAmount
//   empty: ""
Expected<Amount, AmountError> parse_amount(std::string_view text);

// A phrase for the person who sent the amount, e.g. "more than 5 decimal places".
std::string_view amount_error_message(AmountError error) noexcept;

// Canonical text: at least 2 decimals, zeros beyond the second trimmed.
// 12 -> "12.00", 12.5 -> "12.50", 0.12345 -> "0.12345", 1.234 -> "1.234". A negative amount
// (only reachable by building one by hand) gets a leading '-'.
std::string format_amount(Amount amount);

// `percent` percent of `amount`, with the percentage itself an Amount (12.5% is
// Amount{1250000}), rounded half away from zero to 0.00001. Exact, without overflow, for
// amounts up to kMaxAmount and percentages up to 100; the caller checks the percentage range.
Amount percent_of(Amount amount, Amount percent);

// The caller keeps the sum within range (two amounts up to kMaxAmount always are).
Amount operator+(Amount a, Amount b);

// An ISO 4217 shaped code: exactly 3 ASCII letters, returned uppercased ("usd" -> "USD").
// Whether the code is actually assigned is for configuration to decide, not this function.
std::optional<std::string> normalize_currency(std::string_view code);

}  // namespace edgepost
