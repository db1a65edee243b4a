#include "edgepost/money.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

namespace Catch {
template <>
struct StringMaker<edgepost::Amount> {
  static std::string convert(edgepost::Amount amount) { return edgepost::format_amount(amount); }
};
}  // namespace Catch

using edgepost::Amount;
using edgepost::AmountError;
using edgepost::format_amount;
using edgepost::kMaxAmount;
using edgepost::parse_amount;
using edgepost::percent_of;

namespace {
std::int64_t units_of(std::string_view text) {
  const auto parsed = parse_amount(text);
  INFO("amount: \"" << std::string(text) << "\"");
  REQUIRE(parsed.has_value());
  return parsed->units;
}

AmountError error_of(std::string_view text) {
  const auto parsed = parse_amount(text);
  INFO("amount: \"" << std::string(text) << "\"");
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error();
}

// Percentages in tests are written as text, like configuration will hold them.
Amount amount(std::string_view text) {
  return Amount{units_of(text)};
}
}  // namespace

TEST_CASE("plain decimal amounts parse to exact units", "[money]") {
  CHECK(units_of("12") == 1200000);
  CHECK(units_of("12.5") == 1250000);
  CHECK(units_of("12.50") == 1250000);
  CHECK(units_of("0.00001") == 1);
  CHECK(units_of("0") == 0);
  CHECK(units_of("0.0") == 0);
  CHECK(units_of("007.10") == 710000);
  CHECK(units_of("0000000000000000000000012") == 1200000);  // leading zeros are not size
  CHECK(units_of("99999.99999") == 9999999999);
  CHECK(units_of("1.5000000") == 150000);  // zeros past the fifth decimal lose nothing
}

TEST_CASE("kMaxAmount is the largest amount accepted", "[money]") {
  CHECK(units_of("1000000000000") == kMaxAmount.units);
  CHECK(units_of("1000000000000.00000") == kMaxAmount.units);
  CHECK(units_of("999999999999.99999") == kMaxAmount.units - 1);
  CHECK(error_of("1000000000000.00001") == AmountError::too_large);
  CHECK(error_of("1000000000001") == AmountError::too_large);
  CHECK(error_of("9999999999999") == AmountError::too_large);
  CHECK(error_of("99999999999999999999999999") == AmountError::too_large);  // no overflow
}

TEST_CASE("an amount with more than 5 decimals is refused, never rounded", "[money]") {
  CHECK(error_of("0.000001") == AmountError::too_many_decimals);
  CHECK(error_of("12.123456") == AmountError::too_many_decimals);
  CHECK(error_of("1.000000000001") == AmountError::too_many_decimals);
}

TEST_CASE("an amount other than digits with an optional point is malformed", "[money]") {
  CHECK(error_of("") == AmountError::empty);
  const char* const malformed[] = {".5",   "12.",   ".",    "+1",   "1e5",   "1E5",   "1,000",
                                   "1,5",  " 1",    "1 ",   "1 0",  "nan",   "NaN",   "inf",
                                   "-inf", "1.2.3", "0x10", "1..2", "\t12",  "12\n",  "abc",
                                   "1a",   "--1",   "-",    "-.5",  "1_000", "١٢",    "+-1.5",
                                   "1/2",  "12$",   "$12",  "1.5.", "-+1",   "1'000", "1000000,00"};
  for (const char* text : malformed) {
    CHECK(error_of(text) == AmountError::malformed);
  }
  CHECK(error_of(std::string("1\0", 2)) == AmountError::malformed);
}

TEST_CASE("a minus sign before an amount is reported as negative", "[money]") {
  CHECK(error_of("-1") == AmountError::negative);
  CHECK(error_of("-12.50") == AmountError::negative);
  CHECK(error_of("-0") == AmountError::negative);
  CHECK(error_of("-0.000001") == AmountError::negative);
  CHECK(error_of("-99999999999999") == AmountError::negative);
}

TEST_CASE("every amount error has a message", "[money]") {
  const AmountError errors[] = {AmountError::empty, AmountError::malformed,
                                AmountError::too_many_decimals, AmountError::too_large,
                                AmountError::negative};
  for (const AmountError error : errors) {
    CHECK_FALSE(edgepost::amount_error_message(error).empty());
  }
  CHECK(edgepost::amount_error_message(AmountError::too_many_decimals) ==
        "more than 5 decimal places");
}

