#include "edgepost/ip_address.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace Catch {
template <>
struct StringMaker<edgepost::IpAddress> {
  static std::string convert(const edgepost::IpAddress& address) {
    return edgepost::format_ip_address(address);
  }
};
template <>
struct StringMaker<edgepost::CidrRange> {
  static std::string convert(const edgepost::CidrRange& range) {
    return edgepost::format_ip_address(range.network) + "/" + std::to_string(range.prefix_length);
  }
};
}  // namespace Catch

using edgepost::cidr_contains;
using edgepost::CidrRange;
using edgepost::format_ip_address;
using edgepost::IpAddress;
using edgepost::parse_cidr;
using edgepost::parse_ip_address;

namespace {
IpAddress ip(std::string_view text) {
  const auto parsed = parse_ip_address(text);
  INFO("address: \"" << std::string(text) << "\"");
  REQUIRE(parsed.has_value());
  return *parsed;
}

CidrRange cidr(std::string_view text) {
  const auto parsed = parse_cidr(text);
  INFO("range: \"" << std::string(text) << "\"");
  REQUIRE(parsed.has_value());
  return *parsed;
}

// Parsing then formatting, the way an address is logged.
std::string canonical(std::string_view text) {
  return format_ip_address(ip(text));
}

bool contains(std::string_view range, std::string_view address) {
  return cidr_contains(cidr(range), ip(address));
}
}  // namespace

TEST_CASE("IPv4 dotted quads parse into the first four bytes", "[ip]") {
  const IpAddress address = ip("203.0.113.7");
  CHECK_FALSE(address.v6);
  CHECK(address.bytes == std::array<std::uint8_t, 16>{203, 0, 113, 7});
  CHECK(ip("0.0.0.0").bytes == std::array<std::uint8_t, 16>{});
  CHECK(ip("255.255.255.255").bytes[3] == 255);
  CHECK(canonical("192.0.2.1") == "192.0.2.1");
  CHECK(canonical("0.0.0.0") == "0.0.0.0");
  CHECK(canonical("255.255.255.255") == "255.255.255.255");
}

TEST_CASE("an IPv4 address that is not a strict dotted quad is refused", "[ip]") {
  const char* const refused[] = {
      "",           "1.2.3",     "1.2.3.4.",  "1.2.3.4.5",    ".1.2.3",    "1..2.3",
      "256.1.1.1",  "1.2.3.256", "010.1.1.1", "1.2.3.04",     "00.1.1.1",  "1.2.3.-1",
      "+1.2.3.4",   "1.2.3.4 ",  " 1.2.3.4",  "1.2.3.0x4",    "1.2.3.a",   "1000.1.1.1",
      "0001.1.1.1", "16909060",  "1.2.3.4/",  "1.2.3.4%eth0", "[1.2.3.4]", "1,2,3,4"};
  for (const char* text : refused) {
    INFO(text);
    CHECK_FALSE(parse_ip_address(text).has_value());
  }
  CHECK_FALSE(parse_ip_address(std::string("1.2.3.4\0", 8)).has_value());
}

TEST_CASE("IPv6 text forms of RFC 4291 parse", "[ip]") {
  const IpAddress full = ip("2001:0db8:0000:0000:0000:ff00:0042:8329");
  CHECK(full.v6);
  CHECK(full.bytes == std::array<std::uint8_t, 16>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff,
                                                   0x00, 0x00, 0x42, 0x83, 0x29});
  CHECK(ip("2001:db8::ff00:42:8329") == full);
  CHECK(ip("2001:DB8::FF00:42:8329") == full);
  CHECK(ip("2001:db8:0:0:0:ff00:42:8329") == full);

  CHECK(ip("::").v6);
  CHECK(ip("::").bytes == std::array<std::uint8_t, 16>{});
  CHECK(ip("::1").bytes[15] == 1);
  CHECK(ip("1::").bytes[1] == 1);
  CHECK(ip("::1") == ip("0:0:0:0:0:0:0:1"));
  CHECK(ip("1::8") == ip("1:0:0:0:0:0:0:8"));
  CHECK(ip("1:2:3:4:5:6:7::") == ip("1:2:3:4:5:6:7:0"));  // "::" for a single group
  CHECK(ip("::2:3:4:5:6:7:8") == ip("0:2:3:4:5:6:7:8"));
  CHECK(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").bytes[0] == 0xff);

  // A dotted quad as the last 32 bits, in any otherwise valid form.
  CHECK(ip("::ffff:1.2.3.4") == ip("::ffff:102:304"));
  CHECK(ip("::1.2.3.4") == ip("::102:304"));
  CHECK(ip("64:ff9b::192.0.2.33") == ip("64:ff9b::c000:221"));
  CHECK(ip("1:2:3:4:5:6:1.2.3.4") == ip("1:2:3:4:5:6:102:304"));
  CHECK(ip("1::6:1.2.3.4") == ip("1:0:0:0:0:6:102:304"));
}

