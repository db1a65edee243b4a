// The WASI adapter's CGI handling, built natively.
#include "cgi.hpp"

#include <catch2/catch.hpp>

using edgepost::wasi::CgiEnvironment;
using edgepost::wasi::CgiErrorCode;

TEST_CASE("a CGI environment becomes a request", "[cgi]") {
  const CgiEnvironment env{{"REQUEST_METHOD", "POST"},
                           {"PATH_INFO", "/postback"},
                           {"QUERY_STRING", "a=1"},
                           {"REMOTE_ADDR", "203.0.113.9"},
                           {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
                           {"CONTENT_LENGTH", "3"},
                           {"HTTP_X_FORWARDED_FOR", "198.51.100.1"},
                           {"HTTP_", "ignored"},
                           {"PATH", "/usr/bin"}};
  const auto request = edgepost::wasi::request_from_cgi(env, "b=2");
  REQUIRE(request.has_value());
  CHECK(request->method == "POST");
  CHECK(request->path == "/postback");
  CHECK(request->query == "a=1");
  CHECK(request->client_ip == "203.0.113.9");
  CHECK(request->body == "b=2");
  REQUIRE(request->header("X-Forwarded-For") != nullptr);
  CHECK(*request->header("x-forwarded-for") == "198.51.100.1");
  CHECK(*request->header("content-type") == "application/x-www-form-urlencoded");
  CHECK(*request->header("content-length") == "3");
  CHECK(request->headers.size() == 3);
}

TEST_CASE("a CGI request without a method is refused", "[cgi]") {
  const auto request = edgepost::wasi::request_from_cgi({{"QUERY_STRING", "a=1"}}, "");
  REQUIRE_FALSE(request.has_value());
  CHECK(request.error().code == CgiErrorCode::missing_request_method);
  CHECK(edgepost::wasi::error_response(request.error()).status == 400);
}

TEST_CASE("the path defaults to '/'", "[cgi]") {
  CHECK(edgepost::wasi::request_from_cgi({{"REQUEST_METHOD", "GET"}}, "")->path == "/");
}

TEST_CASE("CONTENT_LENGTH is checked before the body is read", "[cgi]") {
  using edgepost::wasi::announced_body_length;
  CHECK(*announced_body_length({}, 10) == 0);
  CHECK(*announced_body_length({{"CONTENT_LENGTH", ""}}, 10) == 0);
  CHECK(*announced_body_length({{"CONTENT_LENGTH", "10"}}, 10) == 10);

  const auto too_big = announced_body_length({{"CONTENT_LENGTH", "11"}}, 10);
  REQUIRE_FALSE(too_big.has_value());
  CHECK(too_big.error().code == CgiErrorCode::body_too_large);
  CHECK(edgepost::wasi::error_response(too_big.error()).status == 413);

  for (const char* bad : {"-1", "1e3", "12abc", " 5", "99999999999999999999999"}) {
    INFO(bad);
    const auto length = announced_body_length({{"CONTENT_LENGTH", bad}}, 10);
    REQUIRE_FALSE(length.has_value());
    CHECK(length.error().code == CgiErrorCode::bad_content_length);
  }
}

TEST_CASE("a response is rendered as CGI and its headers cannot be split", "[cgi]") {
  const edgepost::Response response{
      302,
      {{"location", "https://adv.example/?s=a\r\nSet-Cookie: x=1"}, {"cache-control", "no-store"}},
      ""};
  CHECK(edgepost::wasi::format_cgi_response(response) ==
        "Status: 302 Found\n"
        "location: https://adv.example/?s=a%0D%0ASet-Cookie: x=1\n"
        "cache-control: no-store\n"
        "\n");
  const edgepost::Response ok{200, {{"content-type", "application/json"}}, "{}\n"};
  CHECK(edgepost::wasi::format_cgi_response(ok) ==
        "Status: 200 OK\ncontent-type: application/json\n\n{}\n");
}
