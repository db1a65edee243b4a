#include "edgepost/postback_exchange.hpp"

#include <nlohmann/json.hpp>

#include "edgepost/cap_closure.hpp"
#include "edgepost/cap_move.hpp"
#include "edgepost/config_records.hpp"
#include "edgepost/events.hpp"
#include "edgepost/json_text.hpp"
#include "edgepost/kv_keys.hpp"
#include "edgepost/outbox_entry.hpp"
#include "edgepost/postback.hpp"
#include "edgepost/status_api.hpp"
#include "edgepost/status_change.hpp"
#include "queued_exchange.hpp"

namespace edgepost {
namespace {

enum class Step {
  none,           // an emit or respond: its outcome changes nothing
  config_read,    // the offer, affiliate and click records
  test_read,      // conversion/<id> for a test postback: is it recorded already?
  ledger_read,    // conversion/<id>: recorded already?
  claim,          // put_if_absent of claims[next_claim_]
  holder_read,    // conversion/<holder>: is the claim we lost to a committed conversion?
  commit,         // put_if_absent of conversion/<id>
  outbox,         // put_if_absent of outbox/<postback id>
  enqueue,        // the platform's delivery woken for that entry
  mark_complete,  // put of conversion/<id> with stage complete
  change_read,    // change/<id>/<n+1>: a change a stopped attempt committed and did not finish?
  change_claim,   // put_if_absent of change/<id>/<n+1>: this request's change
  change_folded,  // put of conversion/<id> with the change folded in
  operator_read,  // conversion/<id>, named by the operator
  records_read,   // the offer, affiliate and click records of an operator's conversion
  cap,            // a command of cap_move_: a unit of a cap taken or given back
  closures_read,  // the offer's cap closures, to close or reopen one
  closures_put    // advice for the click: its outcome changes nothing
};

// Why cap units are being given back: the conversion was committed over a cap, so the units it
// took of its other caps go back before it completes; or a change rejected it.
enum class GiveBack { over_cap, rejection };

// Which partner postbacks are being queued, and what comes after them.
enum class Queueing { conversion, change };

// Events of one fingerprint on one click, past each other's window, before the advertiser is
// asked for event ids: bounds the ledger reads one postback can make.
constexpr std::uint32_t kMaxRepeats = 100;

Response store_unavailable() {
  const nlohmann::json body{{"status", "rejected"},
                            {"reason", "store_unavailable"},
                            {"message", "the conversion could not be stored; retry later"},
                            {"duplicate", false}};
  return Response{
      503,
      {{"content-type", "application/json"}, {"cache-control", "no-store"}, {"retry-after", "5"}},
      to_json_text(body) + "\n"};
}

// The operator's path reads the offer only to change a status: its retention, 0 (kept) when the
// offer is gone or unreadable, so that nothing is deleted on a guess.
std::int64_t ledger_retention(const Snapshot& records, std::uint32_t offer_id) {
  const std::string* text = lookup(records, offer_key(offer_id));
  if (text == nullptr) return 0;
  const auto offer = parse_offer_record(*text);
  return offer ? offer->ledger_retention() : 0;
}

class PostbackExchange final : public detail::QueuedExchange<PostbackExchange, Step> {
 public:
  PostbackExchange(Request request, KeyRing keys, Environment env)
      : QueuedExchange(std::move(keys), env) {
    plan_ = plan_postback(request, keys_);
    if (plan_.refusal) {
      decision_ = decide_postback(plan_, {}, environment());
      if (plan_.test) {
        answer_test(nullptr);
      } else {
        refuse(*decision_.refusal);
      }
      return;
    }
    queue_.read(Store::records, plan_.keys, Step::config_read);
  }

  // The operator's status API: the conversion first, then the records its change needs.
  PostbackExchange(const Request& request, std::string_view admin_token, Environment env)
      : QueuedExchange(KeyRing{}, env), operator_(true) {
    auto parsed = parse_status_api_request(request, admin_token);
    if (!parsed) {
      refuse_change(parsed.error());
      return;
    }
    decision_.conversion_id = parsed->conversion_id;
    decision_.change = parsed->change;
    queue_.read(Store::ledger, {conversion_key(conversion_id())}, Step::operator_read);
  }

