#include "edgepost/partner_target.hpp"

#include <array>
#include <vector>

namespace edgepost {
namespace {

struct Blocked {
  std::string_view cidr;
  std::string_view why;
};

// Everything that is not public unicast (IANA special-purpose registries, RFC 6890).
constexpr Blocked kBlocked[] = {
    {"0.0.0.0/8", "unspecified"},
    {"10.0.0.0/8", "private"},
    {"100.64.0.0/10", "carrier-grade NAT"},
    {"127.0.0.0/8", "loopback"},
    {"169.254.0.0/16", "link-local"},  // where cloud metadata services live
    {"172.16.0.0/12", "private"},
    {"192.0.0.0/24", "IETF protocol assignments"},
    {"192.168.0.0/16", "private"},
    {"198.18.0.0/15", "benchmarking"},
    {"224.0.0.0/4", "multicast"},
    {"240.0.0.0/4", "reserved"},  // 255.255.255.255, broadcast, included
    {"::/128", "unspecified"},
    {"::1/128", "loopback"},
    {"::/96", "IPv4-compatible (deprecated)"},
    {"100::/64", "discard-only"},
    {"fc00::/7", "unique-local"},
    {"fe80::/10", "link-local"},
    {"fec0::/10", "site-local (deprecated)"},
    {"ff00::/8", "multicast"},
};

struct Range {
  CidrRange range;
  std::string_view why;
};

const std::vector<Range>& blocked_ranges() {
  static const std::vector<Range> ranges = [] {
    std::vector<Range> parsed;
    for (const Blocked& blocked : kBlocked)
      parsed.push_back({*parse_cidr(blocked.cidr), blocked.why});
    return parsed;
  }();
  return ranges;
}

bool starts_with(const IpAddress& address, std::initializer_list<std::uint8_t> prefix) {
  std::size_t i = 0;
  for (const std::uint8_t byte : prefix) {
    if (address.bytes[i++] != byte) return false;
  }
  return true;
}

IpAddress ipv4(const IpAddress& address, std::size_t offset) {
  IpAddress v4;
  for (std::size_t i = 0; i < 4; ++i) v4.bytes[i] = address.bytes[offset + i];
  return v4;
}

// The IPv4 destination an IPv6 address stands for, where it has one. (IPv4-mapped addresses
// need none: cidr_contains matches them against the IPv4 ranges.)
std::optional<IpAddress> embedded_ipv4(const IpAddress& address) {
  if (!address.v6) return std::nullopt;
  if (starts_with(address, {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0})) return ipv4(address, 12);
  if (starts_with(address, {0x20, 0x02})) return ipv4(address, 2);  // 6to4: 2002:a.b.c.d::/48
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> non_public_reason(const IpAddress& address) noexcept {
  if (const auto v4 = embedded_ipv4(address)) return non_public_reason(*v4);
  for (const Range& blocked : blocked_ranges()) {
    if (cidr_contains(blocked.range, address)) return blocked.why;
  }
  return std::nullopt;
}

std::optional<std::string_view> non_public_host_reason(std::string_view host) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  constexpr std::string_view kLocalhost = "localhost";
  if (host == kLocalhost || (host.size() > kLocalhost.size() && host.ends_with(".localhost"))) {
    return "loopback (localhost)";
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const auto address = parse_ip_address(host);
  if (!address) return std::nullopt;
  return non_public_reason(*address);
}

}  // namespace edgepost