TEST_CASE("amounts format with 2 to 5 decimals", "[money]") {
  CHECK(format_amount(Amount{0}) == "0.00");
  CHECK(format_amount(Amount{1}) == "0.00001");
  CHECK(format_amount(Amount{10}) == "0.0001");
  CHECK(format_amount(Amount{1000}) == "0.01");
  CHECK(format_amount(Amount{1200000}) == "12.00");
  CHECK(format_amount(Amount{1250000}) == "12.50");
  CHECK(format_amount(Amount{12345}) == "0.12345");
  CHECK(format_amount(Amount{123400}) == "1.234");
  CHECK(format_amount(Amount{100100000}) == "1001.00");
  CHECK(format_amount(kMaxAmount) == "1000000000000.00");
  CHECK(format_amount(Amount{-1250000}) == "-12.50");
  CHECK(format_amount(Amount{-1}) == "-0.00001");
  CHECK(format_amount(Amount{INT64_MIN}) == "-92233720368547.75808");
}

TEST_CASE("formatting and parsing round-trip", "[money]") {
  const char* const canonical[] = {"0.00",
                                   "0.00001",
                                   "12.00",
                                   "12.50",
                                   "0.12345",
                                   "1.234",
                                   "999999999999.99999",
                                   "1000000000000.00"};
  for (const char* text : canonical) {
    CHECK(format_amount(amount(text)) == text);
  }
  CHECK(format_amount(amount("007.10")) == "7.10");
  CHECK(format_amount(amount("1.5000000")) == "1.50");
}

TEST_CASE("percent_of an amount is exact and rounds half away from zero", "[money]") {
  CHECK(percent_of(amount("100"), amount("12.5")) == amount("12.5"));
  CHECK(percent_of(amount("100.00"), amount("33.33333")) == amount("33.33333"));
  CHECK(percent_of(amount("10"), amount("33.33333")) == amount("3.33333"));  // 3.333333
  CHECK(percent_of(amount("20"), amount("33.33333")) == amount("6.66667"));  // 6.666666
  CHECK(percent_of(amount("0.00005"), amount("10")) == amount("0.00001"));   // 0.000005
  CHECK(percent_of(amount("0.00004"), amount("10")) == amount("0"));         // 0.000004
  CHECK(percent_of(amount("0.00001"), amount("50")) == amount("0.00001"));   // 0.000005
  CHECK(percent_of(amount("0.00001"), amount("49.99999")) == amount("0"));
  CHECK(percent_of(amount("0.00003"), amount("50")) == amount("0.00002"));  // 0.000015
  CHECK(percent_of(amount("59.99"), amount("0")) == amount("0"));
  CHECK(percent_of(amount("59.99"), amount("100")) == amount("59.99"));
  CHECK(percent_of(amount("0"), amount("100")) == amount("0"));
  CHECK(percent_of(amount("1"), amount("0.00001")) == amount("0"));  // 0.0000001
  // Half away from zero also for amounts built negative, e.g. a reversal.
  CHECK(percent_of(Amount{-5}, amount("10")) == Amount{-1});
  CHECK(percent_of(Amount{-4}, amount("10")) == Amount{0});
}

TEST_CASE("percent_of does not overflow up to kMaxAmount and 100%", "[money]") {
  CHECK(percent_of(kMaxAmount, amount("100")) == kMaxAmount);
  CHECK(percent_of(kMaxAmount, amount("99.99999")) == amount("999999900000"));
  CHECK(percent_of(kMaxAmount, amount("0.00001")) == amount("100000"));
  CHECK(percent_of(amount("999999999999.99999"), amount("100")) == amount("999999999999.99999"));
  // 999999999999.99999 * 0.3333333 = 333333299999.9999966667
  CHECK(percent_of(amount("999999999999.99999"), amount("33.33333")) ==
        amount("333333300000.00000"));
  // 999999999999.99999 * 0.9999999 = 999999899999.9999900000
  CHECK(percent_of(amount("999999999999.99999"), amount("99.99999")) ==
        amount("999999899999.99999"));
}

TEST_CASE("amounts add and compare", "[money]") {
  CHECK(amount("12.5") + amount("0.00001") == amount("12.50001"));
  CHECK(kMaxAmount + kMaxAmount == Amount{2 * kMaxAmount.units});
  CHECK(amount("0.00001") < amount("0.0001"));
  CHECK(amount("12") > amount("11.99999"));
  CHECK(amount("12") == amount("12.00000"));
}

TEST_CASE("money currency codes are three ASCII letters, uppercased", "[money]") {
  CHECK(edgepost::normalize_currency("USD") == "USD");
  CHECK(edgepost::normalize_currency("eur") == "EUR");
  CHECK(edgepost::normalize_currency("gBp") == "GBP");
  const char* const refused[] = {"", "US", "USDT", "US1", " USD", "USD ", "U-D", "€", "ÉUR", "12$"};
  for (const char* code : refused) {
    INFO(code);
    CHECK_FALSE(edgepost::normalize_currency(code).has_value());
  }
  CHECK_FALSE(edgepost::normalize_currency(std::string("US\0", 3)).has_value());
}
