#include "edgepost/hmac.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "edgepost/hex.hpp"

using edgepost::hmac_sha256;
using edgepost::to_hex;

// RFC 4231 section 4: the HMAC-SHA-256 results of test cases 1 to 7.

TEST_CASE("HMAC-SHA256 RFC 4231 test case 1 (4.2)", "[hmac]") {
  CHECK(to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST_CASE("HMAC-SHA256 RFC 4231 test case 2 (4.3): key shorter than the output", "[hmac]") {
  CHECK(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("HMAC-SHA256 RFC 4231 test case 3 (4.4)", "[hmac]") {
  CHECK(to_hex(hmac_sha256(std::string(20, '\xaa'), std::string(50, '\xdd'))) ==
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST_CASE("HMAC-SHA256 RFC 4231 test case 4 (4.5)", "[hmac]") {
  std::string key;
  for (char b = 0x01; b <= 0x19; ++b) key.push_back(b);
  CHECK(to_hex(hmac_sha256(key, std::string(50, '\xcd'))) ==
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST_CASE("HMAC-SHA256 RFC 4231 test case 5 (4.6): truncated to 128 bits", "[hmac]") {
  const std::string tag = to_hex(hmac_sha256(std::string(20, '\x0c'), "Test With Truncation"));
  CHECK(tag.substr(0, 32) == "a3b6167473100ee06e0c796c2955552b");
}

TEST_CASE("HMAC-SHA256 RFC 4231 test case 6 (4.7): 131-byte key is hashed first", "[hmac]") {
  CHECK(to_hex(hmac_sha256(std::string(131, '\xaa'),
                           "Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("HMAC-SHA256 RFC 4231 test case 7 (4.8): 131-byte key and long data", "[hmac]") {
  CHECK(to_hex(hmac_sha256(std::string(131, '\xaa'),
                           "This is a test using a larger than block-size key and a larger than "
                           "block-size data. The key needs to be hashed before being used by the "
                           "HMAC algorithm.")) ==
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST_CASE("HMAC-SHA256: a key prepared once gives the RFC 4231 tags for every message", "[hmac]") {
  // Case 2's key with case 2's message, then the same prepared key again: the prepared
  // states must not be consumed by a MAC.
  const edgepost::HmacSha256Key jefe("Jefe");
  for (int i = 0; i < 3; ++i) {
    CHECK(to_hex(jefe.mac("what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  // Case 6: a key longer than a block is hashed before its pads are prepared.
  const edgepost::HmacSha256Key long_key(std::string(131, '\xaa'));
  CHECK(to_hex(long_key.mac("Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
