#include "edgepost/explain_api.hpp"

#include <optional>

#include <nlohmann/json.hpp>

#include "edgepost/admin_auth.hpp"
#include "edgepost/click_record.hpp"
#include "edgepost/config_records.hpp"
#include "edgepost/json_text.hpp"
#include "edgepost/kv_keys.hpp"
#include "queued_exchange.hpp"

namespace edgepost {
namespace {

using nlohmann::json;

enum class Step { none, records_read };

constexpr std::size_t kMaxIdBytes = 64;

Response error_response(int status, std::string_view error, std::string_view message) {
  Response response = json_response(status, json{{"error", error}, {"message", message}});
  if (status == 401) response.headers.push_back({"www-authenticate", "Bearer"});
  return response;
}

std::string_view signature_name(ClickIdError error) {
  switch (error) {
    case ClickIdError::malformed: return "malformed";
    case ClickIdError::unknown_version: return "unknown_version";
    case ClickIdError::unknown_key: return "unknown_key";
    case ClickIdError::bad_signature: return "bad_signature";
  }
  return "malformed";
}

json id_json(const ClickId& click) {
  return json{{"key_id", click.key_id},
              {"click_time", click.click_time},
              {"offer_id", click.offer_id},
              {"aff_id", click.affiliate_id}};
}

std::optional<Response> refusal(const Request& request, std::string_view admin_token) {
  if (request.method != "GET") {
    Response refused = error_response(405, "method_not_allowed", "use GET");
    refused.headers.push_back({"allow", "GET"});
    return refused;
  }
  if (!admin_authorized(request, admin_token)) {
    return error_response(401, "unauthorized",
                          "Authorization: Bearer <EDGEPOST_ADMIN_TOKEN> is required");
  }
  const std::size_t length = request.path.size() - kExplainApiPrefix.size();
  if (length == 0 || length > kMaxIdBytes) {
    return error_response(400, "invalid_request",
                          "the path must end with a transaction ID (at most 64 bytes)");
  }
  return std::nullopt;
}

class ExplainExchange final : public detail::QueuedExchange<ExplainExchange, Step> {
 public:
  ExplainExchange(const Request& request, std::string_view admin_token, KeyRing keys,
                  Environment env)
      : QueuedExchange(std::move(keys), env) {
    if (auto refused = refusal(request, admin_token)) {
      respond(*refused);
      return;
    }
    const std::string_view given = std::string_view(request.path).substr(kExplainApiPrefix.size());
    answer_ = json{{"transaction_id", to_lower_ascii(given)}};
    const auto verified = verify_click_id(given, keys_);
    if (!verified) {
      answer_["signature"] = signature_name(verified.error());
      answer_["message"] = click_id_error_message(verified.error());
      const auto claimed = read_unverified_click_id(given);
      answer_["claimed"] = claimed ? id_json(*claimed) : json(nullptr);
      respond(json_response(200, answer_));
      return;
    }
    click_ = *verified;
    answer_["signature"] = "valid";
    answer_["id"] = id_json(click_);
    answer_["future"] = click_.click_time > env.now + kClickClockSkewSeconds;
    transaction_id_ = normalize_click_id(given);
    queue_.read(Store::records, {offer_key(click_.offer_id), click_key(transaction_id_)},
                Step::records_read);
  }

  void resolve(const Outcome& outcome) override {
    switch (queue_.pop()) {
      case Step::none: return;
      case Step::records_read: return on_records(outcome);
    }
  }

 private:
  void respond(const Response& response) { queue_.respond(response, Step::none); }

  void on_records(const Outcome& outcome) {
    if (outcome.kind == OutcomeKind::failed) {
      emit(problem_event(env_.now, "explain: records not readable", outcome.error));
      return respond(error_response(503, "store_unavailable", "the record store is unavailable"));
    }
    answer_["offer"] = nullptr;
    if (const std::string* text = lookup(outcome.values, offer_key(click_.offer_id))) {
      if (const auto offer = parse_offer_record(*text)) {
        const std::int64_t ends =
            std::int64_t{click_.click_time} + offer->attribution_window_seconds;
        answer_["offer"] = json{{"id", offer->id},
                                {"name", offer->name},
                                {"active", offer->active},
                                {"attribution_window_seconds", offer->attribution_window_seconds}};
        answer_["attribution_ends"] = ends;
        answer_["expired"] = env_.now > ends;
        // The last moment a postback can still bring a new conversion, with a conversion_time
        // inside the window.
        answer_["late_postbacks_end"] = ends + offer->late_postback_seconds;
      }
    }
    answer_["click"] = nullptr;
    if (const std::string* text = lookup(outcome.values, click_key(transaction_id_))) {
      if (auto click = parse_click_record(*text)) {
        // The visitor's address is kept for a traffic rule, not for whoever explains the ID.
        click->ip.clear();
        answer_["click"] = json::parse(click_record_json(*click));
      }
    }
    respond(json_response(200, answer_));
  }

  ClickId click_;
  std::string transaction_id_;
  json answer_;
};

}  // namespace

std::unique_ptr<Exchange> start_explain_exchange(const Request& request,
                                                 std::string_view admin_token, KeyRing keys,
                                                 Environment env) {
  return std::make_unique<ExplainExchange>(request, admin_token, std::move(keys), env);
}

}  // namespace edgepost
