#include "edgepost/url.hpp"

#include <catch2/catch.hpp>
#include <string>

using edgepost::HttpUrl;
using edgepost::parse_http_url;
using edgepost::UrlError;

namespace {
UrlError url_error_of(std::string_view text) {
  const auto parsed = parse_http_url(text);
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error();
}
}  // namespace

TEST_CASE("URL parts: scheme and host lowercased, default ports, rest as written", "[url]") {
  CHECK(*parse_http_url("https://Shop.Example.COM/Path/%7e?Q=A%2fb&x=1#Frag") ==
        HttpUrl{"https", "shop.example.com", 443, "/Path/%7e?Q=A%2fb&x=1#Frag"});
  CHECK(*parse_http_url("HTTP://example.com") == HttpUrl{"http", "example.com", 80, ""});
  CHECK(*parse_http_url("http://example.com?a=1") == HttpUrl{"http", "example.com", 80, "?a=1"});
  CHECK(*parse_http_url("http://example.com#top") == HttpUrl{"http", "example.com", 80, "#top"});
  CHECK(*parse_http_url("hTtPs://a-b_c.example.com:8443/") ==
        HttpUrl{"https", "a-b_c.example.com", 8443, "/"});
  CHECK(*parse_http_url("http://127.0.0.1:8080/pb") == HttpUrl{"http", "127.0.0.1", 8080, "/pb"});
}

TEST_CASE("URL with an IPv6 host keeps the address without brackets", "[url]") {
  CHECK(*parse_http_url("http://[::1]:8080/x") == HttpUrl{"http", "::1", 8080, "/x"});
  CHECK(*parse_http_url("https://[2001:DB8::A]/") == HttpUrl{"https", "2001:db8::a", 443, "/"});
  CHECK(*parse_http_url("https://[::ffff:192.0.2.1]") ==
        HttpUrl{"https", "::ffff:192.0.2.1", 443, ""});
  CHECK(url_error_of("http://[]/") == UrlError::no_host);
  CHECK(url_error_of("http://[::1/") == UrlError::bad_character);
  CHECK(url_error_of("http://[::1]x/") == UrlError::bad_character);
  CHECK(url_error_of("http://[v1.fe]/") == UrlError::bad_character);
  CHECK(url_error_of("http://[example.com]/") == UrlError::bad_character);
}

TEST_CASE("URL must be absolute http or https", "[url]") {
  for (const char* text : {"", "example.com/x", "//example.com/", "/path", "ftp://example.com/",
                           "javascript:alert(1)", "https:example.com", "https:/example.com",
                           "data:text/html,x", "httpx://example.com/", "://example.com"}) {
    INFO("url: " << text);
    CHECK(url_error_of(text) == UrlError::not_http);
  }
}

TEST_CASE("URL without a host is refused", "[url]") {
  CHECK(url_error_of("https://") == UrlError::no_host);
  CHECK(url_error_of("https:///path") == UrlError::no_host);
  CHECK(url_error_of("https://?q=1") == UrlError::no_host);
  CHECK(url_error_of("https://#f") == UrlError::no_host);
  CHECK(url_error_of("https://:443/") == UrlError::no_host);
}

TEST_CASE("URL ports must be 1 to 65535", "[url]") {
  CHECK(parse_http_url("http://a.example:1/")->port == 1);
  CHECK(parse_http_url("http://a.example:65535/")->port == 65535);
  CHECK(parse_http_url("https://a.example:0443/")->port == 443);
  for (const char* text :
       {"http://a.example:0/", "http://a.example:65536/", "http://a.example:99999999999999999999/",
        "http://a.example:/", "http://a.example:8o/", "http://a.example:-1/",
        "http://a.example:1:2/", "http://[::1]:/", "http://[::1]:70000/"}) {
    INFO("url: " << text);
    CHECK(url_error_of(text) == UrlError::bad_port);
  }
}

TEST_CASE("URL userinfo is refused: it disguises the real host", "[url]") {
  CHECK(url_error_of("https://a@b/") == UrlError::userinfo);
  CHECK(url_error_of("https://shop.example.com@evil.example/") == UrlError::userinfo);
  CHECK(url_error_of("https://user:pass@shop.example.com/") == UrlError::userinfo);
  CHECK(url_error_of("https://@shop.example.com/") == UrlError::userinfo);
  // After the authority an '@' is ordinary text and the host is the one before it.
  CHECK(parse_http_url("https://shop.example.com/@evil.example")->host == "shop.example.com");
  CHECK(parse_http_url("https://shop.example.com?@evil.example")->host == "shop.example.com");
  CHECK(parse_http_url("https://shop.example.com#@evil.example")->host == "shop.example.com");
}

TEST_CASE("URL characters outside RFC 3986 are refused", "[url]") {
  const std::string refused[] = {"https://shop.example.com\\@evil.example/",
                                 "https://shop.example.com/a\\b",
                                 "https://shop.example.com/a b",
                                 "https://shop.example.com/\tx",
                                 "https://shop.example.com/\r\n",
                                 std::string("https://shop.example.com/\0x", 27),
                                 "https://shop.example.com/\x7F",
                                 "https://shop.example.com/caf\xC3\xA9",
                                 "https://b\xC3\xBC"
                                 "cher.example/",
                                 "https://shop.example.com/\"",
                                 "https://shop.example.com/<x>",
                                 "https://shop.example.com/{x}",
                                 "https://shop.example.com/a|b",
                                 "https://shop.example.com/^",
                                 "https://shop.example.com/`",
                                 " https://shop.example.com/",
                                 "https://shop.example.com/ ",
                                 "https://shop.example.com/%",
                                 "https://shop.example.com/%4",
                                 "https://shop.example.com/%zz",
                                 "https://shop.example.com/%4g",
                                 "https://sh%6Fp.example.com/",
                                 "https://shop!.example.com/",
                                 "https://shop.example.com]/",
                                 "https://[::1]]/"};
  for (const std::string& text : refused) {
    INFO("url: " << text);
    CHECK(url_error_of(text) == UrlError::bad_character);
  }
  CHECK(parse_http_url("https://s.example/a-._~:@!$&'()*+,;=%2F%aB/[]?/?#/#")->rest ==
        "/a-._~:@!$&'()*+,;=%2F%aB/[]?/?#/#");
}

TEST_CASE("URL length limit is 2048 bytes", "[url]") {
  const std::string prefix = "https://shop.example.com/";
  const std::string at_limit = prefix + std::string(edgepost::kMaxUrlBytes - prefix.size(), 'a');
  CHECK(parse_http_url(at_limit).has_value());
  CHECK(url_error_of(at_limit + "a") == UrlError::too_long);
}

TEST_CASE("every URL error has a message", "[url]") {
  CHECK(edgepost::url_error_message(UrlError::not_http) ==
        "not an absolute http:// or https:// URL");
  CHECK(edgepost::url_error_message(UrlError::no_host) == "no host name");
  CHECK(edgepost::url_error_message(UrlError::bad_port) == "port is not a number from 1 to 65535");
  CHECK(edgepost::url_error_message(UrlError::userinfo) ==
        "user name or password ('@' before the host) not allowed");
  CHECK(edgepost::url_error_message(UrlError::bad_character) ==
        "character not allowed in a URL (space, control, backslash, non-ASCII, malformed "
        "%-escape or malformed host)");
  CHECK(edgepost::url_error_message(UrlError::too_long) == "longer than 2048 bytes");
}
