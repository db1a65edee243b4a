#include "edgepost/config_load_exchange.hpp"

#include <nlohmann/json.hpp>

#include "edgepost/config_records.hpp"
#include "edgepost/json_text.hpp"
#include "edgepost/kv_keys.hpp"
#include "queued_exchange.hpp"

namespace edgepost {
namespace {

enum class Step { none, record_put, listed, removed };

class ConfigLoadExchange final : public Exchange {
 public:
  ConfigLoadExchange(std::string config_json, ConfigLoadMode mode) {
    const auto config = load_config(config_json);
    if (!config) {
      nlohmann::json errors = nlohmann::json::array();
      for (const ConfigError& error : config.error()) errors.push_back(describe(error));
      queue_.respond(json_response(400, {{"ok", false}, {"errors", errors}}), Step::none);
      return;
    }
    records_ = config_records(*config);
    if (mode == ConfigLoadMode::validate) {
      queue_.respond(json_response(200, {{"ok", true}, {"records", records_.size()}}), Step::none);
      return;
    }
    put_next_record();
  }

  const Command& command() const override { return queue_.front(); }
  bool finished() const override { return queue_.empty(); }
  std::unique_ptr<Exchange> clone() const override {
    return std::make_unique<ConfigLoadExchange>(*this);
  }

  void resolve(const Outcome& outcome) override {
    const Step step = queue_.pop();
    if (step == Step::none) return;
    if (outcome.kind == OutcomeKind::failed) return fail(outcome.error);
    switch (step) {
      case Step::none: return;
      case Step::record_put: ++next_; return put_next_record();
      case Step::listed:
        stale_ = stale_config_keys(records_, outcome.keys);
        next_ = 0;
        return remove_next();
      case Step::removed: ++next_; return remove_next();
    }
  }

 private:
  // No expiry: config records stay until the next load replaces or removes them.
  void put_next_record() {
    if (next_ < records_.size()) {
      const ConfigRecord& record = records_[next_];
      in_flight_ = record.key;
      queue_.write(CommandKind::put, Store::records, KvWrite{record.key, record.value, 0},
                   Step::record_put);
      return;
    }
    Command list;
    list.kind = CommandKind::list;
    list.prefix = std::string(kConfigKeyPrefix);
    in_flight_ = "listing " + list.prefix;
    queue_.push(std::move(list), Step::listed);
  }

  void remove_next() {
    if (next_ < stale_.size()) {
      in_flight_ = stale_[next_];
      queue_.write(CommandKind::remove, Store::records, KvWrite{stale_[next_], "", 0},
                   Step::removed);
      return;
    }
    queue_.respond(
        json_response(200,
                      {{"ok", true}, {"records", records_.size()}, {"removed", stale_.size()}}),
        Step::none);
  }

  // Whatever was written stays: loading the same config again completes it.
  void fail(const std::string& error) {
    queue_.respond(json_response(503, {{"ok", false}, {"errors", {in_flight_ + ": " + error}}}),
                   Step::none);
  }

  std::vector<ConfigRecord> records_;
  std::vector<std::string> stale_;
  std::size_t next_ = 0;
  std::string in_flight_;  // the key (or listing) of the command under way, for an error
  detail::CommandQueue<Step> queue_;
};

}  // namespace

std::unique_ptr<Exchange> start_config_load_exchange(std::string config_json, ConfigLoadMode mode) {
  return std::make_unique<ConfigLoadExchange>(std::move(config_json), mode);
}

}  // namespace edgepost
