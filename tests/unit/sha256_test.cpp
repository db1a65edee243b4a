#include "edgepost/sha256.hpp"

#include <catch2/catch.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "edgepost/hex.hpp"

using edgepost::Sha256;
using edgepost::sha256;
using edgepost::to_hex;

namespace {

std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

// Bytes that vary, so that a block or word processed in the wrong order changes the digest.
std::string varied_bytes(std::size_t size) {
  std::string bytes;
  for (std::size_t i = 0; i < size; ++i) bytes.push_back(static_cast<char>((i * 37 + 11) % 256));
  return bytes;
}

std::string incremental_hex(std::string_view data, std::size_t chunk) {
  Sha256 hasher;
  for (std::size_t i = 0; i < data.size(); i += chunk) hasher.update(data.substr(i, chunk));
  return to_hex(hasher.finish());
}

}  // namespace

TEST_CASE("SHA-256 matches the FIPS 180-4 example vectors", "[sha256]") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(
      sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                 "klmnopqrlmnopqrsmnopqrstnopqrstu") ==
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST_CASE("SHA-256 of one million 'a', in one piece and in pieces", "[sha256]") {
  const std::string million(1000000, 'a');
  const char* expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  CHECK(sha256_hex(million) == expected);
  CHECK(incremental_hex(million, 1000) == expected);
  CHECK(incremental_hex(million, 97) == expected);
}

TEST_CASE("SHA-256 split at every offset equals the one-shot digest", "[sha256]") {
  const std::string message = varied_bytes(200);
  const std::string expected = "5e48d64839a8bff5e2471507af6a49f9990817df437857f4a2007df41266e1b5";
  REQUIRE(sha256_hex(message) == expected);
  for (std::size_t split = 0; split <= message.size(); ++split) {
    INFO("split at " << split);
    Sha256 hasher;
    hasher.update(std::string_view(message).substr(0, split));
    hasher.update(std::string_view(message).substr(split));
    CHECK(to_hex(hasher.finish()) == expected);
  }
  CHECK(incremental_hex(message, 1) == expected);
  CHECK(incremental_hex(message, 63) == expected);
  CHECK(incremental_hex(message, 65) == expected);
}

TEST_CASE("SHA-256 pads correctly around the block boundaries", "[sha256]") {
  // 55 bytes is the longest message whose padding fits in one block; 56 to 63 need a second
  // block for the length; 64 and 65 start a new block with the data itself.
  for (const auto& [size, expected] :
       {std::pair<std::size_t, const char*>{
            55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"}}) {
    INFO("size " << size);
    const std::string message(size, 'a');
    CHECK(sha256_hex(message) == expected);
    CHECK(incremental_hex(message, 1) == expected);
    CHECK(incremental_hex(message, 7) == expected);
    CHECK(incremental_hex(message, 32) == expected);
  }
}
