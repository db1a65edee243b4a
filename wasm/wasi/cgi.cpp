#include "cgi.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>

extern char** environ;

namespace edgepost::wasi {
namespace {

const std::string* variable(const CgiEnvironment& env, std::string_view name) {
  for (const auto& [key, value] : env) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::string value_or_empty(const CgiEnvironment& env, std::string_view name) {
  const std::string* value = variable(env, name);
  return value ? *value : std::string{};
}

// HTTP_X_FORWARDED_FOR -> x-forwarded-for
std::string header_name_from_variable(std::string_view variable_name) {
  std::string name = to_lower_ascii(variable_name.substr(5));
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

std::string without_line_breaks(std::string_view text) {
  std::string safe;
  safe.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '\r': safe += "%0D"; break;
      case '\n': safe += "%0A"; break;
      case '\0': safe += "%00"; break;
      default: safe.push_back(c);
    }
  }
  return safe;
}

}  // namespace

Expected<std::size_t, CgiError> announced_body_length(const CgiEnvironment& env,
                                                      std::size_t max_body) {
  const std::string* text = variable(env, "CONTENT_LENGTH");
  if (text == nullptr || text->empty()) return std::size_t{0};
  std::size_t length = 0;
  const char* end = text->data() + text->size();
  const auto [stop, status] = std::from_chars(text->data(), end, length);
  if (status != std::errc{} || stop != end) {
    return Unexpected{CgiError{CgiErrorCode::bad_content_length,
                               "CONTENT_LENGTH '" + *text + "' is not a number"}};
  }
  if (length > max_body) {
    return Unexpected{CgiError{
        CgiErrorCode::body_too_large,
        "body of " + *text + " bytes exceeds the limit of " + std::to_string(max_body) + " bytes"}};
  }
  return length;
}

Expected<Request, CgiError> request_from_cgi(const CgiEnvironment& env, std::string body) {
  Request request;
  request.method = value_or_empty(env, "REQUEST_METHOD");
  if (request.method.empty()) {
    return Unexpected{CgiError{CgiErrorCode::missing_request_method, "REQUEST_METHOD is not set"}};
  }
  request.path = value_or_empty(env, "PATH_INFO");
  if (request.path.empty()) request.path = "/";
  request.query = value_or_empty(env, "QUERY_STRING");
  request.client_ip = value_or_empty(env, "REMOTE_ADDR");
  // Not an HTTP_ variable: only the host sets it, from a trusted proxy's header.
  request.country = value_or_empty(env, "CLIENT_COUNTRY");
  for (const auto& [key, value] : env) {
    if (key.size() > 5 && key.compare(0, 5, "HTTP_") == 0) {
      request.headers.push_back(Header{header_name_from_variable(key), value});
    }
  }
  // RFC 3875 passes these two as meta-variables, not HTTP_*.
  if (const std::string* type = variable(env, "CONTENT_TYPE")) {
    request.headers.push_back(Header{"content-type", *type});
  }
  if (const std::string* length = variable(env, "CONTENT_LENGTH")) {
    request.headers.push_back(Header{"content-length", *length});
  }
  request.body = std::move(body);
  return request;
}

Response error_response(const CgiError& error) {
  Response response;
  response.status = error.code == CgiErrorCode::body_too_large ? 413 : 400;
  response.headers.push_back(Header{"content-type", "text/plain; charset=utf-8"});
  response.body = error.detail + "\n";
  return response;
}

std::string format_cgi_response(const Response& response) {
  std::string out = "Status: " + std::to_string(response.status) + " " +
                    std::string(reason_phrase(response.status)) + "\n";
  for (const Header& header : response.headers) {
    out += without_line_breaks(header.name) + ": " + without_line_breaks(header.value) + "\n";
  }
  out += "\n";
  out += response.body;
  return out;
}

Expected<Request, CgiError> read_cgi_request(std::size_t max_body) {
  CgiEnvironment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view pair(*entry);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    env.emplace_back(std::string(pair.substr(0, equals)), std::string(pair.substr(equals + 1)));
  }
  auto length = announced_body_length(env, max_body);
  if (!length) return Unexpected{length.error()};

  std::string body(*length, '\0');
  const std::size_t got = std::fread(body.data(), 1, body.size(), stdin);
  if (got != body.size()) {
    return Unexpected{
        CgiError{CgiErrorCode::body_truncated, "body ended after " + std::to_string(got) + " of " +
                                                   std::to_string(body.size()) + " bytes"}};
  }
  return request_from_cgi(env, std::move(body));
}

void write_cgi_response(const Response& response) {
  const std::string out = format_cgi_response(response);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

}  // namespace edgepost::wasi
