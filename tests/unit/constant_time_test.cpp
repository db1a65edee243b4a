#include "edgepost/constant_time.hpp"

#include <catch2/catch.hpp>
#include <string>

using edgepost::constant_time_equal;

TEST_CASE("constant_time_equal accepts equal inputs", "[constant_time]") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal("a", "a"));
  CHECK(constant_time_equal("signature tag", "signature tag"));
  CHECK(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
}

TEST_CASE("constant_time_equal refuses a difference anywhere", "[constant_time]") {
  CHECK_FALSE(constant_time_equal("xbcdef", "abcdef"));  // first byte
  CHECK_FALSE(constant_time_equal("abcdex", "abcdef"));  // last byte
  CHECK_FALSE(constant_time_equal("abcxef", "abcdef"));  // middle
  const std::string nul(1, '\0');
  CHECK_FALSE(constant_time_equal("\x80", nul));  // only the top bit
  CHECK_FALSE(constant_time_equal("\x01", nul));  // only the bottom bit
  CHECK_FALSE(constant_time_equal("\xff", "\x7f"));
}

TEST_CASE("constant_time_equal refuses different lengths", "[constant_time]") {
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
  CHECK_FALSE(constant_time_equal("abcd", "abc"));
  CHECK_FALSE(constant_time_equal("", "a"));
  CHECK_FALSE(constant_time_equal("a", ""));
  CHECK_FALSE(constant_time_equal(std::string("a\0", 2), "a"));  // a prefix is not equal
}
