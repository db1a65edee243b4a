#include "edgepost/click_exchange.hpp"

#include "edgepost/cap_move.hpp"
#include "edgepost/click.hpp"
#include "edgepost/events.hpp"
#include "queued_exchange.hpp"

namespace edgepost {
namespace {

enum class Step { none, config_read, rate_count, click_put };

// Long enough for the minute it counts, and a little for clocks that disagree.
constexpr std::int64_t kRateCounterSeconds = 180;

Response text_response(int status, const std::string& text) {
  return Response{status, {{"content-type", "text/plain; charset=utf-8"}}, text + "\n"};
}

class ClickExchange final : public detail::QueuedExchange<ClickExchange, Step> {
 public:
  ClickExchange(Request request, KeyRing keys, Environment env)
      : QueuedExchange(std::move(keys), env) {
    plan_ = plan_click(request);
    if (!env.config_max_age_problem.empty()) {
      emit(problem_event(env.now, "setting ignored", env.config_max_age_problem));
    }
    if (plan_.refusal) {
      carry_out(decide_click(plan_, {}, environment()));
    } else {
      queue_.read(Store::records, plan_.keys, Step::config_read, env.config_max_age_seconds);
    }
  }

  void resolve(const Outcome& outcome) override {
    switch (queue_.pop()) {
      case Step::none: return;
      case Step::config_read: return on_config(outcome);
      case Step::rate_count: return on_counted(outcome);
      case Step::click_put: return on_stored(outcome);
    }
  }

 private:
  void on_config(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) {
      emit(problem_event(env_.now, "click config not readable", outcome.error));
      queue_.respond(text_response(503, "configuration store unavailable; try again"), Step::none);
      return;
    }
    records_ = outcome.values;
    if (auto rate = click_rate_count(plan_, records_, environment())) {
      limit_ = rate->limit;
      // Counted up to the limit only: a flood past it writes nothing more.
      Cap limit;
      limit.conversions = rate->limit;
      counter_ = CapMove::take(rate->ledger, id_, {}, {}, limit, kRateCounterSeconds);
      return count_next();
    }
    carry_out(decide_click(plan_, records_, environment()));
  }

  void count_next() {
    if (auto command = counter_->next()) return queue_.push(std::move(*command), Step::rate_count);
    using Result = CapMove::Result;
    switch (counter_->result()) {
      case Result::taken: return carry_out(decide_click(plan_, records_, environment()));
      case Result::full: return carry_out(decide_click(plan_, records_, environment(), true));
      // Lost the race for a slot again and again: over the limit if the count it last saw is.
      case Result::contended:
        return carry_out(
            decide_click(plan_, records_, environment(), counter_->totals().conversions >= limit_));
      default:
        // The counter is a traffic rule, not the click's record: a store that cannot count
        // does not keep people from the landing page.
        emit(problem_event(env_.now, "click not counted",
                           counter_->ledger() + ": " + counter_->error()));
        return carry_out(decide_click(plan_, records_, environment()));
    }
  }

  void on_counted(const Outcome& outcome) {
    counter_->resolve(outcome);
    count_next();
  }

  // The redirect first: a slow store must not keep the person from the landing page.
  void carry_out(const Decision& decision) {
    queue_.respond(decision.response, Step::none);
    for (const KvWrite& write : decision.writes) {
      click_key_ = write.key;
      queue_.write(CommandKind::put, Store::records, write, Step::click_put);
    }
    for (const std::string& event : decision.events) emit(event);
  }

  void on_stored(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) {
      emit(problem_event(env_.now, "click not stored", click_key_ + ": " + outcome.error));
    }
  }

  ClickPlan plan_;
  Snapshot records_;
  std::optional<CapMove> counter_;  // the clicks of this address on the offer, this minute
  std::uint32_t limit_ = 0;
  std::string click_key_;  // the record being stored, for the event if it is not
};

}  // namespace

std::unique_ptr<Exchange> start_click_exchange(Request request, KeyRing keys, Environment env) {
  return std::make_unique<ClickExchange>(std::move(request), std::move(keys), env);
}

}  // namespace edgepost
