#pragma once
// Base32 (RFC 4648 section 6) with a lowercase alphabet and no padding: the text form of signed
// transaction IDs, which must be URL-safe and survive systems that change case (DESIGN.md).
// Base32 rather than base64 because it has a single case; no padding because '=' is not
// URL-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edgepost {

// Alphabet "abcdefghijklmnopqrstuvwxyz234567", no '=' padding.
std::string base32_encode(std::span<const std::uint8_t> bytes);

// Strict and canonical: only the 32 lowercase symbols; the length must be one an encoding can
// have (i.e. not 1, 3 or 6 mod 8); the unused low bits of the last symbol must be zero, so every
// byte string has exactly one accepted encoding. nullopt otherwise. A signed ID must have exactly
// one spelling: if a changed character still decoded to the same bytes, the signature would
// accept an ID that was never issued (and deduplication by ID text would see two IDs).
std::optional<std::vector<std::uint8_t>> base32_decode(std::string_view text);

// The same decoding into a buffer of known size, allocating nothing: true only when `text` is
// the canonical encoding of exactly out.size() bytes.
bool base32_decode_exact(std::string_view text, std::span<std::uint8_t> out) noexcept;

}  // namespace edgepost
