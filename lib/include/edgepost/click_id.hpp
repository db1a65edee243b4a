#pragma once
// The transaction ID: minted by the click function, carried by the advertiser, presented
// back in the postback. Its format is specified in docs/transaction-id.md.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgepost/expected.hpp"
#include "edgepost/hmac.hpp"

namespace edgepost {

inline constexpr std::size_t kClickIdLength = 47;
inline constexpr std::uint8_t kClickIdVersion = 1;
// How far ahead of a host's clock an ID's click time may be: a validly signed ID from the
// future means a wrong clock somewhere, but a little skew between hosts is normal.
inline constexpr std::int64_t kClickClockSkewSeconds = 300;

struct ClickId {
  std::uint8_t key_id = 0;       // 0..15: which signing key made the MAC
  std::uint32_t click_time = 0;  // Unix seconds
  std::uint32_t offer_id = 0;
  std::uint32_t affiliate_id = 0;
  std::array<std::uint8_t, 8> nonce{};  // random: makes every click's ID unique

  friend bool operator==(const ClickId&, const ClickId&) = default;
};

struct SigningKey {
  std::uint8_t id = 0;  // 0..15
  HmacSha256Key mac;    // from a secret of at least 32 bytes, prepared once
};

// Several keys may verify at once so that keys can be rotated: mint with the new one while
// IDs minted with the old one are still out there, then retire the old one.
struct KeyRing {
  std::vector<SigningKey> keys;
  std::uint8_t minting_key_id = 0;

  const SigningKey* find(std::uint8_t id) const noexcept;
};

enum class KeyRingError {
  empty,
  malformed,
  bad_key_id,
  duplicate_key_id,
  short_secret,
  no_minting_key
};

// From configuration text such as "2:9f86d0...,1:60303a..." (id:hex-secret, comma-separated)
// and the id of the key that mints. Secrets come from the environment, never from code.
Expected<KeyRing, KeyRingError> parse_key_ring(std::string_view keys, std::string_view minting_id);
std::string_view key_ring_error_message(KeyRingError error) noexcept;

// The minting key must exist (parse_key_ring guarantees it).
std::string mint_click_id(const ClickId& click, const KeyRing& ring);

enum class ClickIdError { malformed, unknown_version, unknown_key, bad_signature };

// Checks shape, version, key and MAC (in constant time) before anything else looks at the ID.
// Upper case is folded to lower case first: the ID survives systems that change case.
Expected<ClickId, ClickIdError> verify_click_id(std::string_view text, const KeyRing& ring);

// What an ID that does not verify is refused with ("transaction_id is malformed" ...).
std::string_view click_id_error_message(ClickIdError error) noexcept;

// The fields an ID claims, read without verifying it: only to show what a forged or damaged ID
// pretends to be (explain). nullopt when it is not even shaped like an ID of this version.
std::optional<ClickId> read_unverified_click_id(std::string_view text);

// The canonical text of a verified ID (lowercase), e.g. for KV keys.
std::string normalize_click_id(std::string_view text);

}  // namespace edgepost
