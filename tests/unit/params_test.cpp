#include "edgepost/params.hpp"

#include <catch2/catch.hpp>

#include "fixtures.hpp"

using edgepost::Endpoint;
using edgepost::ParamErrorCode;
using edgepost::read_params;

namespace {
edgepost::ParamError error_of(const edgepost::Request& request, Endpoint endpoint) {
  const auto params = read_params(request, endpoint);
  REQUIRE_FALSE(params.has_value());
  return params.error();
}
}  // namespace

TEST_CASE("every postback alias maps to its canonical name", "[params]") {
  const std::pair<const char*, const char*> aliases[] = {
      {"transaction_id", "transaction_id"},
      {"click_id", "transaction_id"},
      {"clickid", "transaction_id"},
      {"tid", "transaction_id"},
      {"cid", "transaction_id"},
      {"subid", "transaction_id"},
      {"goal", "goal"},
      {"goal_id", "goal"},
      {"event", "goal"},
      {"amount", "amount"},
      {"sale_amount", "amount"},
      {"revenue", "amount"},
      {"sum", "amount"},
      {"adv_sub", "adv_sub"},
      {"order_id", "adv_sub"},
      {"txid", "adv_sub"},
      {"ClickID", "transaction_id"},
      {"adv_sub2", "adv_sub2"},
  };
  for (const auto& [alias, canonical] : aliases) {
    INFO(alias);
    CHECK(edgepost::canonical_param_name(alias, Endpoint::postback) == canonical);
    const auto params =
        read_params(fixtures::get("/postback", std::string(alias) + "=v"), Endpoint::postback);
    REQUIRE(params.has_value());
    REQUIRE(params->get(canonical) != nullptr);
    CHECK(*params->get(canonical) == "v");
  }
}

TEST_CASE("click aliases", "[params]") {
  CHECK(edgepost::canonical_param_name("affiliate_id", Endpoint::click) == "aff_id");
  CHECK(edgepost::canonical_param_name("AFF_ID", Endpoint::click) == "aff_id");
  CHECK(edgepost::canonical_param_name("aff_sub1", Endpoint::click) == "aff_sub");
  // Postback aliases mean nothing on the click endpoint.
  CHECK(edgepost::canonical_param_name("tid", Endpoint::click) == "tid");
}

TEST_CASE("a form body and a JSON body give the same fields as a query", "[params]") {
  const auto from_query = read_params(
      fixtures::get("/postback", "clickid=abc&sum=12.50&order_id=A-1"), Endpoint::postback);
  const auto from_form =
      read_params(fixtures::post("/postback", "application/x-www-form-urlencoded; charset=utf-8",
                                 "clickid=abc&sum=12.50&order_id=A-1"),
                  Endpoint::postback);
  const auto from_json = read_params(
      fixtures::post("/postback", "Application/JSON",
                     R"({"clickid": "abc", "sum": 12.50, "order_id": "A-1", "n": null})"),
      Endpoint::postback);
  REQUIRE(from_query.has_value());
  REQUIRE(from_form.has_value());
  REQUIRE(from_json.has_value());
  CHECK(from_query->fields == from_form->fields);
  CHECK(*from_json->get("amount") == "12.5");  // the number's shortest text
  CHECK(*from_json->get("transaction_id") == "abc");
  CHECK(*from_json->get("adv_sub") == "A-1");
  CHECK(from_json->get("n") == nullptr);
}

TEST_CASE("query and body fields are merged on POST", "[params]") {
  auto request = fixtures::post("/postback", "application/x-www-form-urlencoded", "amount=3");
  request.query = "tid=abc";
  const auto params = read_params(request, Endpoint::postback);
  REQUIRE(params.has_value());
  CHECK(*params->get("transaction_id") == "abc");
  CHECK(*params->get("amount") == "3");
  CHECK(params->received.size() == 2);
  CHECK(params->received[0].name == "tid");
}

TEST_CASE("repeated parameters: equal values are fine, different values are refused", "[params]") {
  const auto same = read_params(fixtures::get("/postback", "tid=a&click_id=a"), Endpoint::postback);
  REQUIRE(same.has_value());
  CHECK(same->fields.size() == 1);

  const auto json_repeat =
      error_of(fixtures::post("/postback", "application/json", R"({"amount": "1", "amount": "2"})"),
               Endpoint::postback);
  CHECK(json_repeat.code == ParamErrorCode::conflicting_values);
  CHECK(json_repeat.message == "body: parameter 'amount' appears more than once");

  const auto error = error_of(fixtures::get("/postback", "tid=a&click_id=b"), Endpoint::postback);
  CHECK(error.code == ParamErrorCode::conflicting_values);
  CHECK(error.message ==
        "parameter 'transaction_id' is given more than once with different values (last as "
        "'click_id')");
  CHECK(edgepost::http_status(error.code) == 400);
}