  void resolve(const Outcome& outcome) override {
    switch (queue_.pop()) {
      case Step::none: return;
      case Step::config_read: return on_config(outcome);
      case Step::test_read: return on_test_read(outcome);
      case Step::ledger_read: return on_ledger(outcome);
      case Step::claim: return on_claim(outcome);
      case Step::holder_read: return on_holder(outcome);
      case Step::commit: return on_commit(outcome);
      case Step::outbox: return on_outbox(outcome);
      case Step::enqueue: return on_enqueue(outcome);
      case Step::mark_complete: return on_marked(outcome);
      case Step::change_read: return on_change_read(outcome);
      case Step::change_claim: return on_change_claim(outcome);
      case Step::change_folded: return on_change_folded(outcome);
      case Step::operator_read: return on_operator_read(outcome);
      case Step::records_read: return on_records(outcome);
      case Step::cap: return on_cap(outcome);
      case Step::closures_read: return on_closures(outcome);
      case Step::closures_put: return after_closures();
    }
  }

 private:
  const std::string& conversion_id() const { return decision_.conversion_id; }

  // A claim, record or status change of this conversion: kept for the offer's ledger retention
  // from this write (a later write of the record keeps it longer).
  KvWrite kept(std::string key, std::string value,
               Durability durability = Durability::synced) const {
    return KvWrite{std::move(key), std::move(value), decision_.ledger_retention_seconds,
                   durability};
  }

  // Claims and status changes are synced before the next command: they are what makes a
  // conversion or a change unique, and a commit must never outlive its claims. What follows
  // them (the commit, the outbox entries, the record) needs only be durable by the answer: a
  // power cut before it leaves what a retry of the same request completes (docs/protocol.md).
  KvWrite record_write(std::string value) const {
    return kept(conversion_key(conversion_id()), std::move(value), Durability::by_answer);
  }

  void refuse(const PostbackRefusal& refusal) {
    emit(refusal.event);
    queue_.respond(refusal.response, Step::none);
  }

  // A change refused: told the advertiser like any refusal, the operator in the API's form.
  void refuse_change(const Refusal& refusal) {
    if (!operator_) {
      return refuse(postback_refusal(refusal.status, refusal.reason, refusal.message,
                                     plan_.transaction_id, env_.now, &plan_.params));
    }
    emit(rejection_event(env_.now, "status_api", refusal.reason, refusal.message));
    queue_.respond(status_api_refusal(refusal), Step::none);
  }

  // A stored value this protocol wrote whole does not parse: a store problem (retry), never a
  // verdict.
  void damaged(std::string_view what, std::string key) {
    Outcome outcome;
    outcome.error = std::move(key);
    fail(what, outcome);
  }

  // Nothing to undo: whatever was written is what the retry that a 503 asks for completes.
  void fail(std::string_view what, const Outcome& outcome) {
    emit(problem_event(env_.now, what, outcome.error));
    queue_.respond(operator_ ? status_api_refusal({503, "store_unavailable",
                                                   "the change could not be stored; retry later"})
                             : store_unavailable(),
                   Step::none);
  }

  void on_config(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("postback keys not readable", outcome);
    decision_ = decide_postback(plan_, outcome.values, environment());
    records_ = outcome.values;
    if (plan_.test) {
      if (conversion_id().empty()) return answer_test(nullptr);
      // The claims too, read rather than taken: held by another conversion, the real
      // postback would be refused as that one's duplicate.
      std::vector<std::string> keys{conversion_key(conversion_id())};
      keys.insert(keys.end(), decision_.claims.begin(), decision_.claims.end());
      return queue_.read(Store::ledger, std::move(keys), Step::test_read);
    }
    if (decision_.claims.empty() && !decision_.names_conversion) {
      return refuse(*decision_.refusal);
    }
    // Also when today's rules refuse it: a conversion recorded before the window closed or
    // the offer was paused still answers its replays.
    queue_.read(Store::ledger, {conversion_key(conversion_id())}, Step::ledger_read);
  }

