#pragma once
// HMAC-SHA256 (RFC 2104, test vectors in RFC 4231): the signature on transaction IDs.

#include <string_view>

#include "edgepost/sha256.hpp"

namespace edgepost {

// Keys longer than the 64-byte block are hashed first, as RFC 2104 requires. Compare tags with
// constant_time_equal (edgepost/constant_time.hpp), never with ==.
Sha256Digest hmac_sha256(std::string_view key, std::string_view message) noexcept;

}  // namespace edgepost
