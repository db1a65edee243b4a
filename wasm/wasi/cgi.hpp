#pragma once
// WAGI/CGI (RFC 3875) on WASI: the request arrives as environment variables plus the body on
// stdin; the response leaves on stdout as "Status:", headers, a blank line and the body.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgepost/expected.hpp"
#include "edgepost/http.hpp"

namespace edgepost::wasi {

// NAME=VALUE pairs in the order the host passed them.
using CgiEnvironment = std::vector<std::pair<std::string, std::string>>;

enum class CgiErrorCode {
  missing_request_method,
  bad_content_length,  // not a decimal number
  body_too_large,      // CONTENT_LENGTH above the function's limit
  body_truncated,      // stdin ended before CONTENT_LENGTH bytes
};

struct CgiError {
  CgiErrorCode code;
  std::string detail;
};

// The body length the host announced, checked against the function's limit before any
// byte of the body is read.
Expected<std::size_t, CgiError> announced_body_length(const CgiEnvironment& env,
                                                      std::size_t max_body);

// Pure: builds the request from the variables and an already-read body.
Expected<Request, CgiError> request_from_cgi(const CgiEnvironment& env, std::string body);

// The plain-text answer to a request the adapter could not even read.
Response error_response(const CgiError& error);

// CR, LF and NUL in a header are percent-encoded: a response header can never be split.
std::string format_cgi_response(const Response& response);

// The I/O half: reads this process's environment and stdin, writes stdout.
Expected<Request, CgiError> read_cgi_request(std::size_t max_body);
void write_cgi_response(const Response& response);

}  // namespace edgepost::wasi
