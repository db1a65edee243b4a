#include "function.hpp"

#include <sys/random.h>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "cgi.hpp"
#include "edgepost/click_exchange.hpp"
#include "edgepost/events.hpp"
#include "edgepost/form.hpp"
#include "edgepost/postback_exchange.hpp"
#include "kv_dir.hpp"

namespace edgepost::wasi {
namespace {

// One directory holds both of the protocol's stores: its put_if_absent is atomic (link) and
// its reads see every completed write, which is all the ledger needs.
const DirectoryKv kStore{"/kv"};

// Events go to stderr, one JSON object per line; the host appends them to its event log.
void emit(const std::string& event) {
  std::fprintf(stderr, "%s\n", event.c_str());
}

Outcome failed(KvError error) {
  Outcome outcome;
  outcome.kind = OutcomeKind::failed;
  outcome.error = std::string(kv_error_message(error));
  return outcome;
}

Outcome read(const std::vector<std::string>& keys, std::int64_t now) {
  Outcome outcome;
  for (const std::string& key : keys) {
    auto value = kStore.get(key, now);
    if (!value) return failed(value.error());
    if (*value) outcome.values.emplace(key, std::move(**value));
  }
  return outcome;
}

std::int64_t expiry(const KvWrite& write, std::int64_t now) {
  return write.ttl_seconds > 0 ? now + write.ttl_seconds : 0;
}

Outcome put_if_absent(const KvWrite& write, std::int64_t now) {
  const auto result = kStore.put_if_absent(write.key, write.value, expiry(write, now));
  if (!result) return failed(result.error());
  Outcome outcome;
  if (*result == PutResult::written) {
    outcome.kind = OutcomeKind::won;
    return outcome;
  }
  outcome.kind = OutcomeKind::exists;
  // Expired but not yet swept: it exists, with no value to tell.
  const auto existing = kStore.get(write.key, now);
  if (!existing) return failed(existing.error());
  if (*existing) outcome.existing = std::move(**existing);
  return outcome;
}

Outcome put(const KvWrite& write, std::int64_t now) {
  const auto result = kStore.put(write.key, write.value, expiry(write, now));
  return result ? Outcome{} : failed(result.error());
}

// Carries out one command. Both stores are the directory; the outbox entry the exchange
// wrote is the queue itself here (the runner's delivery scans outbox/), so enqueue is done.
Outcome execute(const Command& command, std::int64_t now) {
  switch (command.kind) {
    case CommandKind::read: return read(command.keys, now);
    case CommandKind::put_if_absent: return put_if_absent(command.write, now);
    case CommandKind::put: return put(command.write, now);
    case CommandKind::enqueue: return Outcome{};
    case CommandKind::emit: emit(command.event); return Outcome{};
    case CommandKind::respond: write_cgi_response(command.response); return Outcome{};
  }
  return Outcome{};
}

void run(Exchange& exchange, std::int64_t now) {
  while (!exchange.finished()) exchange.resolve(execute(exchange.command(), now));
}

const char* env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

using Start = std::unique_ptr<Exchange> (*)(Request, KeyRing, Environment);

// Time, entropy and keys from the host (secrets from its environment variables, never from
// the module); then the exchange, to its end.
int serve(std::size_t body_limit, Start start, const Response& misconfigured) {
  auto request = read_cgi_request(body_limit);
  if (!request) {
    write_cgi_response(error_response(request.error()));
    return 0;
  }
  Environment env;
  env.now = static_cast<std::int64_t>(std::time(nullptr));
  auto keys = parse_key_ring(env_or_empty("EDGEPOST_SIGNING_KEYS"),
                             env_or_empty("EDGEPOST_SIGNING_KEY_ID"));
  if (!keys || getentropy(env.entropy.data(), env.entropy.size()) != 0) {
    const std::string detail =
        keys ? "no entropy from the host"
             : "signing keys: " + std::string(key_ring_error_message(keys.error()));
    emit(problem_event(0, "function misconfigured", detail));
    write_cgi_response(misconfigured);
    return 0;
  }
  const auto exchange = start(std::move(*request), std::move(*keys), env);
  run(*exchange, env.now);
  return 0;
}

Response text_response(int status, const std::string& text) {
  return Response{status, {{"content-type", "text/plain; charset=utf-8"}}, text + "\n"};
}

}  // namespace

int run_click_function() {
  return serve(kQueryLimits.max_bytes, start_click_exchange,
               text_response(500, "click function misconfigured"));
}

int run_postback_function() {
  Response misconfigured{503,
                         {{"content-type", "application/json"}, {"retry-after", "5"}},
                         R"({"status":"rejected","reason":"store_unavailable",)"
                         R"("message":"the postback function is misconfigured; retry later",)"
                         R"("duplicate":false})"
                         "\n"};
  return serve(kFormBodyLimits.max_bytes, start_postback_exchange, misconfigured);
}

}  // namespace edgepost::wasi
