#include "edgepost/click_id.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "fixtures.hpp"

using edgepost::ClickId;
using edgepost::ClickIdError;
using edgepost::KeyRingError;
using edgepost::mint_click_id;
using edgepost::parse_key_ring;
using edgepost::verify_click_id;

namespace {

ClickId sample_click() {
  ClickId click;
  click.click_time = 1793491200;
  click.offer_id = 4294967295u;
  click.affiliate_id = 7;
  click.nonce = {1, 2, 3, 4, 5, 6, 7, 8};
  return click;
}

constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

}  // namespace

TEST_CASE("a minted ID is lowercase, URL-safe, 47 characters, and verifies", "[click_id]") {
  const std::string id = mint_click_id(sample_click(), fixtures::keys());
  CHECK(id.size() == edgepost::kClickIdLength);
  CHECK(id.size() <= 48);
  CHECK(id.find_first_not_of(kAlphabet) == std::string::npos);

  const auto verified = verify_click_id(id, fixtures::keys());
  REQUIRE(verified.has_value());
  ClickId expected = sample_click();
  expected.key_id = 1;
  CHECK(*verified == expected);
}

TEST_CASE("an ID survives a system that upper-cases it", "[click_id]") {
  const std::string id = mint_click_id(sample_click(), fixtures::keys());
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  REQUIRE(verify_click_id(upper, fixtures::keys()).has_value());
  CHECK(edgepost::normalize_click_id(upper) == id);
}

TEST_CASE("different nonces give different IDs for the same click", "[click_id]") {
  ClickId other = sample_click();
  other.nonce[7] = 9;
  CHECK(mint_click_id(sample_click(), fixtures::keys()) != mint_click_id(other, fixtures::keys()));
}

TEST_CASE("changing any single character of an ID is refused", "[click_id]") {
  const std::string id = mint_click_id(sample_click(), fixtures::keys());
  int tried = 0;
  for (std::size_t position = 0; position < id.size(); ++position) {
    for (const char symbol : kAlphabet) {
      if (symbol == id[position]) continue;
      std::string tampered = id;
      tampered[position] = symbol;
      INFO("position " << position << " symbol " << symbol);
      REQUIRE_FALSE(verify_click_id(tampered, fixtures::keys()).has_value());
      ++tried;
    }
  }
  CHECK(tried == 47 * 31);
}

TEST_CASE("malformed IDs are refused before any MAC is computed", "[click_id]") {
  const std::string id = mint_click_id(sample_click(), fixtures::keys());
  CHECK(verify_click_id("", fixtures::keys()).error() == ClickIdError::malformed);
  CHECK(verify_click_id(id.substr(1), fixtures::keys()).error() == ClickIdError::malformed);
  CHECK(verify_click_id(id + "a", fixtures::keys()).error() == ClickIdError::malformed);
  CHECK(verify_click_id(id.substr(0, 46) + "0", fixtures::keys()).error() ==
        ClickIdError::malformed);
  CHECK(verify_click_id(id.substr(0, 46) + "/", fixtures::keys()).error() ==
        ClickIdError::malformed);
  CHECK(verify_click_id(std::string(47, '%'), fixtures::keys()).error() == ClickIdError::malformed);
}

TEST_CASE("keys rotate: a retired key's IDs fail, a rotated-in key's IDs verify", "[click_id]") {
  auto old_ring = parse_key_ring("2:" + std::string(64, 'b'), "2");
  REQUIRE(old_ring.has_value());
  const std::string old_id = mint_click_id(sample_click(), *old_ring);

  // The fixture ring mints with key 1 and still verifies key 2.
  CHECK(verify_click_id(old_id, fixtures::keys()).has_value());
  CHECK(verify_click_id(old_id, fixtures::keys())->key_id == 2);

  // Key 2 retired: its IDs are refused as signed with an unknown key.
  auto retired = parse_key_ring("1:" + std::string(64, 'a'), "1");
  REQUIRE(retired.has_value());
  CHECK(verify_click_id(old_id, *retired).error() == ClickIdError::unknown_key);

  // Same key id, different secret: the signature does not verify.
  auto impostor = parse_key_ring("2:" + std::string(64, 'c'), "2");
  REQUIRE(impostor.has_value());
  CHECK(verify_click_id(old_id, *impostor).error() == ClickIdError::bad_signature);
}

TEST_CASE("an unknown format version is refused", "[click_id]") {
  // Version 1 is the high nibble of the first byte, i.e. the first base32 symbol 'c' or 'd'
  // (0b00010...). Writing 'a' there makes the version 0.
  std::string id = mint_click_id(sample_click(), fixtures::keys());
  id[0] = 'a';
  CHECK(verify_click_id(id, fixtures::keys()).error() == ClickIdError::unknown_version);
}

TEST_CASE("key rings are parsed strictly", "[click_id]") {
  const std::string a = std::string(64, 'a');
  CHECK(parse_key_ring("", "1").error() == KeyRingError::empty);
  CHECK(parse_key_ring("1" + a, "1").error() == KeyRingError::malformed);
  CHECK(parse_key_ring("1:xyz", "1").error() == KeyRingError::malformed);
  CHECK(parse_key_ring("16:" + a, "16").error() == KeyRingError::bad_key_id);
  CHECK(parse_key_ring("x:" + a, "1").error() == KeyRingError::bad_key_id);
  CHECK(parse_key_ring("1:" + std::string(62, 'a'), "1").error() == KeyRingError::short_secret);
  CHECK(parse_key_ring("1:" + a + ",1:" + a, "1").error() == KeyRingError::duplicate_key_id);
  CHECK(parse_key_ring("1:" + a, "2").error() == KeyRingError::no_minting_key);
  CHECK(parse_key_ring("1:" + a, "").error() == KeyRingError::no_minting_key);
  const auto ring = parse_key_ring("0:" + a + ",15:" + std::string(64, 'F'), "15");
  REQUIRE(ring.has_value());
  CHECK(ring->keys.size() == 2);
  CHECK(ring->minting_key_id == 15);
  CHECK(ring->find(0) != nullptr);
  CHECK(ring->find(3) == nullptr);
  for (const KeyRingError error :
       {KeyRingError::empty, KeyRingError::malformed, KeyRingError::bad_key_id,
        KeyRingError::duplicate_key_id, KeyRingError::short_secret, KeyRingError::no_minting_key}) {
    CHECK_FALSE(edgepost::key_ring_error_message(error).empty());
  }
}
