#include "edgepost/conversion_postbacks.hpp"

#include <optional>

#include "edgepost/config_cache.hpp"
#include "edgepost/kv_keys.hpp"
#include "edgepost/macros.hpp"

namespace edgepost {
namespace {

MacroValues postback_macros(const ConversionRecord& record, const SubIds& sub_ids) {
  MacroValues values;
  values.emplace_back("transaction_id", record.transaction_id);
  values.emplace_back("offer_id", std::to_string(record.offer_id));
  values.emplace_back("aff_id", std::to_string(record.affiliate_id));
  values.emplace_back("timestamp", std::to_string(record.time));
  for (const auto& [field, value] : sub_ids) values.emplace_back(field, value);
  values.emplace_back("goal", record.goal);
  values.emplace_back("payout", record.payout);
  values.emplace_back("currency", record.currency);
  values.emplace_back("status", record.status);
  values.emplace_back("conversion_id", record.conversion_id);
  return values;
}

std::shared_ptr<const Affiliate> affiliate_of(const Snapshot& snapshot, std::uint32_t affiliate_id,
                                              ConfigCache* cache) {
  const std::string key = affiliate_key(affiliate_id);
  const std::string* text = lookup(snapshot, key);
  return text ? stored_affiliate(cache, key, *text) : nullptr;
}

PartnerPostback partner_postback(std::string id, const UrlTemplate& url,
                                 const ConversionRecord& record, const SubIds& sub_ids) {
  const MacroValues values = postback_macros(record, sub_ids);
  return PartnerPostback{std::move(id),        record.affiliate_id,   render(url, values),
                         record.conversion_id, record.transaction_id, render_masked(url, values)};
}

}  // namespace

std::vector<PartnerPostback> approval_postbacks(const Offer& offer, const Snapshot& snapshot,
                                                const ConversionRecord& record,
                                                const SubIds& sub_ids, ConfigCache* config_cache) {
  const std::string id = record.conversion_id + "-" + std::to_string(record.affiliate_id);
  if (const UrlTemplate* url = offer.postback_override(record.affiliate_id)) {
    return {partner_postback(id, *url, record, sub_ids)};
  }
  const auto affiliate = affiliate_of(snapshot, record.affiliate_id, config_cache);
  if (!affiliate || !affiliate->postback) return {};
  return {partner_postback(id, *affiliate->postback, record, sub_ids)};
}

std::vector<PartnerPostback> reversal_postbacks(const Snapshot& snapshot,
                                                const ConversionRecord& reversed,
                                                const std::string& payout_taken_back,
                                                const SubIds& sub_ids, ConfigCache* config_cache) {
  const auto affiliate = affiliate_of(snapshot, reversed.affiliate_id, config_cache);
  if (!affiliate || !affiliate->reversal_postback) return {};
  ConversionRecord shown = reversed;
  shown.payout = payout_taken_back;
  const std::string id =
      reversed.conversion_id + "-" + std::to_string(reversed.affiliate_id) + "-reversal";
  return {partner_postback(id, *affiliate->reversal_postback, shown, sub_ids)};
}

}  // namespace edgepost
