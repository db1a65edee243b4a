#pragma once
// The click record, stored as "click/<transaction id>" for the offer's attribution window: what
// the signed ID does not carry (the sub IDs), for the conversion's partner postback and reports.
// One codec, used by the click that writes it and the postback that reads it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgepost {

// The affiliate's own tracking values, passed back in its postback.
inline constexpr std::string_view kSubIdFields[] = {
    "aff_sub", "aff_sub2", "aff_sub3", "aff_sub4", "aff_sub5", "source", "aff_click_id"};

struct ClickRecord {
  std::string transaction_id;
  std::uint32_t offer_id = 0;
  std::uint32_t affiliate_id = 0;
  std::int64_t time = 0;
  std::vector<std::pair<std::string, std::string>> sub_ids;  // those given, in kSubIdFields order
  std::string ip;       // the visitor's address as the platform saw it; empty when unknown
  std::string country;  // ISO 3166 alpha-2 from the platform; empty when unknown
  // The traffic rules the click failed ("bot", "ip_rate", "blocked_ip", "country"): its
  // conversions are rejected with reason click_flagged.
  std::vector<std::string> flags;
  // The offer's advertiser at click time: reports filter clicks by advertiser without the config.
  // 0 in records written before it was kept.
  std::uint32_t advertiser_id = 0;

  const std::string* sub_id(std::string_view name) const;
};

// The stored form: compact text ("click/1|...", as config records are), read on every
// postback. Records stored as JSON by earlier versions still read.
std::string encode(const ClickRecord& record);
// nullopt for anything that is not a whole record.
std::optional<ClickRecord> parse_click_record(std::string_view text);
// The record as a JSON object, for people (explain).
std::string click_record_json(const ClickRecord& record);
// The "click" event: the record, with id "click:<transaction id>".
std::string click_event(const ClickRecord& record);

}  // namespace edgepost
