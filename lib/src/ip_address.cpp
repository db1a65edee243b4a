#include "edgepost/ip_address.hpp"

#include <cstddef>

namespace edgepost {
namespace {

using Bytes = std::array<std::uint8_t, 16>;

constexpr int kGroups = 8;  // 16-bit groups in an IPv6 address

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

int hex_value(char c) noexcept {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A decimal number without sign or leading zeros, at most `max`; -1 otherwise.
int parse_decimal(std::string_view text, int max) noexcept {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text.front() == '0')) return -1;
  int value = 0;
  for (const char c : text) {
    if (!is_digit(c)) return -1;
    value = value * 10 + (c - '0');
  }
  return value <= max ? value : -1;
}

std::optional<std::array<std::uint8_t, 4>> parse_dotted_quad(std::string_view text) {
  std::array<std::uint8_t, 4> quad{};
  for (std::size_t i = 0; i < quad.size(); ++i) {
    const bool last = i + 1 == quad.size();
    const std::size_t end = last ? text.size() : text.find('.');
    if (end == std::string_view::npos) return std::nullopt;
    const int part = parse_decimal(text.substr(0, end), 255);
    if (part < 0) return std::nullopt;
    quad[i] = static_cast<std::uint8_t>(part);
    if (!last) text.remove_prefix(end + 1);
  }
  return quad;
}

// Colon-separated groups, each 1 to 4 hex digits; when `dotted_tail` the last one may be a
// dotted quad worth two groups. An empty `text` is zero groups (either side of a "::").
struct Groups {
  std::array<std::uint16_t, kGroups> values{};
  int count = 0;
};

std::optional<Groups> parse_groups(std::string_view text, bool dotted_tail) {
  Groups groups;
  if (text.empty()) return groups;
  while (true) {
    const std::size_t colon = text.find(':');
    const std::string_view piece = text.substr(0, colon);
    if (colon == std::string_view::npos && dotted_tail &&
        piece.find('.') != std::string_view::npos) {
      const auto quad = parse_dotted_quad(piece);
      if (!quad || groups.count > kGroups - 2) return std::nullopt;
      groups.values[groups.count++] = static_cast<std::uint16_t>((*quad)[0] << 8 | (*quad)[1]);
      groups.values[groups.count++] = static_cast<std::uint16_t>((*quad)[2] << 8 | (*quad)[3]);
      return groups;
    }
    if (piece.empty() || piece.size() > 4 || groups.count == kGroups) return std::nullopt;
    unsigned value = 0;
    for (const char c : piece) {
      const int digit = hex_value(c);
      if (digit < 0) return std::nullopt;
      value = value << 4 | static_cast<unsigned>(digit);
    }
    groups.values[groups.count++] = static_cast<std::uint16_t>(value);
    if (colon == std::string_view::npos) return groups;
    text.remove_prefix(colon + 1);
  }
}

std::optional<IpAddress> parse_ipv6(std::string_view text) {
  const std::size_t gap = text.find("::");
  const bool compressed = gap != std::string_view::npos;
  if (compressed && text.find("::", gap + 1) != std::string_view::npos) return std::nullopt;

  // The dotted quad may only end the address, so never before a "::".
  const auto head = parse_groups(text.substr(0, gap), !compressed);
  const auto tail = compressed ? parse_groups(text.substr(gap + 2), true) : Groups{};
  if (!head || !tail) return std::nullopt;
  const int explicit_groups = head->count + tail->count;
  // "::" stands for at least one zero group (RFC 4291 section 2.2).
  if (compressed ? explicit_groups >= kGroups : explicit_groups != kGroups) return std::nullopt;

  IpAddress address{true, {}};
  const auto put = [&address](int index, std::uint16_t group) {
    address.bytes[2 * index] = static_cast<std::uint8_t>(group >> 8);
    address.bytes[2 * index + 1] = static_cast<std::uint8_t>(group & 0xFF);
  };
  for (int i = 0; i < head->count; ++i) put(i, head->values[i]);
  for (int i = 0; i < tail->count; ++i) put(kGroups - tail->count + i, tail->values[i]);
  return address;
}

bool is_ipv4_mapped(const IpAddress& address) noexcept {
  if (!address.v6) return false;
  for (int i = 0; i < 10; ++i) {
    if (address.bytes[i] != 0) return false;
  }
  return address.bytes[10] == 0xFF && address.bytes[11] == 0xFF;
}

// The IPv4 host behind an IPv4-mapped address; any other address unchanged.
IpAddress unmapped(const IpAddress& address) noexcept {
  if (!is_ipv4_mapped(address)) return address;
  IpAddress v4;
  for (int i = 0; i < 4; ++i) v4.bytes[i] = address.bytes[12 + i];
  return v4;
}

bool same_prefix(const Bytes& a, const Bytes& b, int prefix_length) noexcept {
  const int whole_bytes = prefix_length / 8;
  for (int i = 0; i < whole_bytes; ++i) {
    if (a[i] != b[i]) return false;
  }
  const int rest = prefix_length % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return ((a[whole_bytes] ^ b[whole_bytes]) & mask) == 0;
}

bool host_bits_zero(const Bytes& bytes, int prefix_length) noexcept {
  for (int bit = prefix_length; bit < 128; ++bit) {
    if (bytes[bit / 8] & (0x80 >> (bit % 8))) return false;
  }
  return true;
}

std::string format_ipv4(const std::uint8_t* quad) {
  std::string text;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) text += '.';
    text += std::to_string(quad[i]);
  }
  return text;
}

