#include "edgepost/partner_target.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace {
std::optional<std::string_view> reason(std::string_view text) {
  const auto address = edgepost::parse_ip_address(text);
  INFO("address: \"" << std::string(text) << "\"");
  REQUIRE(address.has_value());
  return edgepost::non_public_reason(*address);
}
}  // namespace

// The vectors of the one partner-target policy: each range at both ends, its neighbours
// outside, and the IPv6 spellings of IPv4 destinations.
TEST_CASE("partner targets: every non-public range at both ends, with its reason",
          "[partner_target]") {
  const std::pair<const char*, const char*> inside[] = {
      {"0.0.0.0", "unspecified"},
      {"0.255.255.255", "unspecified"},
      {"10.0.0.0", "private"},
      {"10.255.255.255", "private"},
      {"100.64.0.0", "carrier-grade NAT"},
      {"100.127.255.255", "carrier-grade NAT"},
      {"127.0.0.0", "loopback"},
      {"127.0.0.1", "loopback"},
      {"127.255.255.255", "loopback"},
      {"169.254.0.0", "link-local"},
      {"169.254.169.254", "link-local"},
      {"169.254.255.255", "link-local"},
      {"172.16.0.0", "private"},
      {"172.31.255.255", "private"},
      {"192.0.0.0", "IETF protocol assignments"},
      {"192.0.0.255", "IETF protocol assignments"},
      {"192.168.0.0", "private"},
      {"192.168.255.255", "private"},
      {"198.18.0.0", "benchmarking"},
      {"198.19.255.255", "benchmarking"},
      {"224.0.0.0", "multicast"},
      {"239.255.255.255", "multicast"},
      {"240.0.0.0", "reserved"},
      {"255.255.255.255", "reserved"},
      {"::", "unspecified"},
      {"::1", "loopback"},
      {"::2", "IPv4-compatible (deprecated)"},
      {"::7f00:1", "IPv4-compatible (deprecated)"},
      {"100::", "discard-only"},
      {"100::ffff:ffff:ffff:ffff", "discard-only"},
      {"fc00::", "unique-local"},
      {"fd12:3456:789a::1", "unique-local"},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique-local"},
      {"fe80::", "link-local"},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local"},
      {"fec0::", "site-local (deprecated)"},
      {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "site-local (deprecated)"},
      {"ff00::", "multicast"},
      {"ff02::1", "multicast"},
      // IPv6 spellings of IPv4 destinations: judged by the IPv4 address.
      {"::ffff:127.0.0.1", "loopback"},
      {"::ffff:7f00:1", "loopback"},
      {"::ffff:10.1.2.3", "private"},
      {"::ffff:169.254.169.254", "link-local"},
      {"::ffff:0.0.0.0", "unspecified"},
      {"64:ff9b::a9fe:a9fe", "link-local"},  // NAT64 of 169.254.169.254
      {"64:ff9b::10.0.0.1", "private"},
      {"2002:7f00:1::", "loopback"},    // 6to4 of 127.0.0.1
      {"2002:c0a8:101::1", "private"},  // 6to4 of 192.168.1.1
  };
  for (const auto& [text, why] : inside) {
    INFO(text);
    CHECK(reason(text) == std::optional<std::string_view>{why});
  }
  const char* const outside[] = {
      "1.0.0.0",
      "9.255.255.255",
      "11.0.0.0",
      "126.255.255.255",
      "128.0.0.0",
      "172.15.255.255",
      "172.32.0.0",
      "192.167.255.255",
      "192.169.0.0",
      "169.253.255.255",
      "169.255.0.0",
      "100.63.255.255",
      "100.128.0.0",
      "192.0.1.0",
      "198.17.255.255",
      "198.20.0.0",
      "223.255.255.255",
      "8.8.8.8",
      "203.0.113.7",
      "::1:0:0:0",
      "1::",
      "2001:db8::1",
      "2606:4700::1111",
      "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "fe00::",
      "::ffff:8.8.8.8",
      "::ffff:203.0.113.7",
      "::ffff:172.32.0.1",
      "64:ff9b::808:808",
      "2002:808:808::",
      "101::",
  };
  for (const char* text : outside) {
    INFO(text);
    CHECK_FALSE(reason(text).has_value());
  }
}

TEST_CASE("partner target hosts: IP literals, localhost names, and names left to resolution",
          "[partner_target]") {
  using edgepost::non_public_host_reason;
  CHECK(non_public_host_reason("127.0.0.1") == std::optional<std::string_view>{"loopback"});
  CHECK(non_public_host_reason("[::1]") == std::optional<std::string_view>{"loopback"});
  CHECK(non_public_host_reason("[::ffff:a9fe:a9fe]") ==
        std::optional<std::string_view>{"link-local"});
  CHECK(non_public_host_reason("[fe80::1]") == std::optional<std::string_view>{"link-local"});
  CHECK(non_public_host_reason("localhost") ==
        std::optional<std::string_view>{"loopback (localhost)"});
  CHECK(non_public_host_reason("localhost.") ==
        std::optional<std::string_view>{"loopback (localhost)"});
  CHECK(non_public_host_reason("a.localhost") ==
        std::optional<std::string_view>{"loopback (localhost)"});
  CHECK_FALSE(non_public_host_reason("notlocalhost").has_value());
  CHECK_FALSE(non_public_host_reason("localhost.example").has_value());
  CHECK_FALSE(non_public_host_reason("partner.example").has_value());
  CHECK_FALSE(non_public_host_reason("8.8.8.8").has_value());
  CHECK_FALSE(non_public_host_reason("[2001:db8::1]").has_value());
  // Not a literal: left to resolution, which fails.
  CHECK_FALSE(non_public_host_reason("[::1").has_value());
  CHECK_FALSE(non_public_host_reason("").has_value());
}