  // Reads only, from here: a test stores nothing.
  void on_test_read(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("conversion not readable", outcome);
    const std::string* text = lookup(outcome.values, conversion_key(conversion_id()));
    const auto stored = text ? parse_conversion_record(*text) : std::nullopt;
    if (text != nullptr && !stored) {
      return damaged("stored conversion unreadable", conversion_key(conversion_id()));
    }
    if (!stored && !decision_.refusal) {
      for (const std::string& claim : decision_.claims) {
        const std::string* holder = lookup(outcome.values, claim);
        if (holder == nullptr || *holder == conversion_id()) continue;
        const bool order = claim.rfind("claim/order/", 0) == 0;
        decision_.refusal = postback_refusal(409, order ? "duplicate_order" : "already_converted",
                                             std::string(order ? "adv_sub" : "this click's goal") +
                                                 " is held by conversion " + *holder,
                                             plan_.transaction_id, env_.now);
        break;
      }
    }
    answer_test(stored ? &*stored : nullptr);
  }

  void answer_test(const ConversionRecord* stored) {
    TestPostbackAnswer answer = test_postback_answer(plan_, decision_, stored, env_.now);
    emit(answer.event);
    queue_.respond(std::move(answer.response), Step::none);
  }

  void on_ledger(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("conversion not readable", outcome);
    if (const std::string* stored = lookup(outcome.values, conversion_key(conversion_id()))) {
      if (past_repeat_window(*stored)) return next_repeat(*stored);
      return replay(*stored);
    }
    if (decision_.names_conversion) return unknown_conversion();
    if (decision_.refusal) return refuse(*decision_.refusal);
    record_ = *decision_.record;
    take_next_claim();
  }

  // An event of a fingerprinted goal whose last occurrence is older than the window is a new
  // event: it gets the next claim of that fingerprint.
  // An event that its first attempt left incomplete is completed, whatever the window says:
  // counting its retry as the next event would count one sale twice.
  bool past_repeat_window(const std::string& stored) const {
    if (decision_.repeat_window_seconds == 0) return false;
    const auto record = parse_conversion_record(stored);
    return record && record->stage == ConversionStage::complete &&
           env_.now - record->time > decision_.repeat_window_seconds;
  }

  // A status report past the window of an event with that fingerprint is most likely that
  // event's update, not a new sale: refused with what to send rather than counted again. The
  // chain of repeats is bounded, so that no request walks an unbounded history.
  void next_repeat(const std::string& stored) {
    const auto earlier = parse_conversion_record(stored);
    if (decision_.change && earlier &&
        status_name(decision_.change->status) != std::string_view(earlier->status)) {
      return refuse_change({409, "ambiguous_event",
                            "an event with this fingerprint was recorded as conversion " +
                                earlier->conversion_id +
                                " before the dedupe window; to change its status send its "
                                "conversion_id, or send an event id (adv_sub)"});
    }
    if (repeat_ >= kMaxRepeats) {
      return refuse_change({409, "too_many_repeats",
                            "more than " + std::to_string(kMaxRepeats) +
                                " events with one fingerprint on this click; send an event id "
                                "(adv_sub) to tell them apart"});
    }
    decision_ = decide_postback(plan_, records_, environment(), ++repeat_);
    queue_.read(Store::ledger, {conversion_key(conversion_id())}, Step::ledger_read);
  }

  void take_next_claim() {
    if (next_claim_ < decision_.claims.size()) {
      queue_.write(CommandKind::put_if_absent, Store::ledger,
                   kept(decision_.claims[next_claim_], conversion_id()), Step::claim);
      return;
    }
    count_in_caps();
  }

  void commit() {
    queue_.write(CommandKind::put_if_absent, Store::ledger, record_write(encode(record_)),
                 Step::commit);
  }