void append_hex(std::string& text, unsigned group) {
  constexpr char kDigits[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned digit = (group >> shift) & 0xF;
    if (digit != 0 || started || shift == 0) {
      text += kDigits[digit];
      started = true;
    }
  }
}

struct ZeroRun {
  int start = -1;
  int length = 0;
};

// The longest run of zero groups, the first when runs tie; RFC 5952 only compresses runs of
// two or more, so shorter ones are reported as none.
ZeroRun longest_zero_run(const std::array<unsigned, kGroups>& groups) noexcept {
  ZeroRun best;
  for (int i = 0; i < kGroups;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int end = i;
    while (end < kGroups && groups[end] == 0) ++end;
    if (end - i > best.length) best = {i, end - i};
    i = end;
  }
  return best.length >= 2 ? best : ZeroRun{};
}

std::string format_ipv6(const IpAddress& address) {
  if (is_ipv4_mapped(address)) return "::ffff:" + format_ipv4(&address.bytes[12]);
  std::array<unsigned, kGroups> groups{};
  for (int i = 0; i < kGroups; ++i) {
    groups[i] = static_cast<unsigned>(address.bytes[2 * i] << 8 | address.bytes[2 * i + 1]);
  }
  const ZeroRun run = longest_zero_run(groups);
  std::string text;
  for (int i = 0; i < kGroups; ++i) {
    if (i == run.start) {
      text += "::";
      i += run.length - 1;
      continue;
    }
    if (!text.empty() && text.back() != ':') text += ':';
    append_hex(text, groups[i]);
  }
  return text;
}

}  // namespace

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return parse_ipv6(text);
  const auto quad = parse_dotted_quad(text);
  if (!quad) return std::nullopt;
  IpAddress address;
  for (std::size_t i = 0; i < quad->size(); ++i) address.bytes[i] = (*quad)[i];
  return address;
}

std::string format_ip_address(const IpAddress& address) {
  return address.v6 ? format_ipv6(address) : format_ipv4(address.bytes.data());
}

std::optional<CidrRange> parse_cidr(std::string_view text) {
  const std::size_t slash = text.find('/');
  const auto address = parse_ip_address(text.substr(0, slash));
  if (!address) return std::nullopt;
  const int max_length = address->v6 ? 128 : 32;
  if (slash == std::string_view::npos) return CidrRange{*address, max_length};
  const int prefix_length = parse_decimal(text.substr(slash + 1), max_length);
  if (prefix_length < 0 || !host_bits_zero(address->bytes, prefix_length)) return std::nullopt;
  return CidrRange{*address, prefix_length};
}

bool cidr_contains(const CidrRange& range, const IpAddress& address) noexcept {
  // A hand-built range could hold any prefix length; it must not read past the bytes.
  if (range.prefix_length < 0 || range.prefix_length > (range.network.v6 ? 128 : 32)) {
    return false;
  }
  const IpAddress host = range.network.v6 ? address : unmapped(address);
  if (host.v6 != range.network.v6) return false;
  return same_prefix(range.network.bytes, host.bytes, range.prefix_length);
}

}  // namespace edgepost
