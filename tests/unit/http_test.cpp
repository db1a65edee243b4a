#include "edgepost/http.hpp"

#include <catch2/catch.hpp>

using edgepost::Request;

TEST_CASE("Request::header finds a header whatever its case", "[http]") {
  Request request;
  request.headers = {{"content-type", "application/json"},
                     {"x-forwarded-for", "1.2.3.4"},
                     {"x-forwarded-for", "5.6.7.8"}};
  REQUIRE(request.header("Content-Type") != nullptr);
  CHECK(*request.header("CONTENT-TYPE") == "application/json");
  CHECK(*request.header("x-forwarded-for") == "1.2.3.4");  // the first one
  CHECK(request.header("content-length") == nullptr);
}

TEST_CASE("reason phrases of the statuses edgepost answers with", "[http]") {
  CHECK(edgepost::reason_phrase(200) == "OK");
  CHECK(edgepost::reason_phrase(302) == "Found");
  CHECK(edgepost::reason_phrase(414) == "URI Too Long");
  CHECK(edgepost::reason_phrase(503) == "Service Unavailable");
  CHECK(edgepost::reason_phrase(299) == "Unknown");
}

TEST_CASE("ASCII case helpers leave other bytes alone", "[http]") {
  CHECK(edgepost::to_lower_ascii("X-Forwarded-FOR \xC3\x89") == "x-forwarded-for \xC3\x89");
  CHECK(edgepost::equals_ignoring_ascii_case("Content-Type", "content-TYPE"));
  CHECK_FALSE(edgepost::equals_ignoring_ascii_case("content-type", "content-typ"));
  CHECK_FALSE(edgepost::equals_ignoring_ascii_case("\xC3\x89", "\xC3\xA9"));
}