  // Once every claim is held and before the commit: a unit of each cap. A conversion over one
  // gives back what it took of the others, so that it counts in none.
  void count_in_caps() {
    if (next_cap_ == decision_.caps.size()) return commit();
    const CapCheck& check = decision_.caps[next_cap_];
    cap_move_ = CapMove::take(check.ledger, conversion_id(), amount(record_.revenue),
                              amount(record_.payout), check.cap, check.ttl_seconds);
    run_cap_move();
  }

  static Amount amount(const std::string& text) {
    const auto parsed = parse_amount(text);
    return parsed ? *parsed : Amount{};
  }

  void run_cap_move() {
    if (auto command = cap_move_->next()) return queue_.push(std::move(*command), Step::cap);
    on_cap_moved();
  }

  void on_cap(const Outcome& outcome) {
    cap_move_->resolve(outcome);
    run_cap_move();
  }

  void on_cap_moved() {
    using Result = CapMove::Result;
    switch (cap_move_->result()) {
      case Result::taken:
      case Result::held:
        record_.caps.push_back(cap_move_->ledger());
        record_.cap_revenue = record_.revenue;
        record_.cap_payout = record_.payout;
        ++next_cap_;
        return count_in_caps();
      case Result::full: return over_cap();
      case Result::given_back: ++next_give_back_; return give_back_next();
      case Result::damaged: return damaged("cap ledger unreadable", cap_move_->ledger());
      case Result::contended: {
        Outcome contended;
        contended.error = cap_move_->ledger() + ": too many concurrent conversions";
        return fail("cap not counted", contended);
      }
      case Result::failed:
      case Result::pending: {
        Outcome failed;
        failed.error = cap_move_->ledger() + ": " + cap_move_->error();
        return fail("cap not counted", failed);
      }
    }
  }

  // Recorded, not refused: the advertiser's sale happened, the network does not pay for it.
  // The units it took of its other caps are given back only once it is committed: a copy of
  // this request that found room everywhere may commit it approved first, and then those
  // units are its own.
  void over_cap() {
    const CapCheck& check = decision_.caps[next_cap_];
    record_.status = std::string(status_name(decision_.cap_status));
    record_.reason = "cap_reached";
    record_.rule = "over the offer's cap (" + check.ledger + ")";
    record_.flags.emplace_back("cap_reached");
    record_.postbacks.clear();
    record_.cap_give_back = std::exchange(record_.caps, {});
    queue_.read(Store::records, {cap_closures_key(record_.offer_id)}, Step::closures_read);
  }

  // Over a cap, the offer's clicks go to its fallback until the period ends; a unit given
  // back by a rejection reopens it. Advice only (cap_closure.hpp): a store that fails here
  // changes nothing.
  void on_closures(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return after_closures();
    const std::string key = cap_closures_key(record_.offer_id);
    const std::string* text = lookup(outcome.values, key);
    const CapClosures before = text ? parse_cap_closures(*text) : CapClosures{};
    const CapClosures after =
        reopening_ ? with_reopened(before, give_back_)
                   : with_closed(before, decision_.caps[next_cap_], record_.affiliate_id,
                                 decision_.caps[next_cap_].ends_at);
    if (encode(after) == encode(before)) return after_closures();
    queue_.write(CommandKind::put, Store::records, KvWrite{key, encode(after), 0},
                 Step::closures_put);
  }

  void after_closures() {
    if (reopening_) return fold_change();
    commit();
  }

  void give_back(std::vector<std::string> ledgers, GiveBack why) {
    give_back_ = std::move(ledgers);
    next_give_back_ = 0;
    giving_back_ = why;
    give_back_next();
  }

  void give_back_next() {
    if (next_give_back_ == give_back_.size()) {
      if (giving_back_ == GiveBack::over_cap) {
        given_back_ = true;
        return complete();
      }
      reopening_ = true;
      return queue_.read(Store::records, {cap_closures_key(record_.offer_id)}, Step::closures_read);
    }
    const std::string& ledger = give_back_[next_give_back_];
    cap_move_ = CapMove::give_back(ledger, conversion_id(), amount(record_.cap_revenue),
                                   amount(record_.cap_payout), cap_retention_seconds(ledger));
    run_cap_move();
  }

