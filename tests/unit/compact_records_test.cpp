// The compact form of stored config records (config_records.hpp): what is written reads back
// the same, a corrupt record is refused with the field and byte that are wrong and never
// crashes, and a record in the old JSON form still reads. Then the cache of decoded records
// (config_cache.hpp).
#include <catch2/catch.hpp>
#include <string>

#include "edgepost/config_cache.hpp"
#include "edgepost/config_records.hpp"
#include "edgepost/kv_keys.hpp"
#include "fixtures.hpp"

namespace {

const edgepost::ConfigRecord& record_of(const std::vector<edgepost::ConfigRecord>& records,
                                        const std::string& key) {
  for (const auto& record : records) {
    if (record.key == key) return record;
  }
  FAIL("no record " << key);
  return records.front();
}

// Whether `text` reads as the kind of record its key names; the first error's message if not.
std::string refusal(const std::string& key, const std::string& text) {
  const auto first = [](const auto& parsed) {
    return parsed ? std::string()
                  : parsed.error().front().path + ": " + parsed.error().front().message;
  };
  if (key.rfind("config/offer/", 0) == 0) return first(edgepost::parse_offer_record(text));
  if (key.rfind("config/affiliate/", 0) == 0) return first(edgepost::parse_affiliate_record(text));
  return first(edgepost::parse_advertiser_record(text));
}

}  // namespace

TEST_CASE("compact records: every entity reads back to the same bytes", "[config][records]") {
  const auto records = edgepost::config_records(fixtures::config());
  for (const auto& record : records) {
    INFO(record.key << " = " << record.value);
    edgepost::Config one;
    if (record.key.rfind("config/offer/", 0) == 0) {
      const auto offer = edgepost::parse_offer_record(record.value);
      REQUIRE(offer.has_value());
      one.offers.push_back(*offer);
    } else if (record.key.rfind("config/affiliate/", 0) == 0) {
      const auto affiliate = edgepost::parse_affiliate_record(record.value);
      REQUIRE(affiliate.has_value());
      one.affiliates.push_back(*affiliate);
    } else {
      const auto advertiser = edgepost::parse_advertiser_record(record.value);
      REQUIRE(advertiser.has_value());
      one.advertisers.push_back(*advertiser);
    }
    CHECK(edgepost::config_records(one)[0].value == record.value);
  }
}

TEST_CASE("compact records: the hot path gets templates and ranges ready to use",
          "[config][records]") {
  const auto records = edgepost::config_records(fixtures::config());
  const auto offer =
      edgepost::parse_offer_record(record_of(records, edgepost::offer_key(100)).value);
  REQUIRE(offer.has_value());
  const auto config = fixtures::config();
  CHECK(offer->landing.pieces == config.offers[0].landing.pieces);
  CHECK(offer->advertiser.auth.security_token == fixtures::kToken);
  const auto gadgets =
      edgepost::parse_offer_record(record_of(records, edgepost::offer_key(200)).value);
  REQUIRE(gadgets.has_value());
  CHECK(gadgets->advertiser.auth.ip_allowlist == config.offers[1].advertiser.auth.ip_allowlist);
}

TEST_CASE(
    "compact records: every truncation and every changed byte is refused or read, never a crash",
    "[config][records]") {
  const auto records = edgepost::config_records(fixtures::config());
  for (const auto& record : records) {
    INFO(record.key);
    for (std::size_t length = 0; length < record.value.size(); ++length) {
      INFO("truncated to " << length);
      CHECK_FALSE(refusal(record.key, record.value.substr(0, length)).empty());
    }
    CHECK_FALSE(refusal(record.key, record.value + "0;").empty());  // bytes after the end
    for (std::size_t at = 0; at < record.value.size(); ++at) {
      for (const char replacement : {'0', '9', ';', ':', '-', 'x'}) {
        std::string changed = record.value;
        changed[at] = replacement;
        (void)refusal(record.key, changed);  // the sanitize preset checks there is no UB
      }
    }
  }
}

TEST_CASE("compact records: a refusal names the field and the byte", "[config][records]") {
  const auto records = edgepost::config_records(fixtures::config());
  const std::string affiliate = record_of(records, edgepost::affiliate_key(7)).value;
  CHECK(refusal("config/affiliate/7", "offer/1|" + affiliate.substr(12)) ==
        "record: header at byte 0: not a record of this kind and version");
  CHECK(refusal("config/affiliate/7", "affiliate/2|" + affiliate.substr(12)) ==
        "record: header at byte 0: not a record of this kind and version");
  CHECK(refusal("config/affiliate/7", "affiliate/1|7;999:x") ==
        "record: affiliate.name at byte 14: longer than the record");
  CHECK(refusal("config/affiliate/7", "affiliate/1|4294967296;") ==
        "record: affiliate.id at byte 12: out of range");
  // Integers: a sign only when negative, at least one digit, nothing beyond int64.
  for (const char* id : {"+7;", "-;", ";", "7", "7:", "9223372036854775808;",
                         "99999999999999999999;", "-9223372036854775809;"}) {
    INFO(id);
    CHECK(refusal("config/affiliate/7", std::string("affiliate/1|") + id) ==
          "record: affiliate.id at byte 12: expected an integer and ';'");
  }
  CHECK(refusal("config/affiliate/7", "affiliate/1|-9223372036854775808;") ==
        "record: affiliate.id at byte 12: out of range");
  CHECK(refusal("config/affiliate/7", "affiliate/1|9223372036854775807;") ==
        "record: affiliate.id at byte 12: out of range");
  CHECK(refusal("config/affiliate/7", "affiliate/1|007;1:a2;") ==
        "record: affiliate.active at byte 19: out of range");
  CHECK(refusal("config/affiliate/7", "affiliate/1|7;1:a2;") ==
        "record: affiliate.active at byte 17: out of range");
  CHECK(refusal("config/affiliate/7", "affiliate/1|7;1:a1;0:1;") ==
        "record: template at byte 23: expected an integer and ';'");
  // A count larger than the bytes left is refused before anything is reserved.
  CHECK(refusal("config/affiliate/7", "affiliate/1|7;1:a1;0:1;99999999999;") ==
        "record: template at byte 23: out of range");
  CHECK(refusal("config/affiliate/7", "affiliate/1|7;1:a1;0:1;1;1;0:") ==
        "record: template.text at byte 29: empty");
}

