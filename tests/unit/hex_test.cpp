#include "edgepost/hex.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

using edgepost::from_hex;
using edgepost::to_hex;

TEST_CASE("to_hex writes two lowercase digits per byte", "[hex]") {
  CHECK(to_hex(std::array<std::uint8_t, 4>{0x00, 0x0f, 0xab, 0xff}) == "000fabff");
  CHECK(to_hex(std::vector<std::uint8_t>{}) == "");
}

TEST_CASE("from_hex reads either case", "[hex]") {
  CHECK(*from_hex("000fabff") == std::string("\x00\x0f\xab\xff", 4));
  CHECK(*from_hex("000FABFF") == std::string("\x00\x0f\xab\xff", 4));
  CHECK(*from_hex("aBcD") == "\xab\xcd");
  CHECK(from_hex("")->empty());
}

TEST_CASE("to_hex and from_hex round-trip every byte", "[hex]") {
  std::vector<std::uint8_t> every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<std::uint8_t>(b));
  const auto back = from_hex(to_hex(every_byte));
  REQUIRE(back.has_value());
  CHECK(*back == std::string(every_byte.begin(), every_byte.end()));
}

TEST_CASE("from_hex refuses odd lengths and non-hex characters", "[hex]") {
  for (const char* input : {"a", "abc", "0g", "g0", "zz", " 0", "0 ", "0x00", "-1", "ab:cd"}) {
    INFO("input: " << input);
    CHECK_FALSE(from_hex(input).has_value());
  }
  CHECK_FALSE(from_hex(std::string("0\0", 2)).has_value());
}
