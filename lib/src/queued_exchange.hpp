#pragma once
// What every exchange in this directory shares: the commands it has yielded and not yet seen
// resolved (each with the step that takes its outcome), the environment it decides in, and
// the id its own events carry. Private to lib/src.

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "edgepost/click_id.hpp"
#include "edgepost/events.hpp"
#include "edgepost/exchange.hpp"
#include "edgepost/hex.hpp"

namespace edgepost::detail {

template <typename Step>
class CommandQueue {
 public:
  bool empty() const { return queue_.empty(); }
  const Command& front() const { return queue_.front().first; }

  Step pop() {
    const Step step = queue_.front().second;
    queue_.pop_front();
    return step;
  }

  void push(Command command, Step step) { queue_.emplace_back(std::move(command), step); }

  void read(Store store, std::vector<std::string> keys, Step step,
            std::int64_t max_age_seconds = 0) {
    Command command;
    command.kind = CommandKind::read;
    command.store = store;
    command.keys = std::move(keys);
    command.max_age_seconds = max_age_seconds;
    push(std::move(command), step);
  }

  void write(CommandKind kind, Store store, KvWrite write, Step step) {
    Command command;
    command.kind = kind;
    command.store = store;
    command.write = std::move(write);
    push(std::move(command), step);
  }

  void emit(std::string event, Step step) {
    Command command;
    command.kind = CommandKind::emit;
    command.event = std::move(event);
    push(std::move(command), step);
  }

  void respond(Response response, Step step) {
    Command command;
    command.kind = CommandKind::respond;
    command.response = std::move(response);
    push(std::move(command), step);
  }

 private:
  std::deque<std::pair<Command, Step>> queue_;
};

template <typename Derived, typename Step>
class QueuedExchange : public Exchange {
 public:
  QueuedExchange(KeyRing keys, Environment env)
      : keys_(std::move(keys)), env_(env), id_(to_hex(env.entropy)) {
    env_.keys = nullptr;  // set per use: a copy of this exchange must point to its own ring
  }

  const Command& command() const override { return queue_.front(); }
  bool finished() const override { return queue_.empty(); }
  std::unique_ptr<Exchange> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }

 protected:
  Environment environment() const {
    Environment env = env_;
    env.keys = &keys_;
    return env;
  }

  void emit(std::string_view event) { queue_.emit(with_event_id(event, id_), Step::none); }

  KeyRing keys_;
  Environment env_;
  std::string id_;  // this request's, for the ids of its own events
  CommandQueue<Step> queue_;
};

}  // namespace edgepost::detail
