#include "edgepost/status_change.hpp"

#include "edgepost/click_record.hpp"
#include "edgepost/config_records.hpp"
#include "edgepost/conversion_postbacks.hpp"
#include "edgepost/kv_keys.hpp"

namespace edgepost {
namespace {

ChangeDecision refused(Refusal refusal) {
  ChangeDecision decision;
  decision.refusal = std::move(refusal);
  return decision;
}

ChangeDecision repeated(std::string status) {
  ChangeDecision decision;
  decision.kind = ChangeDecision::Kind::repeat;
  decision.repeated_status = std::move(status);
  return decision;
}

// Whether the advertiser reported this status since the network's staff last decided: an
// operator's change starts a new history, so a later chargeback is not taken for an old report.
bool reported_since_operator(const ConversionRecord& record, std::string_view wanted) {
  bool reported = record.initial_status() == wanted;
  for (const StatusChange& change : record.changes) {
    if (change.source == "operator") reported = false;
    if (change.source == "postback" && change.to == wanted) reported = true;
  }
  return reported;
}

// A postback the advertiser sends again, late or retried, names a status the conversion had.
std::optional<ChangeDecision> as_repeat(const ConversionRecord& current,
                                        const ChangeRequest& request) {
  const std::string wanted(status_name(request.status));
  if (wanted == current.status) return repeated(wanted);
  if (request.source != ChangeSource::advertiser) return std::nullopt;
  if (reported_since_operator(current, wanted)) return repeated(wanted);
  return std::nullopt;
}

std::optional<Refusal> check_transition(const ConversionRecord& current,
                                        const ChangeRequest& request, const Offer& offer,
                                        std::int64_t now) {
  const std::string to(status_name(request.status));
  const std::string refusal = current.status + " -> " + to + " is not a status change ";
  // Set by the rules (too fast, affiliate blocked): not the advertiser's to overturn.
  if (current.rule && request.source == ChangeSource::advertiser) {
    return Refusal{409, "invalid_status_change",
                   "the conversion was " + current.status + " by edgepost's rules (" +
                       *current.rule + "); only the network's operators may change it"};
  }
  if (request.status == ConversionStatus::pending) {
    return Refusal{409, "invalid_status_change", refusal + "edgepost accepts"};
  }
  if (current.status == "rejected" && request.source == ChangeSource::advertiser) {
    return Refusal{409, "invalid_status_change",
                   refusal + "an advertiser may make (only the network's operators may)"};
  }
  if (current.status == "approved" && now - current.happened() > offer.reversal_window_seconds) {
    return Refusal{409, "invalid_status_change",
                   "the reversal window of " +
                       std::to_string(offer.reversal_window_seconds / (24 * 3600)) +
                       " days after the conversion has passed"};
  }
  return std::nullopt;
}

struct Prices {
  std::string revenue;
  std::string payout;
};

// Approved again or with a final amount: priced by today's rules of its goal, exactly as a new
// conversion would be; otherwise what it was recorded with.
std::optional<Prices> price(const ConversionRecord& current, const ChangeRequest& request,
                            const Offer& offer, Refusal& refusal) {
  if (request.status == ConversionStatus::rejected) {
    return Prices{format_amount(Amount{}), format_amount(Amount{})};
  }
  if (!request.amount && current.status != "rejected") {
    return Prices{current.revenue, current.payout};
  }
  const Goal* goal = offer.find_goal(current.goal);
  if (goal == nullptr) {
    refusal = Refusal{409, "unknown_goal", "the offer no longer has goal '" + current.goal + "'"};
    return std::nullopt;
  }
  std::optional<Amount> amount = request.amount;
  if (!amount && current.amount) {
    if (const auto stored = parse_amount(*current.amount)) amount = *stored;
  }
  const PriceRule& payout = offer.payout_for(current.affiliate_id, *goal);
  if (!amount && (goal->revenue.needs_sale_amount() || payout.needs_sale_amount())) {
    refusal = Refusal{400, "invalid_request",
                      "amount is required: goal '" + goal->id + "' pays a percent of it"};
    return std::nullopt;
  }
  return Prices{format_amount(goal->revenue.apply(amount)), format_amount(payout.apply(amount))};
}

SubIds click_sub_ids(const Snapshot& records, const std::string& transaction_id) {
  const std::string* text = lookup(records, click_key(transaction_id));
  if (text == nullptr) return {};
  auto click = parse_click_record(*text);
  return click ? std::move(click->sub_ids) : SubIds{};
}

bool ever_reversed(const ConversionRecord& record) {
  for (const StatusChange& change : record.changes) {
    if (change.from == "approved" && change.to == "rejected") return true;
  }
  return false;
}

std::vector<PartnerPostback> postbacks_for(const ConversionRecord& current,
                                           const StatusChange& change, const Offer& offer,
                                           const Snapshot& records) {
  const ConversionRecord after = with_change(current, change);
  const SubIds sub_ids = click_sub_ids(records, current.transaction_id);
  if (change.to == "approved" && !current.ever("approved")) {
    return approval_postbacks(offer, records, after, sub_ids);
  }
  if (change.from == "approved" && change.to == "rejected" && !ever_reversed(current)) {
    return reversal_postbacks(records, after, current.payout, sub_ids);
  }
  return {};
}

}  // namespace

ChangeDecision decide_status_change(const ConversionRecord& current, const ChangeRequest& request,
                                    const Snapshot& records, std::int64_t now) {
  if (auto repeat = as_repeat(current, request)) return *repeat;
  const std::string* offer_text = lookup(records, offer_key(current.offer_id));
  if (offer_text == nullptr) {
    return refused({409, "unknown_offer", "the conversion's offer no longer exists"});
  }
  const auto offer = parse_offer_record(*offer_text);
  if (!offer) return refused({500, "config_error", "the offer's stored record is invalid"});
  if (auto problem = check_transition(current, request, *offer, now)) return refused(*problem);
  Refusal refusal;
  const auto prices = price(current, request, *offer, refusal);
  if (!prices) return refused(std::move(refusal));

  ChangeDecision decision;
  decision.kind = ChangeDecision::Kind::change;
  StatusChange& change = decision.change;
  change.sequence = static_cast<std::uint32_t>(current.changes.size() + 1);
  change.from = current.status;
  change.to = std::string(status_name(request.status));
  change.source = request.source == ChangeSource::advertiser ? "postback" : "operator";
  change.time = now;
  change.revenue = prices->revenue;
  change.payout = prices->payout;
  if (request.amount) change.amount = format_amount(*request.amount);
  change.note = request.note;
  change.postbacks = postbacks_for(current, change, *offer, records);
  return decision;
}

std::vector<std::string> status_change_keys(const ConversionRecord& record) {
  return {offer_key(record.offer_id), affiliate_key(record.affiliate_id),
          click_key(record.transaction_id)};
}

}  // namespace edgepost
