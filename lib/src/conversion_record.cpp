#include "edgepost/conversion_record.hpp"

#include <nlohmann/json.hpp>
#include <type_traits>

#include "edgepost/json_text.hpp"

namespace edgepost {
namespace {

using nlohmann::json;

json postbacks_json(const std::vector<PartnerPostback>& postbacks) {
  json list = json::array();
  for (const PartnerPostback& p : postbacks) {
    list.push_back({{"id", p.id}, {"aff_id", p.affiliate_id}, {"url", p.url}});
  }
  return list;
}

json record_json(const ConversionRecord& r) {
  json out{{"conversion_id", r.conversion_id},
           {"transaction_id", r.transaction_id},
           {"offer_id", r.offer_id},
           {"aff_id", r.affiliate_id},
           {"advertiser_id", r.advertiser_id},
           {"goal", r.goal},
           {"status", r.status},
           {"revenue", r.revenue},
           {"payout", r.payout},
           {"currency", r.currency},
           {"click_time", r.click_time},
           {"time", r.time},
           {"attributed_from", r.attributed_from}};
  if (r.amount) out["amount"] = *r.amount;
  if (r.conversion_time) out["conversion_time"] = *r.conversion_time;
  if (r.rule) out["rule"] = *r.rule;
  if (r.reason) out["reason"] = *r.reason;
  if (!r.flags.empty()) out["flags"] = r.flags;
  for (const auto& [name, value] : r.adv_subs) out[name] = value;
  return out;
}

bool read_text(const json& object, const char* name, std::string& out) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return false;
  out = found->get<std::string>();
  return true;
}

template <typename Int>
bool read_integer(const json& object, const char* name, Int& out) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_number_integer()) return false;
  // An id is unsigned: a negative number must not wrap into one.
  if (std::is_unsigned_v<Int> && !found->is_number_unsigned()) return false;
  out = found->get<Int>();
  return true;
}

std::optional<std::string> optional_text(const json& object, const char* name) {
  std::string value;
  if (!read_text(object, name, value)) return std::nullopt;
  return value;
}

bool read_postbacks(const json& object, std::vector<PartnerPostback>& out) {
  const auto list = object.find("postbacks");
  if (list == object.end()) return true;
  if (!list->is_array()) return false;
  for (const json& entry : *list) {
    if (!entry.is_object()) return false;
    PartnerPostback postback;
    if (!read_text(entry, "id", postback.id) || !read_text(entry, "url", postback.url) ||
        !read_integer(entry, "aff_id", postback.affiliate_id) || postback.id.empty()) {
      return false;
    }
    out.push_back(std::move(postback));
  }
  return true;
}

