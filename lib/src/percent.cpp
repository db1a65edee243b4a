#include "edgepost/percent.hpp"

#include "edgepost/hex.hpp"

namespace edgepost {
namespace {

bool is_unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

// Text without an escape is copied whole; the rest is written by index into a string of the
// encoded size (decoding never lengthens), not pushed byte by byte: the query parse is on
// every click's path.
std::optional<PercentDecodeError> percent_decode_into(std::string_view encoded, PlusSign plus,
                                                      std::string& out) {
  std::size_t first = 0;
  while (first < encoded.size() && encoded[first] != '%' &&
         !(encoded[first] == '+' && plus == PlusSign::space)) {
    ++first;
  }
  out.assign(encoded);
  std::size_t at = first;
  for (std::size_t i = first; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '%') {
      const int high = i + 1 < encoded.size() ? hex_digit_value(encoded[i + 1]) : -1;
      const int low = i + 2 < encoded.size() ? hex_digit_value(encoded[i + 2]) : -1;
      if (high < 0 || low < 0) return PercentDecodeError{i};
      out[at++] = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus == PlusSign::space) {
      out[at++] = ' ';
    } else {
      out[at++] = c;
    }
  }
  out.resize(at);
  return std::nullopt;
}

Expected<std::string, PercentDecodeError> percent_decode(std::string_view encoded, PlusSign plus) {
  std::string decoded;
  if (auto error = percent_decode_into(encoded, plus, decoded)) return Unexpected{*error};
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
