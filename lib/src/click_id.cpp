#include "edgepost/click_id.hpp"

#include <algorithm>
#include <charconv>

#include "edgepost/base32.hpp"
#include "edgepost/constant_time.hpp"
#include "edgepost/hex.hpp"
#include "edgepost/hmac.hpp"

namespace edgepost {
namespace {

// Layout of the 29 signed bytes (big-endian integers):
//   [0]      version (high 4 bits) | key id (low 4 bits)
//   [1..4]   click time, Unix seconds
//   [5..8]   offer id
//   [9..12]  affiliate id
//   [13..20] nonce
//   [21..28] HMAC-SHA256(key, bytes 0..20), first 8 bytes
constexpr std::size_t kSignedBytes = 21;
constexpr std::size_t kMacBytes = 8;
constexpr std::size_t kTotalBytes = kSignedBytes + kMacBytes;
constexpr std::size_t kMinSecretBytes = 32;

// IDs are minted and checked on every request: fixed buffers, no allocation but the result.
using IdBytes = std::array<std::uint8_t, kTotalBytes>;

void put_u32(IdBytes& out, std::size_t at, std::uint32_t value) {
  for (std::size_t i = 0; i < 4; ++i)
    out[at + i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
}

std::uint32_t get_u32(const IdBytes& in, std::size_t at) {
  return (std::uint32_t{in[at]} << 24) | (std::uint32_t{in[at + 1]} << 16) |
         (std::uint32_t{in[at + 2]} << 8) | std::uint32_t{in[at + 3]};
}

std::string_view as_chars(const std::uint8_t* bytes, std::size_t count) {
  return {reinterpret_cast<const char*>(bytes), count};
}

Sha256Digest id_mac(const SigningKey& key, const IdBytes& bytes) {
  return key.mac.mac(as_chars(bytes.data(), kSignedBytes));
}

std::optional<std::uint8_t> parse_key_id(std::string_view text) {
  unsigned value = 0;
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (status != std::errc{} || end != text.data() + text.size() || value > 15) return std::nullopt;
  return static_cast<std::uint8_t>(value);
}

}  // namespace

const SigningKey* KeyRing::find(std::uint8_t id) const noexcept {
  for (const SigningKey& key : keys) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

Expected<KeyRing, KeyRingError> parse_key_ring(std::string_view text, std::string_view minting_id) {
  KeyRing ring;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const std::size_t colon = entry.find(':');
    if (colon == std::string_view::npos) return Unexpected{KeyRingError::malformed};
    const auto id = parse_key_id(entry.substr(0, colon));
    if (!id) return Unexpected{KeyRingError::bad_key_id};
    const auto secret = from_hex(entry.substr(colon + 1));
    if (!secret) return Unexpected{KeyRingError::malformed};
    if (secret->size() < kMinSecretBytes) return Unexpected{KeyRingError::short_secret};
    if (ring.find(*id) != nullptr) return Unexpected{KeyRingError::duplicate_key_id};
    ring.keys.push_back(SigningKey{*id, HmacSha256Key(*secret)});
  }
  if (ring.keys.empty()) return Unexpected{KeyRingError::empty};
  const auto minting = parse_key_id(minting_id);
  if (!minting || ring.find(*minting) == nullptr) return Unexpected{KeyRingError::no_minting_key};
  ring.minting_key_id = *minting;
  return ring;
}

std::string_view key_ring_error_message(KeyRingError error) noexcept {
  switch (error) {
    case KeyRingError::empty: return "no signing keys configured";
    case KeyRingError::malformed: return "signing keys must be 'id:hexsecret' separated by commas";
    case KeyRingError::bad_key_id: return "a signing key id must be a number from 0 to 15";
    case KeyRingError::duplicate_key_id: return "two signing keys have the same id";
    case KeyRingError::short_secret:
      return "a signing key secret must be at least 32 bytes (64 hex digits)";
    case KeyRingError::no_minting_key: return "the minting key id names none of the signing keys";
  }
  return "unknown key ring error";
}

std::string mint_click_id(const ClickId& click, const KeyRing& ring) {
  IdBytes bytes{};
  bytes[0] = static_cast<std::uint8_t>((kClickIdVersion << 4) | (ring.minting_key_id & 0x0F));
  put_u32(bytes, 1, click.click_time);
  put_u32(bytes, 5, click.offer_id);
  put_u32(bytes, 9, click.affiliate_id);
  std::copy(click.nonce.begin(), click.nonce.end(), bytes.begin() + 13);
  const Sha256Digest mac = id_mac(*ring.find(ring.minting_key_id), bytes);
  std::copy_n(mac.begin(), kMacBytes, bytes.begin() + kSignedBytes);
  return base32_encode(bytes);
}

std::string normalize_click_id(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

namespace {

// Shape and version: the bytes of an ID, not yet verified.
Expected<IdBytes, ClickIdError> id_bytes(std::string_view text) {
  if (text.size() != kClickIdLength) return Unexpected{ClickIdError::malformed};
  std::array<char, kClickIdLength> lower;
  std::transform(text.begin(), text.end(), lower.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  IdBytes bytes;
  if (!base32_decode_exact({lower.data(), lower.size()}, bytes)) {
    return Unexpected{ClickIdError::malformed};
  }
  if ((bytes[0] >> 4) != kClickIdVersion) return Unexpected{ClickIdError::unknown_version};
  return bytes;
}

ClickId id_fields(const IdBytes& bytes) {
  ClickId click;
  click.key_id = bytes[0] & 0x0F;
  click.click_time = get_u32(bytes, 1);
  click.offer_id = get_u32(bytes, 5);
  click.affiliate_id = get_u32(bytes, 9);
  std::copy(bytes.begin() + 13, bytes.begin() + 21, click.nonce.begin());
  return click;
}

}  // namespace

Expected<ClickId, ClickIdError> verify_click_id(std::string_view text, const KeyRing& ring) {
  const auto bytes = id_bytes(text);
  if (!bytes) return Unexpected{bytes.error()};
  const SigningKey* key = ring.find((*bytes)[0] & 0x0F);
  if (key == nullptr) return Unexpected{ClickIdError::unknown_key};
  const Sha256Digest expected_mac = id_mac(*key, *bytes);
  if (!constant_time_equal(as_chars(expected_mac.data(), kMacBytes),
                           as_chars(bytes->data() + kSignedBytes, kMacBytes))) {
    return Unexpected{ClickIdError::bad_signature};
  }
  return id_fields(*bytes);
}

std::optional<ClickId> read_unverified_click_id(std::string_view text) {
  const auto bytes = id_bytes(text);
  if (!bytes) return std::nullopt;
  return id_fields(*bytes);
}

std::string_view click_id_error_message(ClickIdError error) noexcept {
  switch (error) {
    case ClickIdError::malformed: return "transaction_id is malformed";
    case ClickIdError::unknown_version: return "transaction_id has an unknown format version";
    case ClickIdError::unknown_key: return "transaction_id was signed with an unknown key";
    case ClickIdError::bad_signature: return "transaction_id signature does not verify";
  }
  return "transaction_id is invalid";
}

}  // namespace edgepost