  // A claim already holding this conversion's id was taken by an earlier attempt of the same
  // conversion (or by a copy of it running now): it is ours.
  void on_claim(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("claim not stored", outcome);
    if (outcome.kind == OutcomeKind::exists && outcome.existing != conversion_id()) {
      holder_ = outcome.existing;
      queue_.read(Store::ledger, {conversion_key(holder_)}, Step::holder_read);
      return;
    }
    ++next_claim_;
    take_next_claim();
  }

  // Lost to another conversion: this request records nothing. What it tells the advertiser
  // depends on whether the other one is recorded or still (or forever) uncommitted.
  void on_holder(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("conversion not readable", outcome);
    const std::string& contested = decision_.claims[next_claim_];
    const bool order = contested.rfind("claim/order/", 0) == 0;
    std::string message;
    if (lookup(outcome.values, conversion_key(holder_)) == nullptr) {
      message = "another postback holds this " +
                std::string(order ? "order (adv_sub)" : "click's goal") +
                " and has not completed; retry later";
      return refuse(postback_refusal(409, "conversion_conflict", message, plan_.transaction_id,
                                     env_.now, &plan_.params));
    }
    message = order ? "adv_sub was already recorded for this goal as conversion " + holder_
                    : "this click already converted on goal '" + record_.goal + "' as conversion " +
                          holder_;
    refuse(postback_refusal(409, order ? "duplicate_order" : "already_converted", message,
                            plan_.transaction_id, env_.now, &plan_.params));
  }

  void on_commit(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("conversion not stored", outcome);
    if (outcome.kind == OutcomeKind::exists) return replay(outcome.existing);
    fresh_ = true;
    complete();
  }

  void replay(const std::string& stored) {
    auto record = parse_conversion_record(stored);
    if (!record || record->conversion_id != conversion_id()) {
      // Written whole by this protocol, so this is damage: retry rather than a verdict.
      return damaged("stored conversion unreadable", conversion_key(conversion_id()));
    }
    // Named by id: another click's conversion is, to this request, no conversion at all.
    if (decision_.names_conversion && record->transaction_id != plan_.transaction_id) {
      return unknown_conversion();
    }
    record_ = std::move(*record);
    if (record_.stage == ConversionStage::complete) return read_next_change();
    complete();
  }

  void unknown_conversion() {
    refuse_change({404, "unknown_conversion",
                   "no conversion " + conversion_id() + " for this transaction_id"});
  }

  // The attempt that committed, or a replay of one that stopped before its end.
  void complete() {
    if (!record_.cap_give_back.empty() && !given_back_) {
      return give_back(record_.cap_give_back, GiveBack::over_cap);
    }
    queue_postbacks(Queueing::conversion, record_.postbacks, fresh_, record_.time);
  }

  void queue_postbacks(Queueing queueing, std::vector<PartnerPostback> postbacks, bool fresh,
                       std::int64_t committed) {
    queueing_ = queueing;
    postbacks_ = std::move(postbacks);
    postbacks_fresh_ = fresh;
    next_postback_ = 0;
    const bool may_be_swept = env_.now - committed > kOutboxRetentionSeconds;
    if (!fresh && may_be_swept && !postbacks_.empty()) {
      // Its entries may have been delivered and swept since: queueing them again could
      // notify the partner twice, which is worse than an operator's look at one conversion.
      const std::string what = queueing == Queueing::conversion
                                   ? "conversion " + conversion_id()
                                   : "status change " + std::to_string(change_.sequence) +
                                         " of conversion " + conversion_id();
      emit(problem_event(env_.now, "partner postbacks not queued again",
                         what + " was left incomplete longer than the outbox retention"));
      postbacks_.clear();
    }
    queue_next_postback();
  }

