#include "edgepost/percent.hpp"

#include "edgepost/hex.hpp"

namespace edgepost {
namespace {

bool is_unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

// Written by index into a string of the encoded size (decoding never lengthens), not pushed
// byte by byte: the query parse is on every click's path.
Expected<std::string, PercentDecodeError> percent_decode(std::string_view encoded, PlusSign plus) {
  std::string decoded(encoded.size(), '\0');
  std::size_t at = 0;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '%') {
      const int high = i + 1 < encoded.size() ? hex_digit_value(encoded[i + 1]) : -1;
      const int low = i + 2 < encoded.size() ? hex_digit_value(encoded[i + 2]) : -1;
      if (high < 0 || low < 0) return Unexpected{PercentDecodeError{i}};
      decoded[at++] = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus == PlusSign::space) {
      decoded[at++] = ' ';
    } else {
      decoded[at++] = c;
    }
  }
  decoded.resize(at);
  return decoded;
}

std::string percent_encode(std::string_view raw) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  // Sized for the worst case and written by index: push_back per byte was a visible share of
  // a postback's decision (every macro value of every partner URL goes through here).
  std::string encoded(raw.size() * 3, '\0');
  std::size_t at = 0;
  for (const char c : raw) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(byte)) {
      encoded[at++] = c;
    } else {
      encoded[at++] = '%';
      encoded[at++] = kHexDigits[byte >> 4];
      encoded[at++] = kHexDigits[byte & 0x0F];
    }
  }
  encoded.resize(at);
  return encoded;
}

}  // namespace edgepost
