#pragma once
// Absolute http(s) URLs as a tracker may redirect to or call: offer landing pages, fallback
// URLs and affiliates' partner postbacks. Stricter than browsers on purpose: whatever a
// browser would "repair" is a place where two parsers can disagree about the host.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edgepost/expected.hpp"

namespace edgepost {

inline constexpr std::size_t kMaxUrlBytes = 2048;

struct HttpUrl {
  std::string scheme;  // "http" or "https", lowercased
  std::string host;    // lowercased; an IPv6 address without its brackets
  std::uint16_t port;  // as written, or the scheme's default (80, 443)
  std::string rest;    // path, query and fragment as written: empty or starting '/', '?' or '#'

  friend bool operator==(const HttpUrl&, const HttpUrl&) = default;
};

enum class UrlError {
  not_http,       // not "http://" or "https://" (any case) followed by an authority
  no_host,        // empty host, e.g. "https:///path" or "https://:443/"
  bad_port,       // empty, not decimal, or outside 1..65535
  userinfo,       // "https://good.example@evil.example/": the classic redirect disguise
  bad_character,  // outside RFC 3986 (space, controls, '\\', '"', '<', '{', raw non-ASCII...),
                  // a '%' not followed by two hex digits, or a malformed host
  too_long,       // more than kMaxUrlBytes
};

// Strict absolute http(s) URL. The authority ends at the first '/', '?' or '#' after "://".
// Hosts are DNS-style names (letters, digits, '-', '_', '.') or bracketed IPv6 addresses.
Expected<HttpUrl, UrlError> parse_http_url(std::string_view text);

// A short sentence for config errors, e.g. "port is not a number from 1 to 65535".
std::string_view url_error_message(UrlError error) noexcept;

}  // namespace edgepost
