#include "edgepost/postback_exchange.hpp"

#include <nlohmann/json.hpp>

#include "edgepost/events.hpp"
#include "edgepost/json_text.hpp"
#include "edgepost/kv_keys.hpp"
#include "edgepost/outbox_entry.hpp"
#include "edgepost/postback.hpp"
#include "queued_exchange.hpp"

namespace edgepost {
namespace {

enum class Step {
  none,          // an emit or respond: its outcome changes nothing
  config_read,   // the offer, affiliate and click records
  ledger_read,   // conversion/<id>: recorded already?
  claim,         // put_if_absent of claims[next_claim_]
  holder_read,   // conversion/<holder>: is the claim we lost to a committed conversion?
  commit,        // put_if_absent of conversion/<id>
  outbox,        // put_if_absent of outbox/<postback id>
  enqueue,       // the platform's delivery woken for that entry
  mark_complete  // put of conversion/<id> with stage complete
};

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

class PostbackExchange final : public detail::QueuedExchange<PostbackExchange, Step> {
 public:
  PostbackExchange(Request request, KeyRing keys, Environment env)
      : QueuedExchange(std::move(keys), env) {
    plan_ = plan_postback(request, keys_);
    if (plan_.refusal) {
      refuse(*decide_postback(plan_, {}, environment()).refusal);
      return;
    }
    queue_.read(Store::records, plan_.keys, Step::config_read);
  }

  void resolve(const Outcome& outcome) override {
    switch (queue_.pop()) {
      case Step::none: return;
      case Step::config_read: return on_config(outcome);
      case Step::ledger_read: return on_ledger(outcome);
      case Step::claim: return on_claim(outcome);
      case Step::holder_read: return on_holder(outcome);
      case Step::commit: return on_commit(outcome);
      case Step::outbox: return on_outbox(outcome);
      case Step::enqueue: return on_enqueue(outcome);
      case Step::mark_complete: return on_marked(outcome);
    }
  }

 private:
  const std::string& conversion_id() const { return decision_.conversion_id; }

  void refuse(const PostbackRefusal& refusal) {
    emit(refusal.event);
    queue_.respond(refusal.response, Step::none);
  }

  // Nothing to undo: whatever was written is what the retry that a 503 asks for completes.
  void fail(std::string_view what, const Outcome& outcome) {
    emit(problem_event(env_.now, what, outcome.error));
    queue_.respond(store_unavailable(), Step::none);
  }

  void on_config(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("postback keys not readable", outcome);
    decision_ = decide_postback(plan_, outcome.values, environment());
    if (decision_.claims.empty()) return refuse(*decision_.refusal);
    // Also when today's rules refuse it: a conversion recorded before the window closed or
    // the offer was paused still answers its replays.
    queue_.read(Store::ledger, {conversion_key(conversion_id())}, Step::ledger_read);
  }

  void on_ledger(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("conversion not readable", outcome);
    if (const std::string* stored = lookup(outcome.values, conversion_key(conversion_id()))) {
      return replay(*stored);
    }
    if (decision_.refusal) return refuse(*decision_.refusal);
    record_ = *decision_.record;
    take_next_claim();
  }

  void take_next_claim() {
    if (next_claim_ < decision_.claims.size()) {
      queue_.write(CommandKind::put_if_absent, Store::ledger,
                   KvWrite{decision_.claims[next_claim_], conversion_id(), 0}, Step::claim);
      return;
    }
    queue_.write(CommandKind::put_if_absent, Store::ledger,
                 KvWrite{conversion_key(conversion_id()), encode(record_), 0}, Step::commit);
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
      return refuse(
          postback_refusal(409, "conversion_conflict", message, plan_.transaction_id, env_.now));
    }
    message = order ? "adv_sub was already recorded for this goal as conversion " + holder_
                    : "this click already converted on goal '" + record_.goal + "' as conversion " +
                          holder_;
    refuse(postback_refusal(409, order ? "duplicate_order" : "already_converted", message,
                            plan_.transaction_id, env_.now));
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
      Outcome damaged;
      damaged.error = conversion_key(conversion_id());
      return fail("stored conversion unreadable", damaged);
    }
    record_ = std::move(*record);
    if (record_.stage == ConversionStage::complete) return answer();
    complete();
  }

  // The attempt that committed, or a replay of one that stopped before its end.
  void complete() {
    next_postback_ = 0;
    const bool may_be_swept = env_.now - record_.time > kOutboxRetentionSeconds;
    if (!fresh_ && may_be_swept && !record_.postbacks.empty()) {
      // Its entries may have been delivered and swept since: queueing them again could
      // notify the partner twice, which is worse than an operator's look at one conversion.
      emit(problem_event(env_.now, "partner postbacks not queued again",
                         "conversion " + conversion_id() +
                             " was left incomplete longer than the outbox retention"));
      return finish();
    }
    queue_next_postback();
  }

  void queue_next_postback() {
    if (next_postback_ == record_.postbacks.size()) return finish();
    const PartnerPostback& postback = record_.postbacks[next_postback_];
    const OutboxEntry entry{postback, env_.now, OutboxState::pending};
    queue_.write(CommandKind::put_if_absent, Store::ledger,
                 KvWrite{outbox_key(postback.id), encode(entry), 0}, Step::outbox);
  }

  // The entry is the truth, the platform's queue only a wake-up: an entry this exchange
  // wrote is woken; one a stopped attempt wrote is woken again while still pending (its
  // wake-up may never have been sent). Delivery takes a lease per entry, so a second
  // wake-up never sends twice.
  void on_outbox(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("partner postback not queued", outcome);
    bool wake = outcome.kind == OutcomeKind::won;
    if (outcome.kind == OutcomeKind::exists && !fresh_) {
      const auto entry = parse_outbox_entry(outcome.existing);
      wake = entry && entry->state == OutboxState::pending;
    }
    if (!wake) {
      ++next_postback_;
      return queue_next_postback();
    }
    Command command;
    command.kind = CommandKind::enqueue;
    command.postback = record_.postbacks[next_postback_];
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
    queue_.write(CommandKind::put, Store::ledger,
                 KvWrite{conversion_key(conversion_id()), encode(complete), 0},
                 Step::mark_complete);
  }

  void on_marked(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) return fail("conversion not stored", outcome);
    answer();
  }

  void answer() {
    if (!fresh_) emit(duplicate_event(record_, env_.now));
    queue_.respond(conversion_response(record_, !fresh_), Step::none);
  }

  PostbackPlan plan_;
  PostbackDecision decision_;
  ConversionRecord record_;
  std::string holder_;  // the conversion id found in a claim we lost
  std::size_t next_claim_ = 0;
  std::size_t next_postback_ = 0;
  bool fresh_ = false;  // this exchange committed the conversion
};

}  // namespace

std::unique_ptr<Exchange> start_postback_exchange(Request request, KeyRing keys, Environment env) {
  return std::make_unique<PostbackExchange>(std::move(request), std::move(keys), env);
}

}  // namespace edgepost
