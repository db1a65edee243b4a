#include "edgepost/form.hpp"

#include <catch2/catch.hpp>
#include <string>

using edgepost::Form;
using edgepost::FormErrorCode;
using edgepost::FormLimits;
using edgepost::kFormBodyLimits;
using edgepost::kQueryLimits;
using edgepost::parse_form;

namespace {
constexpr FormLimits kTiny{32, 3, 4, 5};

FormErrorCode error_of(std::string_view input, const FormLimits& limits = kQueryLimits) {
  const auto parsed = parse_form(input, limits);
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error().code;
}
}  // namespace

TEST_CASE("a query string becomes ordered, decoded fields", "[form]") {
  const auto form = parse_form("offer_id=12&aff_id=7&aff_sub=a%20b%2Bc&source=x+y", kQueryLimits);
  REQUIRE(form.has_value());
  CHECK(*form ==
        Form{{"offer_id", "12"}, {"aff_id", "7"}, {"aff_sub", "a b+c"}, {"source", "x y"}});
}

TEST_CASE("empty input, empty segments and missing values", "[form]") {
  CHECK(parse_form("", kQueryLimits)->empty());
  CHECK(parse_form("&&", kQueryLimits)->empty());
  CHECK(*parse_form("a=1&&b=2&", kQueryLimits) == Form{{"a", "1"}, {"b", "2"}});
  CHECK(*parse_form("flag", kQueryLimits) == Form{{"flag", ""}});
  CHECK(*parse_form("flag=", kQueryLimits) == Form{{"flag", ""}});
  CHECK(*parse_form("eq=a=b", kQueryLimits) == Form{{"eq", "a=b"}});  // only the first '=' splits
  CHECK(*parse_form("n%61me=v", kQueryLimits) == Form{{"name", "v"}});
}

TEST_CASE("repeated names are all kept, in order, and find_field returns the first", "[form]") {
  const auto form = parse_form("goal=1&goal=2", kQueryLimits);
  REQUIRE(form->size() == 2);
  REQUIRE(edgepost::find_field(*form, "goal") != nullptr);
  CHECK(*edgepost::find_field(*form, "goal") == "1");
  CHECK(edgepost::find_field(*form, "missing") == nullptr);
}

TEST_CASE("limits are enforced with specific errors", "[form]") {
  CHECK(error_of(std::string(33, 'a'), kTiny) == FormErrorCode::input_too_long);
  CHECK(parse_form(std::string(32, 'a'), {32, 3, 32, 5}).has_value());  // exactly at the limit
  CHECK(error_of("a=1&b=2&c=3&d=4", kTiny) == FormErrorCode::too_many_fields);
  CHECK(parse_form("a=1&b=2&c=3", kTiny).has_value());
  CHECK(error_of("abcde=1", kTiny) == FormErrorCode::name_too_long);
  CHECK(parse_form("abcd=12345", kTiny).has_value());
  CHECK(error_of("a=123456", kTiny) == FormErrorCode::value_too_long);
  // Limits apply to decoded bytes: "%41" is one byte.
  CHECK(parse_form("a=%41%41%41%41%41", kTiny).has_value());
}

TEST_CASE("the standard limits: 500-byte values, 8 KiB queries, 64 KiB bodies", "[form]") {
  const std::string at_limit = "aff_sub=" + std::string(500, 'x');
  CHECK(parse_form(at_limit, kQueryLimits).has_value());
  CHECK(error_of(at_limit + "x") == FormErrorCode::value_too_long);
  CHECK(error_of(std::string(8 * 1024 + 1, 'a')) == FormErrorCode::input_too_long);

  std::string big_body;
  for (int i = 0; i < 60; ++i)
    big_body += "f" + std::to_string(i) + "=" + std::string(500, 'v') + "&";
  CHECK(big_body.size() > 8 * 1024);
  CHECK(parse_form(big_body, kFormBodyLimits).has_value());
  CHECK(error_of(big_body, kQueryLimits) == FormErrorCode::input_too_long);
}

TEST_CASE("malformed input is refused and located", "[form]") {
  const auto bad = parse_form("offer_id=1&aff_sub=50%", kQueryLimits);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == FormErrorCode::bad_percent_encoding);
  CHECK(bad.error().field == "aff_sub");
  CHECK(bad.error().offset == 21);
  CHECK(edgepost::describe(bad.error()) ==
        "parameter 'aff_sub': malformed percent-encoding at byte 21");

  CHECK(error_of("=value") == FormErrorCode::empty_name);
  CHECK(error_of("%=1") == FormErrorCode::bad_percent_encoding);
  CHECK(error_of("a=%C3%28") == FormErrorCode::invalid_utf8);
  CHECK(error_of("a=%FF") == FormErrorCode::invalid_utf8);
  CHECK(error_of("%FF=1") == FormErrorCode::invalid_utf8);
}

TEST_CASE("control characters never get through", "[form]") {
  CHECK(error_of("a=x%0D%0ALocation:%20evil") == FormErrorCode::control_character);
  CHECK(error_of("a=%00") == FormErrorCode::control_character);
  CHECK(error_of("a=%7F") == FormErrorCode::control_character);
  CHECK(error_of("a%0A=1") == FormErrorCode::control_character);
  CHECK(*parse_form("a=tab%09ok", kQueryLimits) == Form{{"a", "tab\tok"}});
}

TEST_CASE("every error has a stable code name and a sentence", "[form]") {
  const FormErrorCode codes[] = {FormErrorCode::input_too_long, FormErrorCode::too_many_fields,
                                 FormErrorCode::empty_name,     FormErrorCode::name_too_long,
                                 FormErrorCode::value_too_long, FormErrorCode::bad_percent_encoding,
                                 FormErrorCode::invalid_utf8,   FormErrorCode::control_character};
  for (const FormErrorCode code : codes) {
    CHECK(edgepost::code_name(code) != "unknown");
    CHECK_FALSE(edgepost::describe({code, "", 0}).empty());
  }
  CHECK(edgepost::describe({FormErrorCode::input_too_long, "", 8192}) ==
        "input longer than the limit of 8192 bytes");
  CHECK(edgepost::describe({FormErrorCode::too_many_fields, "", 40}) ==
        "too many parameters at byte 40");
}
