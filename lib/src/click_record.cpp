#include "edgepost/click_record.hpp"

#include <cstdint>

#include <nlohmann/json.hpp>

#include "compact_record.hpp"
#include "edgepost/json_writer.hpp"

namespace edgepost {
namespace {

// The record as JSON, and as the click event with `event_id`. Members in the order nlohmann's
// sorted objects had them, so that events keep the bytes they had before they were written
// directly.
void write_json(JsonObjectWriter& out, const ClickRecord& record, std::string_view event_id) {
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

// Compact, as config records are (compact_record.hpp): a postback reads it on every conversion.
constexpr std::string_view kClickMagic = "click/1|";

std::int64_t sub_id_index(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kSubIdFields); ++i) {
    if (kSubIdFields[i] == name) return static_cast<std::int64_t>(i);
  }
  return 0;  // never: sub_ids only ever holds kSubIdFields names
}

std::optional<ClickRecord> parse_json_click_record(std::string_view text);

}  // namespace

const std::string* ClickRecord::sub_id(std::string_view name) const {
  for (const auto& [field, value] : sub_ids) {
    if (field == name) return &value;
  }
  return nullptr;
}

std::string encode(const ClickRecord& record) {
  compact::Writer out(kClickMagic);
  out.text(record.transaction_id);
  out.integer(record.offer_id);
  out.integer(record.affiliate_id);
  out.integer(record.time);
  out.integer(record.advertiser_id);
  out.integer(static_cast<std::int64_t>(record.sub_ids.size()));
  for (const auto& [name, value] : record.sub_ids) {
    out.integer(sub_id_index(name));
    out.text(value);
  }
  out.text(record.ip);
  out.text(record.country);
  out.integer(static_cast<std::int64_t>(record.flags.size()));
  for (const std::string& flag : record.flags) out.text(flag);
  return out.take();
}

std::optional<ClickRecord> parse_click_record(std::string_view text) {
  if (!text.empty() && text.front() == '{') return parse_json_click_record(text);
  compact::Reader in(text, kClickMagic);
  ClickRecord record;
  std::size_t count = 0;
  if (!in.text("transaction_id", record.transaction_id) ||
      !in.number("offer_id", record.offer_id) || !in.number("aff_id", record.affiliate_id) ||
      !in.integer("time", INT64_MIN, INT64_MAX, record.time) ||
      !in.number("advertiser_id", record.advertiser_id) || !in.count("sub_ids", count)) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < count; ++i) {
    std::int64_t field = 0;
    std::string value;
    if (!in.integer("sub_id", 0, std::ssize(kSubIdFields) - 1, field) ||
        !in.text("sub_id", value)) {
      return std::nullopt;
    }
    record.sub_ids.emplace_back(std::string(kSubIdFields[field]), std::move(value));
  }
  if (!in.text("ip", record.ip) || !in.text("country", record.country) ||
      !in.count("flags", count)) {
    return std::nullopt;
  }
  record.flags.resize(count);
  for (std::string& flag : record.flags) {
    if (!in.text("flag", flag)) return std::nullopt;
  }
  if (!in.finish()) return std::nullopt;
  return record;
}

namespace {

// Click records written as JSON, by versions before the compact form: they stay in KV for an
// attribution window after an upgrade.
std::optional<ClickRecord> parse_json_click_record(std::string_view text) {
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

}  // namespace

std::string click_record_json(const ClickRecord& record) {
  JsonObjectWriter out;
  write_json(out, record, {});
  return std::move(out).finish();
}

std::string click_event(const ClickRecord& record) {
  JsonObjectWriter out;
  write_json(out, record, "click:" + record.transaction_id);
  return std::move(out).finish();
}

}  // namespace edgepost
