#include "function.hpp"

#include <sys/random.h>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>

#include "cgi.hpp"
#include "commands.hpp"
#include "edgepost/click_exchange.hpp"
#include "edgepost/events.hpp"
#include "edgepost/explain_api.hpp"
#include "edgepost/form.hpp"
#include "edgepost/postback_exchange.hpp"
#include "edgepost/status_api.hpp"

namespace edgepost::wasi {
namespace {

void run(Exchange& exchange, std::int64_t now) {
  while (!exchange.finished()) exchange.resolve(execute(exchange.command(), now));
}

const char* env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

using Start = std::unique_ptr<Exchange> (*)(Request, KeyRing, Environment);

// The postback function also serves the operator's APIs (status changes: the same protocol,
// another door; explain: what the keys say of an ID); the admin token, like the signing keys,
// comes from the host's environment.
std::unique_ptr<Exchange> start_postback_or_status_api(Request request, KeyRing keys,
                                                       Environment env) {
  if (request.path.rfind(kStatusApiPrefix, 0) == 0) {
    return start_status_api_exchange(request, env_or_empty("EDGEPOST_ADMIN_TOKEN"), env);
  }
  if (request.path.rfind(kExplainApiPrefix, 0) == 0) {
    return start_explain_exchange(request, env_or_empty("EDGEPOST_ADMIN_TOKEN"), std::move(keys),
                                  env);
  }
  return start_postback_exchange(std::move(request), std::move(keys), env);
}

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
  return serve(kFormBodyLimits.max_bytes, start_postback_or_status_api, misconfigured);
}

}  // namespace edgepost::wasi
