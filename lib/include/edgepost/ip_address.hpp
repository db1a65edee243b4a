#pragma once
// IP addresses and CIDR ranges: partner allowlists for incoming postbacks, and the ranges
// outgoing postbacks may not reach (partner_target.hpp). Parsing is strict because these values
// come from configuration where a lenient guess could open an allowlist wider than meant.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgepost {

struct IpAddress {
  bool v6 = false;
  // Network byte order. IPv4 uses bytes[0..3] and keeps the rest zero, so that equality
  // compares addresses rather than leftovers. 1.2.3.4 and ::ffff:1.2.3.4 are not equal:
  // they are the same host, which cidr_contains (and so partner_target.hpp) takes into account.
  std::array<std::uint8_t, 16> bytes{};

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// IPv4: a strict dotted quad, four decimal parts 0..255 without leading zeros ("010.1.1.1"
// is octal to some parsers and decimal to others), so no "1.2.3" or "1.2.3.4.".
// IPv6: the RFC 4291 text forms: eight groups of 1 to 4 hex digits (either case), one "::"
// for one or more zero groups ("::", "::1", "2001:db8::"), a dotted quad as the last 32 bits
// ("::ffff:1.2.3.4"). Refused: zone ids ("fe80::1%eth0"), brackets, surrounding spaces.
std::optional<IpAddress> parse_ip_address(std::string_view text);

// IPv4 dotted; IPv6 in RFC 5952 canonical form: lowercase, no leading zeros, the longest run
// of two or more zero groups (the first of equal runs) as "::". IPv4-mapped addresses keep
// the dotted tail RFC 5952 section 5 recommends: "::ffff:192.0.2.1".
std::string format_ip_address(const IpAddress& address);

struct CidrRange {
  IpAddress network;  // host bits are always zero
  int prefix_length = 0;

  friend bool operator==(const CidrRange&, const CidrRange&) = default;
};

// "203.0.113.0/24", "2001:db8::/32"; a bare address is a /32 or /128 range. The prefix is
// decimal without sign or leading zeros, at most 32 (IPv4) or 128 (IPv6). Refused: host bits
// set ("10.0.0.1/8"): in an allowlist that is usually a typo for a single host or for a
// different range, and silently widening it to 10.0.0.0/8 would trust far more than meant.
std::optional<CidrRange> parse_cidr(std::string_view text);

// Same-family containment, plus: an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4
// host a.b.c.d, so it matches IPv4 ranges (dual-stack servers report IPv4 peers that way).
// An IPv4 address never matches an IPv6 range, not even "::/0" or "::ffff:0:0/96".
bool cidr_contains(const CidrRange& range, const IpAddress& address) noexcept;

}  // namespace edgepost
