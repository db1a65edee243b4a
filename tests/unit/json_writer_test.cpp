// The direct JSON writer writes what nlohmann's dump (through to_json_text) writes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "edgepost/json_text.hpp"
#include "edgepost/json_writer.hpp"

TEST_CASE("the JSON writer escapes strings as to_json_text does", "[json]") {
  const std::string tricky[] = {"",
                                "plain",
                                "quote \" and backslash \\",
                                "\b\f\n\r\t",
                                "\x01\x1f\x7f",
                                "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                "bad \xff utf-8 \xc3",
                                "</script>",
                                std::string("nul \0 inside", 13)};
  for (const std::string& value : tricky) {
    INFO(nlohmann::json(value).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
    edgepost::JsonObjectWriter out;
    out.member("v", value);
    CHECK(std::move(out).finish() == edgepost::to_json_text(nlohmann::json{{"v", value}}));
  }
}

TEST_CASE("the JSON writer writes members in the order given", "[json]") {
  edgepost::JsonObjectWriter out;
  out.member("a", std::int64_t{-5})
      .member("b", std::uint32_t{4294967295u})
      .member("c", std::vector<std::string>{"x", "y\""})
      .member("d", std::vector<std::string>{});
  CHECK(std::move(out).finish() == R"({"a":-5,"b":4294967295,"c":["x","y\""],"d":[]})");
  CHECK(edgepost::JsonObjectWriter().finish() == "{}");
}
