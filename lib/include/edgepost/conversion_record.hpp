#pragma once
// The conversion record, stored in the ledger as "conversion/<id>". Writing it (if absent)
// after every claim is held is what commits a conversion; its stage says whether the partner
// postbacks and the conversion event were seen through. Each later change of its status is
// first written on its own as "change/<id>/<sequence>" (the change's commit), then folded into
// the record (docs/conversion-lifecycle.md). One codec, used by every reader.

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

// One change of a conversion's status after it was recorded.
struct StatusChange {
  std::uint32_t sequence = 0;  // 1, 2, ...: its ledger key is change/<conversion_id>/<sequence>
  std::string from;
  std::string to;
  std::string source;  // "postback" (the advertiser) or "operator" (the network's staff)
  std::int64_t time = 0;
  std::string revenue;  // after the change
  std::string payout;
  std::optional<std::string> amount;  // the sale amount it carried, if any
  std::optional<std::string> note;
  std::vector<PartnerPostback> postbacks;  // the partner postbacks it sends
};

std::string encode(const StatusChange& change);
std::optional<StatusChange> parse_status_change(std::string_view text);

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
  std::int64_t time = 0;                        // when it was recorded
  std::optional<std::int64_t> conversion_time;  // when it happened, if the advertiser said
  std::string attributed_from;                  // "click" or "transaction_id"
  std::optional<std::string> amount;
  std::optional<std::string> rule;    // why the rules, not the advertiser, set the status
  std::optional<std::string> reason;  // that rule's stable code, e.g. "cap_reached"
  // The stable code of every rule that fired on it (docs/traffic-rules.md), whether it set the
  // status ("cap_reached", "click_flagged") or only marked it ("ip_mismatch").
  std::vector<std::string> flags;
  // The cap ledgers (cap_ledger.hpp) holding one unit of this conversion each: a reversal
  // gives them back.
  std::vector<std::string> caps;
  // Recorded over a cap: the ledgers of its other caps whose units it took and gives back
  // once committed (each at most once, cap_move.hpp).
  std::vector<std::string> cap_give_back;
  std::string cap_revenue;  // what it counted in them: its prices when it was recorded
  std::string cap_payout;
  std::vector<std::pair<std::string, std::string>> adv_subs;
  std::vector<std::string> claims;         // the ledger keys this conversion holds
  std::vector<PartnerPostback> postbacks;  // sent when it was recorded
  ConversionStage stage = ConversionStage::accepted;
  std::vector<StatusChange> changes;  // in sequence order, 1..n

  // The status it was recorded with.
  const std::string& initial_status() const {
    return changes.empty() ? status : changes.front().from;
  }
  // When the conversion happened: what windows after it count from.
  std::int64_t happened() const { return conversion_time.value_or(time); }
  // Whether it was ever approved (then its approval postback was due once already).
  bool ever(std::string_view wanted) const;
};

// The record once the change (the next in sequence) is folded in.
ConversionRecord with_change(ConversionRecord record, const StatusChange& change);

// 24 lower-case hex digits, as conversion_id_for (postback.hpp) makes them.
bool is_conversion_id(std::string_view text) noexcept;

std::string encode(const ConversionRecord& record);
// nullopt for anything that is not a whole record (damage, a foreign file).
std::optional<ConversionRecord> parse_conversion_record(std::string_view text);

// The same record as the "conversion" event (id "conversion:<conversion_id>", so a consumer
// that sees it twice can drop the repeat).
std::string conversion_event(const ConversionRecord& record);

// {"type":"status_change","id":"status_change:<conversion_id>:<sequence>",...}: the record as
// it is after the change, with from, to, source and the change's time.
std::string status_change_event(const ConversionRecord& after, const StatusChange& change);

}  // namespace edgepost
