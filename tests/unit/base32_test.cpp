#include "edgepost/base32.hpp"

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using edgepost::base32_decode;
using edgepost::base32_encode;

namespace {

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

std::vector<std::uint8_t> varied_bytes(std::size_t size, std::size_t seed) {
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < size; ++i) {
    bytes.push_back(static_cast<std::uint8_t>((i * 151 + seed * 29 + 7) % 256));
  }
  return bytes;
}

}  // namespace

TEST_CASE("base32 matches the RFC 4648 vectors, lowercase and unpadded", "[base32]") {
  for (const auto& [plain, encoded] : {std::pair<const char*, const char*>{"", ""},
                                       {"f", "my"},
                                       {"fo", "mzxq"},
                                       {"foo", "mzxw6"},
                                       {"foob", "mzxw6yq"},
                                       {"fooba", "mzxw6ytb"},
                                       {"foobar", "mzxw6ytboi"}}) {
    INFO("plain: " << plain);
    CHECK(base32_encode(bytes_of(plain)) == encoded);
    const auto decoded = base32_decode(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes_of(plain));
  }
}

TEST_CASE("base32 encodes high bytes with the whole alphabet", "[base32]") {
  CHECK(base32_encode(std::vector<std::uint8_t>{0xff}) == "74");
  CHECK(base32_encode(std::vector<std::uint8_t>(5, 0xff)) == "77777777");
  CHECK(base32_encode(std::vector<std::uint8_t>{0x00, 0xff, 0x80, 0x7f, 0x01, 0x02}) ==
        "ad7ya7ybai");
}

TEST_CASE("base32 round-trips every length from 0 to 40", "[base32]") {
  for (std::size_t size = 0; size <= 40; ++size) {
    INFO("size " << size);
    const std::vector<std::uint8_t> bytes = varied_bytes(size, size);
    const std::string encoded = base32_encode(bytes);
    CHECK(encoded.size() == (size * 8 + 4) / 5);
    const auto decoded = base32_decode(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes);
  }
}

TEST_CASE("base32_decode_exact: the same decoding into a buffer of exactly the right size",
          "[base32]") {
  for (std::size_t size = 0; size <= 40; ++size) {
    INFO("size " << size);
    const std::vector<std::uint8_t> bytes = varied_bytes(size, size + 1);
    const std::string encoded = base32_encode(bytes);
    std::vector<std::uint8_t> out(size, 0xEE);
    CHECK(edgepost::base32_decode_exact(encoded, out));
    CHECK(out == bytes);
    std::vector<std::uint8_t> shorter(size == 0 ? 0 : size - 1);
    if (size > 0) CHECK_FALSE(edgepost::base32_decode_exact(encoded, shorter));
    std::vector<std::uint8_t> longer(size + 1);
    CHECK_FALSE(edgepost::base32_decode_exact(encoded, longer));
  }
  std::vector<std::uint8_t> five(5);
  CHECK_FALSE(edgepost::base32_decode_exact("7777777A", five));  // not in the alphabet
  CHECK_FALSE(edgepost::base32_decode_exact("777777", five));    // a length no encoding has
}

TEST_CASE("base32_decode refuses symbols outside the lowercase alphabet", "[base32]") {
  for (const char* input : {"MZXW6YTBOI", "mzXw6ytboi", "MY", "my======", "my=", "mzxw6ytb====",
                            "m0", "m1", "m8", "m9", "mzxw6ytbo0", "mzxw6ytbo1", "mzxw6ytbo8",
                            "mzxw6ytbo9", "mz w6ytboi", "mzxw6ytb\n", "mz-w6", "mz_w6"}) {
    INFO("input: " << input);
    CHECK_FALSE(base32_decode(input).has_value());
  }
  CHECK_FALSE(base32_decode(std::string("m\0", 2)).has_value());

  // "mzxw6ytb" is a whole group with no unused bits, so only the foreign symbol can refuse it.
  const std::string group = "mzxw6ytb";
  REQUIRE(base32_decode(group).has_value());
  for (const char foreign : std::string("0189=AZ+/-_. \n\x80\xff\0", 17)) {
    for (std::size_t position = 0; position < group.size(); ++position) {
      std::string changed = group;
      changed[position] = foreign;
      INFO("input: " << changed);
      CHECK_FALSE(base32_decode(changed).has_value());
    }
  }
}

TEST_CASE("base32_decode refuses lengths no encoding has", "[base32]") {
  // 1, 3 and 6 symbols mod 8 hold 5, 15 and 30 bits: a whole symbol's worth or more that no
  // byte fills.
  for (const char* input : {"a", "aaa", "aaaaaa", "aaaaaaaaa", "aaaaaaaaaaa", "aaaaaaaaaaaaaa"}) {
    INFO("input: " << input);
    CHECK_FALSE(base32_decode(input).has_value());
  }
  for (const char* input : {"aa", "aaaa", "aaaaa", "aaaaaaa", "aaaaaaaa"}) {
    INFO("input: " << input);
    CHECK(base32_decode(input).has_value());
  }
}

TEST_CASE("base32_decode refuses non-zero unused bits in the last symbol", "[base32]") {
  // "my" is "f" (0x66 = 01100 110|00); "mz" has the same 8 bits and a 1 in the unused bits.
  CHECK_FALSE(base32_decode("mz").has_value());
  CHECK_FALSE(base32_decode("mzxr").has_value());        // "fo", 4 unused bits
  CHECK_FALSE(base32_decode("mzxw7").has_value());       // "foo", 1 unused bit
  CHECK_FALSE(base32_decode("mzxw6yr").has_value());     // "foob", 3 unused bits
  CHECK_FALSE(base32_decode("mzxw6ytboj").has_value());  // "foobar", 2 unused bits
  CHECK_FALSE(base32_decode("77").has_value());
  CHECK(*base32_decode("74") == std::vector<std::uint8_t>{0xff});
}

TEST_CASE("base32: every single-character change of an encoding is detected", "[base32]") {
  // 29 bytes = 232 bits = 47 symbols with 3 unused bits, like a transaction ID.
  const std::vector<std::uint8_t> bytes = varied_bytes(29, 3);
  const std::string encoded = base32_encode(bytes);
  REQUIRE(encoded.size() == 47);
  REQUIRE(*base32_decode(encoded) == bytes);
  for (std::size_t position = 0; position < encoded.size(); ++position) {
    for (int replacement = 0; replacement < 256; ++replacement) {
      std::string changed = encoded;
      changed[position] = static_cast<char>(replacement);
      if (changed == encoded) continue;
      const auto decoded = base32_decode(changed);
      if (decoded.has_value() && *decoded == bytes) {
        FAIL("changing position " << position << " to " << replacement << " went unnoticed");
      }
    }
  }
}
