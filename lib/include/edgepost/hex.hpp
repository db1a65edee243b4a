#pragma once
// Hexadecimal (base16, RFC 4648 section 8) text for bytes, such as digests and keys.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace edgepost {

// 0..15 for a hex digit of either case, -1 for anything else.
int hex_digit_value(char c) noexcept;

// Two lowercase digits per byte.
std::string to_hex(std::span<const std::uint8_t> bytes);

// Accepts either case. nullopt on an odd length or any non-hex character rather than a guess at
// what was meant: the result may be a key or a signature.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace edgepost
