#include "edgepost/percent.hpp"

#include <catch2/catch.hpp>
#include <string>

using edgepost::percent_decode;
using edgepost::percent_encode;
using edgepost::PlusSign;

TEST_CASE("percent_decode decodes escapes in either case", "[percent]") {
  CHECK(*percent_decode("a%20b", PlusSign::literal) == "a b");
  CHECK(*percent_decode("%2f%2F", PlusSign::literal) == "//");
  CHECK(*percent_decode("%00", PlusSign::literal) == std::string(1, '\0'));
  CHECK(*percent_decode("%E2%82%AC", PlusSign::literal) == "\xE2\x82\xAC");
  CHECK(percent_decode("", PlusSign::literal)->empty());
}

TEST_CASE("percent_decode treats '+' as the caller says", "[percent]") {
  CHECK(*percent_decode("a+b", PlusSign::space) == "a b");
  CHECK(*percent_decode("a+b", PlusSign::literal) == "a+b");
  CHECK(*percent_decode("a%2Bb", PlusSign::space) == "a+b");
}

TEST_CASE("percent_decode keeps the text between escapes, at either end", "[percent]") {
  CHECK(*percent_decode("+%41+b", PlusSign::space) == " A b");
  CHECK(*percent_decode("abc%41", PlusSign::space) == "abcA");
  CHECK(*percent_decode("%41%42c++", PlusSign::space) == "ABc  ");
  CHECK(*percent_decode("no escapes at all", PlusSign::literal) == "no escapes at all");
}

TEST_CASE("percent_decode_into replaces what the string held", "[percent]") {
  std::string out = "a longer value from an earlier field, past the small-string buffer";
  REQUIRE_FALSE(edgepost::percent_decode_into("x%41+", PlusSign::space, out));
  CHECK(out == "xA ");
  REQUIRE_FALSE(edgepost::percent_decode_into("plain", PlusSign::space, out));
  CHECK(out == "plain");
  REQUIRE_FALSE(edgepost::percent_decode_into("", PlusSign::space, out));
  CHECK(out.empty());
  const auto error = edgepost::percent_decode_into("ok%4", PlusSign::space, out);
  REQUIRE(error);
  CHECK(error->offset == 2);
}

TEST_CASE("percent_decode refuses malformed escapes and says where", "[percent]") {
  for (const auto& [input, offset] : {std::pair<const char*, std::size_t>{"%", 0},
                                      {"ab%", 2},
                                      {"ab%4", 2},
                                      {"%zz", 0},
                                      {"ok%4g", 2},
                                      {"%20%", 3}}) {
    INFO("input: " << input);
    const auto decoded = percent_decode(input, PlusSign::space);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().offset == offset);
  }
}

TEST_CASE("percent_encode keeps only unreserved characters", "[percent]") {
  CHECK(percent_encode("AZaz09-._~") == "AZaz09-._~");
  CHECK(percent_encode("a b&c=d/e?f#g") == "a%20b%26c%3Dd%2Fe%3Ff%23g");
  CHECK(percent_encode("\r\n") == "%0D%0A");
  CHECK(percent_encode("+") == "%2B");
  CHECK(percent_encode("\xE2\x82\xAC") == "%E2%82%AC");
  CHECK(percent_encode("") == "");
}

TEST_CASE("percent_encode and percent_decode round-trip every byte", "[percent]") {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  const auto back = percent_decode(percent_encode(every_byte), PlusSign::space);
  REQUIRE(back.has_value());
  CHECK(*back == every_byte);
}
