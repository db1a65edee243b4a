#include "function.hpp"
#include "edgepost/json_text.hpp"

#include <sys/random.h>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>

#include "cgi.hpp"
#include "edgepost/click.hpp"
#include "edgepost/form.hpp"
#include "edgepost/kv_keys.hpp"
#include "edgepost/postback.hpp"
#include "kv_dir.hpp"

namespace edgepost::wasi {
namespace {

const DirectoryKv kStore{"/kv"};

// Events go to stderr, one JSON object per line; the host appends them to its event log.
void emit(const std::string& event) {
  std::fprintf(stderr, "%s\n", event.c_str());
}

void emit_all(const std::vector<std::string>& events) {
  for (const std::string& event : events) emit(event);
}

void emit_problem(std::string_view what, std::string_view detail, std::int64_t now) {
  emit(to_json_text(
      nlohmann::json{{"type", "error"}, {"time", now}, {"what", what}, {"detail", detail}}));
}

std::int64_t expiry(const KvWrite& write, std::int64_t now) {
  return write.ttl_seconds > 0 ? now + write.ttl_seconds : 0;
}

Response text_response(int status, const std::string& text) {
  return Response{status, {{"content-type", "text/plain; charset=utf-8"}}, text + "\n"};
}

Response store_unavailable() {
  const nlohmann::json body{{"status", "rejected"},
                            {"reason", "store_unavailable"},
                            {"message", "the conversion could not be stored; retry later"},
                            {"duplicate", false}};
  return Response{
      503, {{"content-type", "application/json"}, {"retry-after", "5"}}, to_json_text(body) + "\n"};
}

const char* env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

struct Setup {
  Environment env;
  KeyRing keys;
};

// Time, entropy and keys: the environment a decision is made in. Secrets come from the
// host's environment variables, never from the module.
Expected<Setup, std::string> prepare() {
  Setup setup;
  setup.env.now = static_cast<std::int64_t>(std::time(nullptr));
  if (getentropy(setup.env.entropy.data(), setup.env.entropy.size()) != 0) {
    return Unexpected{std::string("no entropy from the host")};
  }
  auto keys = parse_key_ring(env_or_empty("EDGEPOST_SIGNING_KEYS"),
                             env_or_empty("EDGEPOST_SIGNING_KEY_ID"));
  if (!keys) {
    return Unexpected{"signing keys: " + std::string(key_ring_error_message(keys.error()))};
  }
  setup.keys = std::move(*keys);
  return setup;
}

Expected<Snapshot, KvError> read_keys(const std::vector<std::string>& keys, std::int64_t now) {
  Snapshot snapshot;
  for (const std::string& key : keys) {
    auto value = kStore.get(key, now);
    if (!value) return Unexpected{value.error()};
    if (*value) snapshot.emplace(key, std::move(**value));
  }
  return snapshot;
}

std::string outbox_record(const PartnerPostback& postback, std::int64_t now) {
  return to_json_text(nlohmann::json{{"id", postback.id},
                                     {"aff_id", postback.affiliate_id},
                                     {"url", postback.url},
                                     {"created", now}});
}

// A replay finds its partner postbacks queued already; queueing them if absent also mends a
// first attempt that stored the conversion but died before its outbox entries.
bool enqueue(const std::vector<PartnerPostback>& postbacks, std::int64_t now) {
  for (const PartnerPostback& postback : postbacks) {
    if (!kStore.put_if_absent(outbox_key(postback.id), outbox_record(postback, now), 0)) {
      return false;
    }
  }
  return true;
}

void release(const std::vector<std::string>& claimed) {
  for (const std::string& key : claimed) (void)kStore.remove(key);
}

bool store_all(const std::vector<KvWrite>& writes, std::int64_t now) {
  for (const KvWrite& write : writes) {
    if (!kStore.put(write.key, write.value, expiry(write, now))) {
      emit_problem("record not stored", write.key, now);
      return false;
    }
  }
  return true;
}

// The answer to a replay, from the claim the original left.
Response answer_replay(const std::string& claim_key, std::int64_t now) {
  const auto original = kStore.get(claim_key, now);
  if (!original || !*original) return store_unavailable();
  const Decision duplicate = decide_duplicate(**original, now);
  emit_all(duplicate.events);
  if (!store_all(duplicate.writes, now) || !enqueue(duplicate.postbacks, now)) {
    return store_unavailable();
  }
  return duplicate.response;
}

// A refusal on today's rules (window closed, offer paused) of a conversion recorded earlier.
std::optional<Response> replay_of(const Decision& refusal, std::int64_t now) {
  for (const std::string& key : refusal.replay_keys) {
    const auto value = kStore.get(key, now);
    if (!value) return store_unavailable();
    if (*value) return answer_replay(key, now);
  }
  return std::nullopt;
}

// The claims decide whether this request records a conversion: all must be won. The claim
// holds the whole conversion, so once one exists nothing is lost: a retry after any later
// failure answers from it and restores what is missing.
Response apply_postback(const Decision& decision, std::int64_t now) {
  if (auto replay = replay_of(decision, now)) return *replay;
  std::vector<std::string> claimed;
  for (const KvWrite& claim : decision.claims) {
    const auto result = kStore.put_if_absent(claim.key, claim.value, expiry(claim, now));
    if (!result) {
      release(claimed);
      emit_problem("claim not stored", kv_error_message(result.error()), now);
      return store_unavailable();
    }
    if (*result == PutResult::exists) {
      release(claimed);
      return answer_replay(claim.key, now);
    }
    claimed.push_back(claim.key);
  }
  if (!store_all(decision.writes, now) || !enqueue(decision.postbacks, now)) {
    return store_unavailable();
  }
  emit_all(decision.events);
  return decision.response;
}

}  // namespace

int run_click_function() {
  const auto request = read_cgi_request(kQueryLimits.max_bytes);
  if (!request) {
    write_cgi_response(error_response(request.error()));
    return 0;
  }
  const auto setup = prepare();
  if (!setup) {
    emit_problem("click function misconfigured", setup.error(), 0);
    write_cgi_response(text_response(500, "click function misconfigured"));
    return 0;
  }
  Environment env = setup->env;
  env.keys = &setup->keys;
  const ClickPlan plan = plan_click(*request);
  const auto snapshot = plan.refusal ? Snapshot{} : read_keys(plan.keys, env.now);
  if (!snapshot) {
    emit_problem("click config not readable", kv_error_message(snapshot.error()), env.now);
    write_cgi_response(text_response(503, "configuration store unavailable; try again"));
    return 0;
  }
  const Decision decision = decide_click(plan, *snapshot, env);
  // The person is redirected even when the click cannot be stored: a lost click record
  // costs sub IDs in reports, a failed redirect costs the advertiser a visitor. The
  // conversion still attributes from the signed ID.
  for (const KvWrite& write : decision.writes) {
    if (!kStore.put(write.key, write.value, expiry(write, env.now))) {
      emit_problem("click not stored", write.key, env.now);
    }
  }
  emit_all(decision.events);
  write_cgi_response(decision.response);
  return 0;
}

int run_postback_function() {
  const auto request = read_cgi_request(kFormBodyLimits.max_bytes);
  if (!request) {
    write_cgi_response(error_response(request.error()));
    return 0;
  }
  const auto setup = prepare();
  if (!setup) {
    emit_problem("postback function misconfigured", setup.error(), 0);
    write_cgi_response(store_unavailable());
    return 0;
  }
  Environment env = setup->env;
  env.keys = &setup->keys;
  const PostbackPlan plan = plan_postback(*request, setup->keys);
  const auto snapshot = plan.refusal ? Snapshot{} : read_keys(plan.keys, env.now);
  if (!snapshot) {
    emit_problem("postback keys not readable", kv_error_message(snapshot.error()), env.now);
    write_cgi_response(store_unavailable());
    return 0;
  }
  const Decision decision = decide_postback(plan, *snapshot, env);
  write_cgi_response(apply_postback(decision, env.now));
  return 0;
}

}  // namespace edgepost::wasi
