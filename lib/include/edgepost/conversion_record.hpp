#pragma once
// The conversion record, stored in the ledger as "conversion/<id>". Writing it (if absent)
// after every claim is held is what commits a conversion; its stage says whether the partner
// postbacks and the conversion event were seen through. One codec, used by every reader.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgepost/decision.hpp"

namespace edgepost {

// accepted: committed; the outbox entries and the event may not exist yet.
// complete: the outbox entries were queued and the conversion event emitted.
enum class ConversionStage { accepted, complete };

struct ConversionRecord {
  std::string conversion_id;
  std::string transaction_id;
  std::uint32_t offer_id = 0;
  std::uint32_t affiliate_id = 0;
  std::uint32_t advertiser_id = 0;
  std::string goal;
  std::string status;  // approved, pending, rejected
  std::string revenue;
  std::string payout;
  std::string currency;
  std::int64_t click_time = 0;
  std::int64_t time = 0;        // when it was recorded
  std::string attributed_from;  // "click" or "transaction_id"
  std::optional<std::string> amount;
  std::optional<std::string> rule;  // why the rules, not the advertiser, set the status
  std::vector<std::pair<std::string, std::string>> adv_subs;
  std::vector<std::string> claims;  // the ledger keys this conversion holds
  std::vector<PartnerPostback> postbacks;
  ConversionStage stage = ConversionStage::accepted;
};

std::string encode(const ConversionRecord& record);
// nullopt for anything that is not a whole record (damage, a foreign file).
std::optional<ConversionRecord> parse_conversion_record(std::string_view text);

// The same record as the "conversion" event (id "conversion:<conversion_id>", so a consumer
// that sees it twice can drop the repeat).
std::string conversion_event(const ConversionRecord& record);

}  // namespace edgepost
