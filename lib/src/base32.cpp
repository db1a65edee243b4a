#include "edgepost/base32.hpp"

#include <cstddef>

namespace edgepost {
namespace {

constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

int symbol_value(char c) noexcept {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// Feeds each decoded byte to `sink` (which may stop the decoding by returning false); false
// when `text` is not a canonical encoding.
template <typename Sink>
bool decode_symbols(std::string_view text, Sink&& sink) {
  // Lengths 1, 3 and 6 mod 8 leave a whole symbol or more of bits that no byte fills, so no
  // encoder produces them.
  const std::size_t tail = text.size() % 8;
  if (tail == 1 || tail == 3 || tail == 6) return false;
  std::uint32_t buffer = 0;
  int pending = 0;
  for (const char c : text) {
    const int value = symbol_value(c);
    if (value < 0) return false;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    pending += 5;
    if (pending >= 8) {
      pending -= 8;
      if (!sink(static_cast<std::uint8_t>(buffer >> pending))) return false;
      buffer &= (1u << pending) - 1;
    }
  }
  // What is left (fewer than 5 bits) is the encoder's zero fill; anything else would give a
  // second spelling of the same bytes.
  return buffer == 0;
}

}  // namespace

std::string base32_encode(std::span<const std::uint8_t> bytes) {
  std::string text;
  text.reserve((bytes.size() * 8 + 4) / 5);
  // Bits not yet emitted sit in the low `pending` bits of `buffer` (never more than 12).
  std::uint32_t buffer = 0;
  int pending = 0;
  for (const std::uint8_t byte : bytes) {
    buffer = (buffer << 8) | byte;
    pending += 8;
    while (pending >= 5) {
      pending -= 5;
      text.push_back(kAlphabet[(buffer >> pending) & 0x1F]);
    }
    buffer &= (1u << pending) - 1;
  }
  // The last symbol carries the remaining bits at its top, zero-filled below.
  if (pending > 0) text.push_back(kAlphabet[(buffer << (5 - pending)) & 0x1F]);
  return text;
}

std::optional<std::vector<std::uint8_t>> base32_decode(std::string_view text) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(text.size() * 5 / 8);
  const bool decoded = decode_symbols(text, [&](std::uint8_t byte) {
    bytes.push_back(byte);
    return true;
  });
  if (!decoded) return std::nullopt;
  return bytes;
}

bool base32_decode_exact(std::string_view text, std::span<std::uint8_t> out) noexcept {
  std::size_t filled = 0;
  const bool decoded = decode_symbols(text, [&](std::uint8_t byte) {
    if (filled == out.size()) return false;
    out[filled++] = byte;
    return true;
  });
  return decoded && filled == out.size();
}

}  // namespace edgepost
