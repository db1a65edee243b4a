#pragma once
// HMAC-SHA256 (RFC 2104, test vectors in RFC 4231): the signature on transaction IDs.

#include <string_view>

#include "edgepost/sha256.hpp"

namespace edgepost {

// A key prepared once: the hash states after its inner and outer pad blocks, so that each MAC
// costs two compressions fewer (of four for a transaction ID). Holds no copy of the key itself.
class HmacSha256Key {
 public:
  // Keys longer than the 64-byte block are hashed first, as RFC 2104 requires.
  explicit HmacSha256Key(std::string_view key) noexcept;
  Sha256Digest mac(std::string_view message) const noexcept;

 private:
  Sha256 inner_;
  Sha256 outer_;
};

// One MAC with a key used once. Compare tags with constant_time_equal
// (edgepost/constant_time.hpp), never with ==.
Sha256Digest hmac_sha256(std::string_view key, std::string_view message) noexcept;

}  // namespace edgepost