  void postbacks_queued() {
    if (queueing_ == Queueing::conversion) return finish();
    // A rejection gives the conversion's cap units back before the record says rejected.
    if (change_.to == "rejected" && !record_.caps.empty()) {
      return give_back(record_.caps, GiveBack::rejection);
    }
    fold_change();
  }

  void queue_next_postback() {
    if (next_postback_ == postbacks_.size()) return postbacks_queued();
    const PartnerPostback& postback = postbacks_[next_postback_];
    const OutboxEntry entry{postback, env_.now, OutboxState::pending};
    queue_.write(CommandKind::put_if_absent, Store::ledger,
                 KvWrite{outbox_key(postback.id), encode(entry), 0, Durability::by_answer},
                 Step::outbox);
  }

  // The entry is the truth, the platform's queue only a wake-up: an entry this exchange
  // wrote is woken; one a stopped attempt wrote is woken again while still pending (its
  // wake-up may never have been sent). Delivery takes a lease per entry, so a second
  // wake-up never sends twice.
  void on_outbox(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("partner postback not queued", outcome);
    bool wake = outcome.kind == OutcomeKind::won;
    if (outcome.kind == OutcomeKind::exists && !postbacks_fresh_) {
      const auto entry = parse_outbox_entry(outcome.existing);
      wake = entry && entry->state == OutboxState::pending;
    }
    if (!wake) {
      ++next_postback_;
      return queue_next_postback();
    }
    Command command;
    command.kind = CommandKind::enqueue;
    command.postback = postbacks_[next_postback_];
    queue_.push(std::move(command), Step::enqueue);
  }

  void on_enqueue(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("partner postback not queued", outcome);
    ++next_postback_;
    queue_next_postback();
  }

  // The event goes out before the record says complete: emitted again by a replay if this
  // attempt stops in between, never missing (its id makes the repeat harmless).
  void finish() {
    emit(conversion_event(record_));
    ConversionRecord complete = record_;
    complete.stage = ConversionStage::complete;
    queue_.write(CommandKind::put, Store::ledger, record_write(encode(complete)),
                 Step::mark_complete);
  }

  void on_marked(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("conversion not stored", outcome);
    record_.stage = ConversionStage::complete;
    if (fresh_) return queue_.respond(conversion_response(record_, false), Step::none);
    read_next_change();
  }

  // Changes of status. change/<id>/<n> is written if absent before conversion/<id> takes it
  // in, so two changes can never both be the n-th; one committed by an attempt that stopped is
  // folded in by whichever request reads the conversion next.
  void read_next_change() { queue_.read(Store::ledger, {next_change_key()}, Step::change_read); }

  std::string next_change_key() const {
    return status_change_key(conversion_id(),
                             static_cast<std::uint32_t>(record_.changes.size() + 1));
  }

  void on_change_read(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("status change not readable", outcome);
    if (const std::string* stored = lookup(outcome.values, next_change_key())) {
      return take_in(*stored);
    }
    decide_change();
  }

  // A committed change another attempt wrote: written whole by this protocol, so one that does
  // not parse or does not follow the record is damage.
  void take_in(const std::string& stored) {
    auto change = parse_status_change(stored);
    if (!change || change->sequence != record_.changes.size() + 1 ||
        change->from != record_.status) {
      return damaged("stored status change unreadable or out of sequence", next_change_key());
    }
    take_in(std::move(*change), false);
  }

  void take_in(StatusChange change, bool fresh) {
    change_ = std::move(change);
    change_fresh_ = fresh;
    queue_postbacks(Queueing::change, change_.postbacks, fresh, change_.time);
  }

  // The event before the record, as for the conversion: a repeat of it is harmless.
  void fold_change() {
    ConversionRecord after = with_change(record_, change_);
    emit(status_change_event(after, change_));
    queue_.write(CommandKind::put, Store::ledger, record_write(encode(after)), Step::change_folded);
  }

  void on_change_folded(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("conversion not stored", outcome);
    const std::string previous = record_.status;
    record_ = with_change(record_, change_);
    if (!change_fresh_) return read_next_change();
    if (operator_) {
      return queue_.respond(status_api_answer(record_, previous, false), Step::none);
    }
    queue_.respond(conversion_response(record_, false, previous), Step::none);
  }

