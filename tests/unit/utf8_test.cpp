#include "edgepost/utf8.hpp"

#include <catch2/catch.hpp>
#include <string>

using edgepost::is_valid_utf8;

TEST_CASE("well-formed UTF-8 is accepted", "[utf8]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("caf\xC3\xA9"));                   // U+00E9
  CHECK(is_valid_utf8("\xE2\x82\xAC"));                  // U+20AC euro sign
  CHECK(is_valid_utf8("\xED\x9F\xBF"));                  // U+D7FF, last before surrogates
  CHECK(is_valid_utf8("\xF0\x9F\x98\x80"));              // U+1F600
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));              // U+10FFFF, the last code point
  CHECK(is_valid_utf8(std::string("nul\0inside", 10)));  // NUL is valid UTF-8
}

TEST_CASE("malformed UTF-8 is refused", "[utf8]") {
  CHECK_FALSE(is_valid_utf8("\x80"));              // lone continuation byte
  CHECK_FALSE(is_valid_utf8("\xC3"));              // truncated two-byte sequence
  CHECK_FALSE(is_valid_utf8("\xC3\x28"));          // bad continuation
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xC1\xBF"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong three-byte '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800 surrogate
  CHECK_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // overlong four-byte
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));  // lead byte never valid
  CHECK_FALSE(is_valid_utf8("\xFF"));
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));          // truncated three-byte
  CHECK_FALSE(is_valid_utf8("\xF0\x9F\x98\x28"));  // bad fourth byte
}
