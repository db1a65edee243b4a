#pragma once
// The postback function's decisions: the advertiser reports a conversion for a transaction
// ID. Verify the ID, authenticate the advertiser, resolve the goal, check the attribution
// window, price the conversion, name its claims, render the affiliate's postback. Claiming it
// exactly once is the postback exchange's protocol (postback_exchange.hpp).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgepost/cap_ledger.hpp"
#include "edgepost/click_id.hpp"
#include "edgepost/conversion_record.hpp"
#include "edgepost/decision.hpp"
#include "edgepost/params.hpp"
#include "edgepost/status_change.hpp"

namespace edgepost {

struct PostbackPlan {
  std::optional<Refusal> refusal;  // malformed request or forged ID: nothing to read
  Params params;
  ClickId click;
  std::string transaction_id;  // canonical text of the verified ID
  std::string client_ip;
  std::vector<std::string> keys;  // to read: the offer, the affiliate and the click
  // test=1: the whole decision, nothing stored, the answer says what would happen
  // (test_postback_answer).
  bool test = false;
};

// Verifies the transaction ID's MAC before naming any key, so a forged or mistyped ID costs
// no read at all.
PostbackPlan plan_postback(const Request& request, const KeyRing& keys);

// A refusal as the advertiser sees it, and as the event log keeps it.
struct PostbackRefusal {
  Response response;
  std::string event;
};

// What this postback would record now, before the ledger says whether it was recorded already.
struct PostbackDecision {
  std::optional<PostbackRefusal> refusal;
  // The conversion the postback names: the ledger keys that make it unique (the click and
  // goal for a goal that counts once; the advertiser, goal and adv_sub for an order), and
  // the id derived from them. Also set when today's rules refuse it (window closed, offer
  // paused): a conversion recorded earlier still answers its replays.
  std::vector<std::string> claims;
  std::string conversion_id;
  std::optional<ConversionRecord> record;  // when not refused
  // What the postback asks of a conversion recorded already, when it gives a status; also
  // set when today's rules refuse a new conversion (a change is not a new conversion).
  std::optional<ChangeRequest> change;
  // Set for an event of a goal deduplicated by fingerprint: a conversion with the same
  // fingerprint recorded longer ago than this is an earlier event, and this postback the next.
  std::int64_t repeat_window_seconds = 0;
  // The postback named the conversion by conversion_id: no claims, and no new conversion; it
  // must exist and belong to this transaction ID.
  bool names_conversion = false;
  // The caps a new conversion takes a unit of before it is committed, in order, and the status
  // it gets when one is full.
  std::vector<CapCheck> caps;
  ConversionStatus cap_status = ConversionStatus::rejected;
  // The offer's Offer::ledger_retention(): the TTL of every claim, record and status change this
  // conversion writes. 0 (kept) when the offer is not known.
  std::int64_t ledger_retention_seconds = 0;
};

// repeat: for a fingerprinted event, how many earlier events with the same fingerprint the
// exchange found outside the window (each one is a claim of its own).
PostbackDecision decide_postback(const PostbackPlan& plan, const Snapshot& snapshot,
                                 const Environment& env, std::uint32_t repeat = 0);

// A test postback (test=1): what this one would do, stored is the conversion the ledger holds
// under the decision's id (nullptr: none). Answered with the HTTP status the real postback
// would get, "test": true, and for a new conversion its status, prices and the partner
// postbacks it would send (their URLs masked: render_masked). Caps are not counted (that
// would take a unit): "caps_checked": false says so when the offer has any. The event is a
// "test_postback", which no report counts.
struct TestPostbackAnswer {
  Response response;
  std::string event;
};
TestPostbackAnswer test_postback_answer(const PostbackPlan& plan, const PostbackDecision& decision,
                                        const ConversionRecord* stored, std::int64_t now);

// The same for every claim set, whichever request computes it: a retry gets the same id.
std::string conversion_id_for(const std::vector<std::string>& claims);

// previous_status: set for a change of status. current_status: for a repeat answered with the
// status it once produced, the status now, when different.
Response conversion_response(const ConversionRecord& record, bool duplicate,
                             std::string_view previous_status = {},
                             std::string_view current_status = {});
// params: the request's, for the event (events.hpp).
PostbackRefusal postback_refusal(int status, std::string_view reason, const std::string& message,
                                 const std::string& transaction_id, std::int64_t now,
                                 const Params* params = nullptr);

}  // namespace edgepost