  // The conversion as it stands, every earlier change folded in: what does this request ask?
  void decide_change() {
    if (!decision_.change) return answer_repeat(record_.status);
    const ChangeDecision decided =
        decide_status_change(record_, *decision_.change, records_, env_.now);
    switch (decided.kind) {
      case ChangeDecision::Kind::repeat: return answer_repeat(decided.repeated_status);
      case ChangeDecision::Kind::refused: return refuse_change(decided.refusal);
      case ChangeDecision::Kind::change: break;
    }
    change_ = decided.change;
    queue_.write(CommandKind::put_if_absent, Store::ledger,
                 kept(next_change_key(), encode(change_)), Step::change_claim);
  }

  // Lost to another change: take that one in, then decide again on the result.
  void on_change_claim(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("status change not stored", outcome);
    if (outcome.kind == OutcomeKind::exists) return take_in(outcome.existing);
    take_in(change_, true);
  }

  void answer_repeat(const std::string& status) {
    emit(duplicate_event(record_, env_.now, &plan_.params));
    if (operator_)
      return queue_.respond(status_api_answer(record_, record_.status, true), Step::none);
    ConversionRecord answered = record_;
    answered.status = status;
    queue_.respond(conversion_response(answered, true, {}, record_.status), Step::none);
  }

  void on_operator_read(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("conversion not readable", outcome);
    const std::string* stored = lookup(outcome.values, conversion_key(conversion_id()));
    if (stored == nullptr) {
      return refuse_change({404, "unknown_conversion", "no conversion " + conversion_id()});
    }
    auto record = parse_conversion_record(*stored);
    if (!record || record->conversion_id != conversion_id()) {
      return damaged("stored conversion unreadable", conversion_key(conversion_id()));
    }
    record_ = std::move(*record);
    queue_.read(Store::records, status_change_keys(record_), Step::records_read);
  }

  void on_records(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed)
      return fail("conversion records not readable", outcome);
    records_ = outcome.values;
    decision_.ledger_retention_seconds = ledger_retention(records_, record_.offer_id);
    if (record_.stage == ConversionStage::complete) return read_next_change();
    complete();
  }

  PostbackPlan plan_;
  PostbackDecision decision_;
  Snapshot records_;  // the offer, affiliate and click records, as read
  ConversionRecord record_;
  StatusChange change_;                     // being taken in
  std::vector<PartnerPostback> postbacks_;  // being queued
  Queueing queueing_ = Queueing::conversion;
  std::string holder_;  // the conversion id found in a claim we lost
  std::size_t next_claim_ = 0;
  std::optional<CapMove> cap_move_;     // the unit being taken or given back
  std::size_t next_cap_ = 0;            // in decision_.caps
  std::vector<std::string> give_back_;  // ledgers
  std::size_t next_give_back_ = 0;
  GiveBack giving_back_ = GiveBack::over_cap;
  bool given_back_ = false;   // the units of an over-cap conversion's other caps
  bool reopening_ = false;    // the closures are read to reopen (a rejection), not to close
  std::uint32_t repeat_ = 0;  // earlier events with this fingerprint, past their window
  std::size_t next_postback_ = 0;
  bool fresh_ = false;            // this exchange committed the conversion
  bool postbacks_fresh_ = false;  // and the postbacks being queued: this exchange committed them
  bool change_fresh_ = false;     // this exchange committed change_
  bool operator_ = false;         // the status API, not an advertiser's postback
};

}  // namespace

std::unique_ptr<Exchange> start_postback_exchange(Request request, KeyRing keys, Environment env) {
  return std::make_unique<PostbackExchange>(std::move(request), std::move(keys), env);
}

std::unique_ptr<Exchange> start_status_api_exchange(const Request& request,
                                                    std::string_view admin_token, Environment env) {
  return std::make_unique<PostbackExchange>(request, admin_token, env);
}

}  // namespace edgepost