// Absent: none.
bool read_texts(const json& object, const char* name, std::vector<std::string>& out) {
  const auto list = object.find(name);
  if (list == object.end()) return true;
  if (!list->is_array()) return false;
  for (const json& item : *list) {
    if (!item.is_string()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

bool read_claims(const json& object, std::vector<std::string>& out) {
  const auto list = object.find("claims");
  if (list == object.end() || !list->is_array() || list->empty()) return false;
  for (const json& key : *list) {
    if (!key.is_string()) return false;
    out.push_back(key.get<std::string>());
  }
  return true;
}

constexpr const char* kAdvSubFields[] = {"adv_sub", "adv_sub2", "adv_sub3", "adv_sub4", "adv_sub5"};

json change_json(const StatusChange& c) {
  json out{{"sequence", c.sequence},
           {"from", c.from},
           {"to", c.to},
           {"source", c.source},
           {"time", c.time},
           {"revenue", c.revenue},
           {"payout", c.payout},
           {"postbacks", postbacks_json(c.postbacks)}};
  if (c.amount) out["amount"] = *c.amount;
  if (c.note) out["note"] = *c.note;
  return out;
}

bool known_status(const std::string& status) {
  return status == "approved" || status == "pending" || status == "rejected";
}

std::optional<StatusChange> read_change(const json& in) {
  if (!in.is_object()) return std::nullopt;
  StatusChange c;
  const bool whole =
      read_integer(in, "sequence", c.sequence) && c.sequence > 0 && read_text(in, "from", c.from) &&
      known_status(c.from) && read_text(in, "to", c.to) && known_status(c.to) && c.from != c.to &&
      read_text(in, "source", c.source) && (c.source == "postback" || c.source == "operator") &&
      read_integer(in, "time", c.time) && read_text(in, "revenue", c.revenue) &&
      read_text(in, "payout", c.payout) && read_postbacks(in, c.postbacks);
  if (!whole) return std::nullopt;
  c.amount = optional_text(in, "amount");
  c.note = optional_text(in, "note");
  return c;
}

// Absent in records written before status changes existed.
bool read_changes(const json& object, std::vector<StatusChange>& out) {
  const auto list = object.find("changes");
  if (list == object.end()) return true;
  if (!list->is_array()) return false;
  for (const json& entry : *list) {
    auto change = read_change(entry);
    if (!change || change->sequence != out.size() + 1) return false;
    if (!out.empty() && change->from != out.back().to) return false;
    out.push_back(std::move(*change));
  }
  return true;
}

}  // namespace

bool is_conversion_id(std::string_view text) noexcept {
  constexpr std::size_t kLength = 24;
  return text.size() == kLength &&
         text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

bool ConversionRecord::ever(std::string_view wanted) const {
  if (initial_status() == wanted) return true;
  for (const StatusChange& change : changes) {
    if (change.to == wanted) return true;
  }
  return false;
}

std::string encode(const StatusChange& change) {
  return to_json_text(change_json(change));
}

std::optional<StatusChange> parse_status_change(std::string_view text) {
  return read_change(json::parse(text, nullptr, false));
}

ConversionRecord with_change(ConversionRecord record, const StatusChange& change) {
  record.status = change.to;
  record.revenue = change.revenue;
  record.payout = change.payout;
  if (change.amount) record.amount = change.amount;
  // Rejected, it gives its cap units back (the postback exchange does, before this fold).
  if (change.to == "rejected") record.caps.clear();
  // An operator's decision overrides the rules' (too fast, affiliate blocked).
  if (change.source == "operator") {
    record.rule.reset();
    record.reason.reset();
  }
  record.changes.push_back(change);
  return record;
}

std::string status_change_event(const ConversionRecord& after, const StatusChange& change) {
  json event = record_json(after);
  event["type"] = "status_change";
  event["id"] = "status_change:" + after.conversion_id + ":" + std::to_string(change.sequence);
  event["conversion_time"] = after.happened();
  event["time"] = change.time;
  event["from"] = change.from;
  event["to"] = change.to;
  event["source"] = change.source;
  event["sequence"] = change.sequence;
  if (change.note) event["note"] = *change.note;
  return to_json_text(event);
}

std::string encode(const ConversionRecord& record) {
  json out = record_json(record);
  out["claims"] = record.claims;
  if (!record.caps.empty()) out["caps"] = record.caps;
  if (!record.cap_give_back.empty()) out["cap_give_back"] = record.cap_give_back;
  if (!record.caps.empty() || !record.cap_give_back.empty()) {
    out["cap_revenue"] = record.cap_revenue;
    out["cap_payout"] = record.cap_payout;
  }
  out["postbacks"] = postbacks_json(record.postbacks);
  out["stage"] = record.stage == ConversionStage::complete ? "complete" : "accepted";
  if (!record.changes.empty()) {
    json changes = json::array();
    for (const StatusChange& change : record.changes) changes.push_back(change_json(change));
    out["changes"] = changes;
  }
  return to_json_text(out);
}

std::optional<ConversionRecord> parse_conversion_record(std::string_view text) {
  const json in = json::parse(text, nullptr, false);
  if (!in.is_object()) return std::nullopt;
  ConversionRecord r;
  std::string stage;
  const bool whole =
      read_text(in, "conversion_id", r.conversion_id) && !r.conversion_id.empty() &&
      read_text(in, "transaction_id", r.transaction_id) &&
      read_integer(in, "offer_id", r.offer_id) && read_integer(in, "aff_id", r.affiliate_id) &&
      read_integer(in, "advertiser_id", r.advertiser_id) && read_text(in, "goal", r.goal) &&
      read_text(in, "status", r.status) && read_text(in, "revenue", r.revenue) &&
      read_text(in, "payout", r.payout) && read_text(in, "currency", r.currency) &&
      read_integer(in, "click_time", r.click_time) && read_integer(in, "time", r.time) &&
      read_text(in, "attributed_from", r.attributed_from) && read_text(in, "stage", stage) &&
      (stage == "accepted" || stage == "complete") && read_claims(in, r.claims) &&
      read_postbacks(in, r.postbacks) && read_changes(in, r.changes) &&
      read_texts(in, "flags", r.flags) && read_texts(in, "caps", r.caps) &&
      read_texts(in, "cap_give_back", r.cap_give_back) &&
      ((r.caps.empty() && r.cap_give_back.empty()) ||
       (read_text(in, "cap_revenue", r.cap_revenue) &&
        read_text(in, "cap_payout", r.cap_payout))) &&
      (r.changes.empty() || r.changes.back().to == r.status);
  if (!whole) return std::nullopt;
  r.stage = stage == "complete" ? ConversionStage::complete : ConversionStage::accepted;
  // Stored without them: they are the record's own.
  auto name_conversion = [&r](std::vector<PartnerPostback>& postbacks) {
    for (PartnerPostback& postback : postbacks) {
      postback.conversion_id = r.conversion_id;
      postback.transaction_id = r.transaction_id;
    }
  };
  name_conversion(r.postbacks);
  for (StatusChange& change : r.changes) name_conversion(change.postbacks);
  r.amount = optional_text(in, "amount");
  if (std::int64_t at = 0; read_integer(in, "conversion_time", at)) r.conversion_time = at;
  r.rule = optional_text(in, "rule");
  r.reason = optional_text(in, "reason");
  for (const char* field : kAdvSubFields) {
    if (auto value = optional_text(in, field)) r.adv_subs.emplace_back(field, std::move(*value));
  }
  return r;
}

std::string conversion_event(const ConversionRecord& record) {
  json event = record_json(record);
  event["type"] = "conversion";
  event["id"] = "conversion:" + record.conversion_id;
  return to_json_text(event);
}

}  // namespace edgepost
