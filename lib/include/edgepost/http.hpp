#pragma once
// Plain value types for an HTTP exchange. Adapters fill a Request from their platform and
// render a Response back; the library only ever sees these.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgepost {

struct Header {
  std::string name;  // lowercase
  std::string value;

  friend bool operator==(const Header&, const Header&) = default;
};

struct Request {
  std::string method;  // uppercase, e.g. "GET"
  std::string path;    // e.g. "/postback"
  std::string query;   // raw, still percent-encoded, without '?'
  std::vector<Header> headers;
  std::string body;
  std::string client_ip;  // as the platform saw the peer; empty when unknown
  std::string country;    // ISO 3166 alpha-2 as the platform placed the peer; empty when unknown

  // The first header of that name (compared case-insensitively), or nullptr.
  const std::string* header(std::string_view name) const noexcept;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
};

// The standard reason phrase of a status code ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status) noexcept;

std::string to_lower_ascii(std::string_view text);
bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) noexcept;

}  // namespace edgepost