TEST_CASE("methods, sizes and media types are checked", "[params]") {
  auto put = fixtures::get("/postback", "");
  put.method = "PUT";
  CHECK(error_of(put, Endpoint::postback).code == ParamErrorCode::method_not_allowed);
  CHECK(error_of(fixtures::post("/click", "application/json", "{}"), Endpoint::click).code ==
        ParamErrorCode::method_not_allowed);
  auto head = fixtures::get("/click", "offer_id=1");
  head.method = "HEAD";
  CHECK(read_params(head, Endpoint::click).has_value());

  const auto long_query =
      error_of(fixtures::get("/click", "a=" + std::string(9000, 'x')), Endpoint::click);
  CHECK(long_query.code == ParamErrorCode::query_too_long);
  CHECK(edgepost::http_status(long_query.code) == 414);

  const auto long_form = error_of(
      fixtures::post("/postback", "application/x-www-form-urlencoded", std::string(70000, 'x')),
      Endpoint::postback);
  CHECK(long_form.code == ParamErrorCode::body_too_long);
  CHECK(edgepost::http_status(long_form.code) == 413);
  const auto long_json = error_of(
      fixtures::post("/postback", "application/json", std::string(70000, ' ')), Endpoint::postback);
  CHECK(long_json.code == ParamErrorCode::body_too_long);

  const auto xml = error_of(fixtures::post("/postback", "text/xml", "<a/>"), Endpoint::postback);
  CHECK(xml.code == ParamErrorCode::unsupported_media_type);
  CHECK(edgepost::http_status(xml.code) == 415);
  const auto untyped = error_of(fixtures::post("/postback", "", "a=1"), Endpoint::postback);
  CHECK(untyped.code == ParamErrorCode::unsupported_media_type);
  // An empty body needs no type.
  CHECK(read_params(fixtures::post("/postback", "", ""), Endpoint::postback).has_value());
}

TEST_CASE("malformed bodies and queries are refused with the reason", "[params]") {
  const auto bad_query = error_of(fixtures::get("/postback", "tid=%zz"), Endpoint::postback);
  CHECK(bad_query.code == ParamErrorCode::malformed);
  CHECK(bad_query.message == "query: parameter 'tid': malformed percent-encoding at byte 4");

  CHECK(error_of(fixtures::post("/postback", "application/json", "[1]"), Endpoint::postback)
            .message == "body: not a JSON object");
  CHECK(
      error_of(fixtures::post("/postback", "application/json", "{"), Endpoint::postback).message ==
      "body: not a JSON object");
  CHECK(error_of(fixtures::post("/postback", "application/json", R"({"tid": {"a": 1}})"),
                 Endpoint::postback)
            .message == "body: parameter 'tid' must be a string or a number");
  CHECK(error_of(fixtures::post("/postback", "application/json", R"({"adv_sub": 1e300})"),
                 Endpoint::postback)
            .message ==
        "body: parameter 'adv_sub' is a number too large or too precise for its "
        "text: send it as a string");
  CHECK(error_of(fixtures::post("/postback", "application/json",
                                R"({"adv_sub": 123456789012345678901234567890})"),
                 Endpoint::postback)
            .code == ParamErrorCode::malformed);
  CHECK(error_of(fixtures::post("/postback", "application/json", R"({"tid": [1]})"),
                 Endpoint::postback)
            .code == ParamErrorCode::malformed);
  CHECK(error_of(fixtures::post("/postback", "application/json",
                                R"({"adv_sub": ")" + std::string(501, 'x') + R"("})"),
                 Endpoint::postback)
            .message == "body: parameter 'adv_sub': value longer than the limit at byte 0");
  CHECK(error_of(fixtures::post("/postback", "application/json", R"({"adv_sub": "a\r\nb"})"),
                 Endpoint::postback)
            .code == ParamErrorCode::malformed);
  std::string many = "{";
  for (int i = 0; i < 65; ++i)
    many += (i ? "," : "") + std::string("\"f") + std::to_string(i) + "\":1";
  CHECK(error_of(fixtures::post("/postback", "application/json", many + "}"), Endpoint::postback)
            .message == "body: too many parameters");
  CHECK(error_of(fixtures::post("/postback", "application/x-www-form-urlencoded", "a=%"),
                 Endpoint::postback)
            .code == ParamErrorCode::malformed);
  // Invalid UTF-8 inside a JSON string is refused by the JSON parser itself.
  CHECK(error_of(fixtures::post("/postback", "application/json", "{\"a\": \"\xff\"}"),
                 Endpoint::postback)
            .code == ParamErrorCode::malformed);
}