TEST_CASE("malformed IPv6 is refused", "[ip]") {
  const char* const refused[] = {
      ":",
      ":::",
      "::::",
      "1:2:3:4:5:6:7",           // seven groups and no "::"
      "1:2:3:4:5:6:7:8:9",       // nine groups
      "1:2:3:4:5:6:7:8::",       // "::" standing for no group
      "::1:2:3:4:5:6:7:8",       //
      "1:2:3:4::5:6:7:8",        //
      "1::2::3",                 // two "::"
      "::1::",                   //
      ":1:2:3:4:5:6:7",          // a lone leading colon
      "1:2:3:4:5:6:7:",          // a lone trailing colon
      ":1::",                    //
      "1::2:",                   //
      "1:::2",                   //
      "12345::",                 // five hex digits
      "00000::1",                //
      "g::1",                    // not hex
      "::1 ",                    //
      " ::1",                    //
      "fe80::1%eth0",            // zone id
      "fe80::1%1",               //
      "[::1]",                   // brackets
      "[::1]:80",                //
      "::1/128",                 // a prefix is not an address
      "1.2.3.4::",               // a dotted quad only at the end
      "::1.2.3.4:5",             //
      "::ffff:1.2.3",            // a bad dotted quad
      "::ffff:1.2.3.256",        //
      "::ffff:01.2.3.4",         //
      "1:2:3:4:5:6:7:1.2.3.4",   // a dotted quad is two groups: nine in all
      "1:2:3:4:5:6:7::1.2.3.4",  //
      "0x1::",                   //
      "-1::",                    //
  };
  for (const char* text : refused) {
    INFO(text);
    CHECK_FALSE(parse_ip_address(text).has_value());
  }
}