TEST_CASE("records stored before the compact form (JSON) still read, with the full checks",
          "[config][records]") {
  const std::string offer =
      R"({"id": 5, "name": "Old", "url": "https://a.example/?t={transaction_id}",
          "advertiser": {"id": 1, "name": "A", "auth": {"security_token": "t0123456789abcdef"}},
          "goals": [{"id": "sale", "revenue": {"fixed": "2"}, "payout": {"fixed": "1"}}]})";
  const auto parsed = edgepost::parse_offer_record(offer);
  REQUIRE(parsed.has_value());
  CHECK(parsed->id == 5);
  CHECK(parsed->advertiser.auth.security_token == "t0123456789abcdef");
  CHECK(parsed->goals.at(0).revenue.fixed == edgepost::Amount{200000});
  CHECK(edgepost::parse_affiliate_record(R"({"id": 3, "name": "Old"})")->id == 3);
  CHECK_FALSE(edgepost::parse_affiliate_record(R"({"id": 0})").has_value());
}

TEST_CASE("the config cache decodes a record once per stored text", "[config][cache]") {
  const auto records = edgepost::config_records(fixtures::config());
  const std::string key = edgepost::offer_key(100);
  const std::string text = record_of(records, key).value;
  edgepost::ConfigCache cache;

  const auto first = cache.offer(key, text);
  REQUIRE(first != nullptr);
  CHECK(cache.offer(key, text) == first);  // the same object: not decoded again
  CHECK(cache.decodes() == 1);

  // The record changed in the store (a config load): the next read sees the new offer, and a
  // request that holds the old one keeps it.
  edgepost::Config changed = fixtures::config();
  changed.offers[0].name = "Renamed";
  const std::string new_text = record_of(edgepost::config_records(changed), key).value;
  const auto second = cache.offer(key, new_text);
  REQUIRE(second != nullptr);
  CHECK(second->name == "Renamed");
  CHECK(first->name != "Renamed");
  CHECK(cache.decodes() == 2);

  // An invalid record is refused every time, and never replaces a good entry for later reads.
  CHECK(cache.offer(key, "offer/1|garbage") == nullptr);
  CHECK(cache.offer(key, "offer/1|garbage") == nullptr);
  CHECK(cache.decodes() == 4);
  CHECK(cache.offer(key, new_text) == second);

  const std::string affiliate_key = edgepost::affiliate_key(7);
  const auto affiliate = cache.affiliate(affiliate_key, record_of(records, affiliate_key).value);
  REQUIRE(affiliate != nullptr);
  CHECK(affiliate->id == 7);
  CHECK(cache.size() == 2);
}

TEST_CASE("the config cache is bounded", "[config][cache]") {
  const auto records = edgepost::config_records(fixtures::config());
  const std::string text = record_of(records, edgepost::affiliate_key(7)).value;
  edgepost::ConfigCache cache;
  for (std::size_t i = 0; i < edgepost::ConfigCache::kMaxEntries + 10; ++i) {
    REQUIRE(cache.affiliate("key/" + std::to_string(i), text) != nullptr);
    REQUIRE(cache.size() <= edgepost::ConfigCache::kMaxEntries);
  }
  CHECK(cache.size() == 10);
}

TEST_CASE("compact records: an offer/1 record (before retention) still reads, with the defaults",
          "[config][records]") {
  edgepost::Config config = fixtures::config();
  const auto records = edgepost::config_records(config);
  const std::string current = record_of(records, "config/offer/100").value;
  REQUIRE(current.rfind("offer/2|", 0) == 0);
  const auto offer = edgepost::parse_offer_record(current);
  REQUIRE(offer.has_value());
  // offer/1 is offer/2 without the two integers after the reversal window: write one by
  // encoding with both at their defaults and cutting them out.
  edgepost::Offer plain = *offer;
  plain.late_postback_seconds = 1234567;
  plain.ledger_retention_seconds = 7654321;
  edgepost::Config one;
  one.offers.push_back(plain);
  std::string v1 = edgepost::config_records(one)[0].value;
  const std::string fields = "1234567;7654321;";
  const auto at = v1.find(fields);
  REQUIRE(at != std::string::npos);
  v1.erase(at, fields.size());
  v1.replace(0, 8, "offer/1|");
  const auto old = edgepost::parse_offer_record(v1);
  REQUIRE(old.has_value());
  CHECK(old->late_postback_seconds == 30 * 24 * 3600);
  CHECK(old->ledger_retention_seconds == 0);
  CHECK(old->reversal_window_seconds == offer->reversal_window_seconds);
  CHECK(old->name == offer->name);
  // And an offer/2 record cut the same way is refused, not misread.
  std::string cut = edgepost::config_records(one)[0].value;
  cut.erase(cut.find(fields), fields.size());
  CHECK_FALSE(edgepost::parse_offer_record(cut).has_value());
}
