#include "edgepost/url.hpp"

#include <algorithm>

#include "edgepost/http.hpp"

namespace edgepost {
namespace {

bool is_alnum(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_hex_digit(unsigned char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 unreserved, gen-delims, sub-delims and '%'. Everything else (space, controls,
// '\\', '"', '<', '>', '^', '`', '{', '|', '}', bytes >= 0x80) is something browsers
// rewrite or reinterpret, so it is refused rather than guessed at.
bool is_url_character(unsigned char c) noexcept {
  static constexpr std::string_view kPunctuation = "-._~:/?#[]@!$&'()*+,;=%";
  return is_alnum(c) || kPunctuation.find(static_cast<char>(c)) != std::string_view::npos;
}

bool has_only_url_characters(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!is_url_character(c)) return false;
    if (c == '%' &&
        (i + 2 >= text.size() || !is_hex_digit(text[i + 1]) || !is_hex_digit(text[i + 2]))) {
      return false;
    }
  }
  return true;
}

bool is_host_name(std::string_view host) noexcept {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return is_alnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

// Only the character set is checked: the address is passed on as written, and a resolver
// refuses what is not an address.
bool is_ipv6_literal(std::string_view host) noexcept {
  const bool allowed = std::all_of(host.begin(), host.end(), [](char c) {
    return is_hex_digit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
  });
  return allowed && host.find(':') != std::string_view::npos;
}

Expected<std::uint16_t, UrlError> parse_port(std::string_view digits) {
  if (digits.empty()) return Unexpected{UrlError::bad_port};  // a ':' promises a port
  std::uint32_t port = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return Unexpected{UrlError::bad_port};
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
    if (port > 65535) return Unexpected{UrlError::bad_port};
  }
  if (port == 0) return Unexpected{UrlError::bad_port};
  return static_cast<std::uint16_t>(port);
}

struct HostPort {
  std::string host;
  std::string_view port;  // digits as written, empty when there was no ':'
  bool has_port;
};

Expected<HostPort, UrlError> split_authority(std::string_view authority) {
  if (authority.find('@') != std::string_view::npos) return Unexpected{UrlError::userinfo};
  std::string_view host;
  std::string_view after_host;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Unexpected{UrlError::bad_character};
    host = authority.substr(1, close - 1);
    after_host = authority.substr(close + 1);
    if (host.empty()) return Unexpected{UrlError::no_host};
    if (!is_ipv6_literal(host)) return Unexpected{UrlError::bad_character};
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    after_host = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    if (host.empty()) return Unexpected{UrlError::no_host};
    if (!is_host_name(host)) return Unexpected{UrlError::bad_character};
  }
  if (after_host.empty()) return HostPort{to_lower_ascii(host), {}, false};
  if (after_host.front() != ':') return Unexpected{UrlError::bad_character};  // "[::1]x"
  return HostPort{to_lower_ascii(host), after_host.substr(1), true};
}

}  // namespace

Expected<HttpUrl, UrlError> parse_http_url(std::string_view text) {
  if (text.size() > kMaxUrlBytes) return Unexpected{UrlError::too_long};
  if (!has_only_url_characters(text)) return Unexpected{UrlError::bad_character};

  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || text.substr(colon, 3) != "://") {
    return Unexpected{UrlError::not_http};
  }
  std::string scheme = to_lower_ascii(text.substr(0, colon));
  if (scheme != "http" && scheme != "https") return Unexpected{UrlError::not_http};

  const std::size_t authority_start = colon + 3;
  std::size_t authority_end = text.find_first_of("/?#", authority_start);
  if (authority_end == std::string_view::npos) authority_end = text.size();

  auto host_port = split_authority(text.substr(authority_start, authority_end - authority_start));
  if (!host_port) return Unexpected{host_port.error()};

  std::uint16_t port = scheme == "https" ? 443 : 80;
  if (host_port->has_port) {
    auto explicit_port = parse_port(host_port->port);
    if (!explicit_port) return Unexpected{explicit_port.error()};
    port = *explicit_port;
  }
  return HttpUrl{std::move(scheme), std::move(host_port->host), port,
                 std::string(text.substr(authority_end))};
}

std::string_view url_error_message(UrlError error) noexcept {
  switch (error) {
    case UrlError::not_http: return "not an absolute http:// or https:// URL";
    case UrlError::no_host: return "no host name";
    case UrlError::bad_port: return "port is not a number from 1 to 65535";
    case UrlError::userinfo: return "user name or password ('@' before the host) not allowed";
    case UrlError::bad_character:
      return "character not allowed in a URL (space, control, backslash, non-ASCII, "
             "malformed %-escape or malformed host)";
    case UrlError::too_long: return "longer than 2048 bytes";
  }
  return "unknown URL error";
}

}  // namespace edgepost
