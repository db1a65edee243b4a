// The WASI adapter's CGI request parser and response writer.
// Input: NAME=VALUE lines (the CGI environment) up to an empty line, then the body (any bytes).
#include <cstddef>
#include <cstdint>
#include <string>

#include "cgi.hpp"
#include "fuzz_input.hpp"

namespace {

// A response's header section is exactly its status line and one line per header, none with a
// CR or NUL, and then the blank line: no value can add a header or end the headers early.
void check_formatted(const edgepost::Response& response) {
  const std::string out = edgepost::wasi::format_cgi_response(response);
  std::size_t at = 0;
  for (std::size_t line = 0; line <= response.headers.size(); ++line) {
    const std::size_t end = out.find('\n', at);
    fuzz::require(end != std::string::npos);
    const std::string_view text = std::string_view(out).substr(at, end - at);
    fuzz::require(!text.empty());
    fuzz::require(text.find('\r') == std::string_view::npos);
    fuzz::require(text.find('\0') == std::string_view::npos);
    at = end + 1;
  }
  fuzz::require(out.compare(at, 1, "\n") == 0);
  fuzz::require(out.compare(at + 1, std::string::npos, response.body) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input input(data, size);
  edgepost::wasi::CgiEnvironment env;
  while (!input.rest().empty()) {
    const std::string_view line = input.line();
    if (line.empty()) break;
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    env.emplace_back(std::string(line.substr(0, equals)), std::string(line.substr(equals + 1)));
  }
  const std::string body(input.rest());

  for (const std::size_t limit : {std::size_t{0}, std::size_t{16}, std::size_t{64 * 1024}}) {
    const auto length = edgepost::wasi::announced_body_length(env, limit);
    if (length) {
      fuzz::require(*length <= limit);
    } else {
      check_formatted(edgepost::wasi::error_response(length.error()));
    }
  }

  const auto request = edgepost::wasi::request_from_cgi(env, body);
  if (!request) {
    check_formatted(edgepost::wasi::error_response(request.error()));
    return 0;
  }
  fuzz::require(!request->method.empty() && !request->path.empty());
  fuzz::require(request->body == body);

  // The request's own text echoed back in a response: headers as headers, the body as a
  // header value too (it may hold any bytes), the status taken from the input's size.
  edgepost::Response response;
  response.status = static_cast<int>(size % 1000);
  response.headers = request->headers;
  response.headers.push_back({"x-method", request->method});
  response.headers.push_back({"location", request->query + body});
  response.headers.push_back({body, request->path});
  response.body = body;
  check_formatted(response);
  return 0;
}
