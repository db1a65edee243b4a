#include "edgepost/expected.hpp"

#include <catch2/catch.hpp>
#include <string>

using edgepost::Expected;
using edgepost::Unexpected;

namespace {
enum class Failure { bad };

Expected<int, Failure> half(int n) {
  if (n % 2 != 0) return Unexpected{Failure::bad};
  return n / 2;
}
}  // namespace

TEST_CASE("Expected holds either a value or an error", "[expected]") {
  const auto ok = half(8);
  REQUIRE(ok.has_value());
  REQUIRE(static_cast<bool>(ok));
  CHECK(*ok == 4);
  CHECK(ok.value() == 4);

  const auto failed = half(7);
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error() == Failure::bad);
}

TEST_CASE("Expected moves its value out", "[expected]") {
  Expected<std::string, Failure> text{std::string(100, 'x')};
  CHECK(text->size() == 100);
  const std::string taken = std::move(text).value();
  CHECK(taken.size() == 100);
}