TEST_CASE("IPv6 formats in RFC 5952 canonical form", "[ip]") {
  CHECK(canonical("2001:0DB8:0000:0000:0000:FF00:0042:8329") == "2001:db8::ff00:42:8329");
  CHECK(canonical("0:0:0:0:0:0:0:0") == "::");
  CHECK(canonical("0:0:0:0:0:0:0:1") == "::1");
  CHECK(canonical("1:0:0:0:0:0:0:0") == "1::");
  CHECK(canonical("2001:db8:0:1:1:1:1:1") == "2001:db8:0:1:1:1:1:1");  // one group stays 0
  CHECK(canonical("2001:db8::1:1:1:1:1") == "2001:db8:0:1:1:1:1:1");
  CHECK(canonical("2001:0:0:1:0:0:0:1") == "2001:0:0:1::1");        // the longest run
  CHECK(canonical("2001:db8:0:0:1:0:0:1") == "2001:db8::1:0:0:1");  // the first of equals
  CHECK(canonical("1:0:2:0:3:0:4:0") == "1:0:2:0:3:0:4:0");
  CHECK(canonical("0:1:2:3:4:5:6:7") == "0:1:2:3:4:5:6:7");
  CHECK(canonical("1:2:3:4:5:6:7:0") == "1:2:3:4:5:6:7:0");
  CHECK(canonical("0:0:1:2:3:4:5:6") == "::1:2:3:4:5:6");
  CHECK(canonical("1:2:3:4:5:6:0:0") == "1:2:3:4:5:6::");
  CHECK(canonical("fe80::0001:00AB") == "fe80::1:ab");
  CHECK(canonical("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") ==
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  // IPv4-mapped addresses keep the dotted tail (RFC 5952 section 5); other embeddings do not.
  CHECK(canonical("::ffff:c000:0201") == "::ffff:192.0.2.1");
  CHECK(canonical("::FFFF:192.0.2.1") == "::ffff:192.0.2.1");
  CHECK(canonical("::1.2.3.4") == "::102:304");
  CHECK(canonical("64:ff9b::192.0.2.33") == "64:ff9b::c000:221");
}

TEST_CASE("an IPv4 address and its mapped form are distinct values", "[ip]") {
  CHECK_FALSE(ip("1.2.3.4") == ip("::ffff:1.2.3.4"));
  CHECK_FALSE(ip("0.0.0.0") == ip("::"));
}

TEST_CASE("CIDR ranges parse, a bare address being a single host", "[ip]") {
  CHECK(cidr("203.0.113.0/24") == CidrRange{ip("203.0.113.0"), 24});
  CHECK(cidr("2001:db8::/32") == CidrRange{ip("2001:db8::"), 32});
  CHECK(cidr("203.0.113.9") == CidrRange{ip("203.0.113.9"), 32});
  CHECK(cidr("2001:db8::9") == CidrRange{ip("2001:db8::9"), 128});
  CHECK(cidr("0.0.0.0/0").prefix_length == 0);
  CHECK(cidr("::/0").prefix_length == 0);
  CHECK(cidr("203.0.113.9/32").prefix_length == 32);
  CHECK(cidr("2001:db8::9/128").prefix_length == 128);
  CHECK(cidr("10.0.0.0/8").prefix_length == 8);
  CHECK(cidr("172.16.0.0/12").prefix_length == 12);
  CHECK(cidr("fe80::/10").prefix_length == 10);
  CHECK(cidr("::ffff:0:0/96").network.v6);
}

TEST_CASE("malformed CIDR ranges are refused", "[ip]") {
  const char* const refused[] = {"",
                                 "/24",
                                 "203.0.113.0/",
                                 "203.0.113.0/33",
                                 "2001:db8::/129",
                                 "10.0.0.0/-1",
                                 "10.0.0.0/+8",
                                 "10.0.0.0/08",
                                 "10.0.0.0/8/8",
                                 "10.0.0.0/ 8",
                                 "10.0.0.0 /8",
                                 "10.0.0.0/8 ",
                                 "10.0.0.0/8a",
                                 "10.0.0.0/1000",
                                 "10.0.0/8",
                                 "::/0128",
                                 "::/00",
                                 "10.0.0.0//8",
                                 "[::]/0",
                                 "fe80::/10%eth0"};
  for (const char* text : refused) {
    INFO(text);
    CHECK_FALSE(parse_cidr(text).has_value());
  }
}

TEST_CASE("CIDR ranges with host bits set are refused, not widened", "[ip]") {
  // "10.0.0.1/8" is a typo for 10.0.0.1 or for another range; trusting 10.0.0.0/8 would be
  // a guess.
  const char* const refused[] = {
      "10.0.0.1/8",     "203.0.113.128/24", "0.0.0.1/0", "172.17.0.0/12", "192.168.1.0/16",
      "2001:db8::1/32", "2001:db8::/28",    "::1/127",   "::1/0",         "fe80::1/64"};
  for (const char* text : refused) {
    INFO(text);
    CHECK_FALSE(parse_cidr(text).has_value());
  }
  // The same ranges with the host bits clear. 0xdb8 ends in binary 1000, so /29 is the
  // shortest prefix 2001:db8:: is a network for.
  const char* const accepted[] = {"10.0.0.0/8",    "203.0.113.128/25", "0.0.0.0/0",
                                  "172.16.0.0/12", "192.168.0.0/16",   "2001:db8::/32",
                                  "2001:db8::/29", "::2/127",          "::/0",
                                  "fe80::/64",     "::1/128",          "10.0.0.1/32"};
  for (const char* text : accepted) {
    INFO(text);
    CHECK(parse_cidr(text).has_value());
  }
}

TEST_CASE("CIDR containment at the edges of ranges", "[ip]") {
  CHECK(contains("203.0.113.0/24", "203.0.113.0"));
  CHECK(contains("203.0.113.0/24", "203.0.113.255"));
  CHECK_FALSE(contains("203.0.113.0/24", "203.0.112.255"));
  CHECK_FALSE(contains("203.0.113.0/24", "203.0.114.0"));

  CHECK(contains("172.16.0.0/12", "172.31.255.255"));
  CHECK_FALSE(contains("172.16.0.0/12", "172.32.0.0"));
  CHECK_FALSE(contains("172.16.0.0/12", "172.15.255.255"));

  CHECK(contains("203.0.113.9", "203.0.113.9"));  // /32
  CHECK_FALSE(contains("203.0.113.9/32", "203.0.113.8"));
  CHECK_FALSE(contains("203.0.113.9/32", "203.0.113.10"));

  CHECK(contains("0.0.0.0/0", "0.0.0.0"));
  CHECK(contains("0.0.0.0/0", "255.255.255.255"));
  CHECK(contains("128.0.0.0/1", "128.0.0.0"));
  CHECK_FALSE(contains("128.0.0.0/1", "127.255.255.255"));

  CHECK(contains("2001:db8::/32", "2001:db8::"));
  CHECK(contains("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
  CHECK_FALSE(contains("2001:db8::/32", "2001:db9::"));
  CHECK_FALSE(contains("2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
  CHECK(contains("::/0", "::"));
  CHECK(contains("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  CHECK(contains("2001:db8::1/128", "2001:db8::1"));
  CHECK_FALSE(contains("2001:db8::1/128", "2001:db8::"));
  CHECK_FALSE(contains("2001:db8::1/128", "2001:db8::2"));
  CHECK(contains("fe80::/10", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  CHECK_FALSE(contains("fe80::/10", "fec0::"));
}

TEST_CASE("IPv4-mapped IPv6 addresses match IPv4 ranges; families never mix otherwise", "[ip]") {
  CHECK(contains("203.0.113.0/24", "::ffff:203.0.113.7"));
  CHECK(contains("203.0.113.0/24", "::ffff:cb00:7107"));
  CHECK_FALSE(contains("203.0.113.0/24", "::ffff:203.0.114.7"));
  CHECK(contains("0.0.0.0/0", "::ffff:0.0.0.0"));
  CHECK(contains("203.0.113.7", "::ffff:203.0.113.7"));
  // Only ::ffff:0:0/96 is the IPv4 host; other embeddings are IPv6 hosts.
  CHECK_FALSE(contains("203.0.113.0/24", "::203.0.113.7"));
  CHECK_FALSE(contains("203.0.113.0/24", "64:ff9b::203.0.113.7"));
  CHECK_FALSE(contains("203.0.113.0/24", "::fffe:203.0.113.7"));
  CHECK_FALSE(contains("0.0.0.0/0", "::"));
  CHECK_FALSE(contains("0.0.0.0/0", "2001:db8::1"));
  // An IPv4 address is not in IPv6 ranges, not even the mapped block.
  CHECK_FALSE(contains("::/0", "1.2.3.4"));
  CHECK_FALSE(contains("::ffff:0:0/96", "1.2.3.4"));
  CHECK(contains("::ffff:0:0/96", "::ffff:1.2.3.4"));
}

TEST_CASE("a hand-built CIDR range with an impossible prefix contains nothing", "[ip]") {
  CHECK_FALSE(cidr_contains(CidrRange{ip("0.0.0.0"), 33}, ip("1.2.3.4")));
  CHECK_FALSE(cidr_contains(CidrRange{ip("::"), 129}, ip("::1")));
  CHECK_FALSE(cidr_contains(CidrRange{ip("::"), -1}, ip("::1")));
}
