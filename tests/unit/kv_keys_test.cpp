#include "edgepost/kv_keys.hpp"

#include <catch2/catch.hpp>

TEST_CASE("KV keys are built from validated values only", "[kv_keys]") {
  CHECK(edgepost::advertiser_key(1) == "config/advertiser/1");
  CHECK(edgepost::affiliate_key(4294967295u) == "config/affiliate/4294967295");
  CHECK(edgepost::offer_key(12) == "config/offer/12");
  CHECK(edgepost::click_key("cabc") == "click/cabc");
  CHECK(edgepost::conversion_claim_key("cabc", "sale") == "claim/click/cabc/sale");
  CHECK(edgepost::outbox_key("0123abcd") == "outbox/0123abcd");
}

TEST_CASE("free-text order ids are hashed, never embedded", "[kv_keys]") {
  const std::string key = edgepost::order_claim_key(3, "sale", "../../etc/passwd\n%00");
  CHECK(key.rfind("claim/order/3/sale/", 0) == 0);
  CHECK(key.size() == std::string("claim/order/3/sale/").size() + 32);
  CHECK(key.find("..") == std::string::npos);
  CHECK(key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789/") == std::string::npos);
  CHECK(edgepost::order_claim_key(3, "sale", "A-1") != edgepost::order_claim_key(3, "sale", "a-1"));
  CHECK(edgepost::order_claim_key(3, "sale", "A-1") != edgepost::order_claim_key(4, "sale", "A-1"));
  CHECK(edgepost::order_claim_key(3, "sale", "A-1") == edgepost::order_claim_key(3, "sale", "A-1"));
  // One order id may name a lead and a sale (issue 9, item 3).
  CHECK(edgepost::order_claim_key(3, "sale", "A-1") != edgepost::order_claim_key(3, "lead", "A-1"));
}
