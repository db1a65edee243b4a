#include "edgepost/click_record.hpp"

#include <cstdint>

#include <nlohmann/json.hpp>

#include "edgepost/json_writer.hpp"

namespace edgepost {
namespace {

// Members in the order nlohmann's sorted objects had them, so that records and events keep
// the bytes they had before they were written directly.
void write_record(JsonObjectWriter& out, const ClickRecord& record, std::string_view event_id) {
  if (record.advertiser_id != 0) out.member("advertiser_id", record.advertiser_id);
  for (const auto& [name, value] : record.sub_ids) {
    if (name == "aff_click_id") out.member(name, value);
  }
  out.member("aff_id", record.affiliate_id);
  for (const auto& [name, value] : record.sub_ids) {
    if (name.rfind("aff_sub", 0) == 0) out.member(name, value);
  }
  if (!record.country.empty()) out.member("country", record.country);
  if (!record.flags.empty()) out.member("flags", record.flags);
  if (!event_id.empty()) out.member("id", event_id);
  if (!record.ip.empty()) out.member("ip", record.ip);
  out.member("offer_id", record.offer_id);
  for (const auto& [name, value] : record.sub_ids) {
    if (name == "source") out.member(name, value);
  }
  out.member("time", record.time);
  out.member("transaction_id", record.transaction_id);
  if (!event_id.empty()) out.member("type", "click");
}

}  // namespace

const std::string* ClickRecord::sub_id(std::string_view name) const {
  for (const auto& [field, value] : sub_ids) {
    if (field == name) return &value;
  }
  return nullptr;
}

std::string encode(const ClickRecord& record) {
  JsonObjectWriter out;
  write_record(out, record, {});
  return std::move(out).finish();
}

std::optional<ClickRecord> parse_click_record(std::string_view text) {
  const nlohmann::json in = nlohmann::json::parse(text, nullptr, false);
  if (!in.is_object()) return std::nullopt;
  const auto tid = in.find("transaction_id");
  const auto offer = in.find("offer_id");
  const auto affiliate = in.find("aff_id");
  const auto time = in.find("time");
  if (tid == in.end() || !tid->is_string() || offer == in.end() || !offer->is_number_unsigned() ||
      affiliate == in.end() || !affiliate->is_number_unsigned() || time == in.end() ||
      !time->is_number_integer()) {
    return std::nullopt;
  }
  ClickRecord record;
  record.transaction_id = tid->get<std::string>();
  record.offer_id = offer->get<std::uint32_t>();
  record.affiliate_id = affiliate->get<std::uint32_t>();
  record.time = time->get<std::int64_t>();
  for (const std::string_view field : kSubIdFields) {
    const auto value = in.find(std::string(field));
    if (value != in.end() && value->is_string()) {
      record.sub_ids.emplace_back(std::string(field), value->get<std::string>());
    }
  }
  if (const auto advertiser = in.find("advertiser_id"); advertiser != in.end()) {
    if (!advertiser->is_number_unsigned() || advertiser->get<std::uint64_t>() > UINT32_MAX) {
      return std::nullopt;
    }
    record.advertiser_id = advertiser->get<std::uint32_t>();
  }
  if (const auto ip = in.find("ip"); ip != in.end() && ip->is_string()) {
    record.ip = ip->get<std::string>();
  }
  if (const auto country = in.find("country"); country != in.end() && country->is_string()) {
    record.country = country->get<std::string>();
  }
  if (const auto flags = in.find("flags"); flags != in.end()) {
    if (!flags->is_array()) return std::nullopt;
    for (const auto& flag : *flags) {
      if (!flag.is_string()) return std::nullopt;
      record.flags.push_back(flag.get<std::string>());
    }
  }
  return record;
}

std::string click_event(const ClickRecord& record) {
  JsonObjectWriter out;
  write_record(out, record, "click:" + record.transaction_id);
  return std::move(out).finish();
}

}  // namespace edgepost
