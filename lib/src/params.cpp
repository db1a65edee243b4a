#include "edgepost/params.hpp"
#include "edgepost/json_text.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

namespace edgepost {
namespace {

using Alias = std::pair<std::string_view, std::string_view>;

constexpr std::array<Alias, 2> kClickAliases{{
    {"affiliate_id", "aff_id"},
    {"aff_sub1", "aff_sub"},
}};

constexpr std::array<Alias, 14> kPostbackAliases{{
    {"click_id", "transaction_id"},
    {"clickid", "transaction_id"},
    {"tid", "transaction_id"},
    {"cid", "transaction_id"},
    {"subid", "transaction_id"},
    {"goal_id", "goal"},
    {"event", "goal"},
    {"sale_amount", "amount"},
    {"revenue", "amount"},
    {"sum", "amount"},
    {"order_id", "adv_sub"},
    {"txid", "adv_sub"},
    {"event_id", "adv_sub"},
    {"datetime", "conversion_time"},
}};

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         equals_ignoring_ascii_case(text.substr(0, prefix.size()), prefix);
}

ParamError form_error(const FormError& error, std::string_view where) {
  const bool too_long = error.code == FormErrorCode::input_too_long;
  const ParamErrorCode code = !too_long          ? ParamErrorCode::malformed
                              : where == "query" ? ParamErrorCode::query_too_long
                                                 : ParamErrorCode::body_too_long;
  return ParamError{code, std::string(where) + ": " + describe(error)};
}

// Numbers are read through their shortest decimal text, exact for amounts and ids people
// send. Ones that need an exponent would not be: those must come as strings.
std::optional<std::string> json_value_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get_ref<const std::string&>();
  std::string text = to_json_text(value);
  if (text.find_first_of("eE") != std::string::npos) return std::nullopt;
  return text;
}

// A flat JSON object of strings and numbers, checked like form fields.
Expected<Form, ParamError> parse_json_body(std::string_view body) {
  if (body.size() > kFormBodyLimits.max_bytes) {
    return Unexpected{
        ParamError{ParamErrorCode::body_too_long, "body: longer than the limit of 65536 bytes"}};
  }
  // A JSON object keeps only one of two equal keys; which one would be a guess, so a
  // repeated name is refused, as it is in a query or form body.
  std::set<std::string> names;
  std::string repeated;
  const auto note_repeats = [&](int depth, nlohmann::json::parse_event_t event,
                                nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed.is_string() &&
        !names.insert(parsed.get<std::string>()).second && repeated.empty()) {
      repeated = parsed.get<std::string>();
    }
    return true;
  };
  const auto document = nlohmann::json::parse(body, note_repeats, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return Unexpected{ParamError{ParamErrorCode::malformed, "body: not a JSON object"}};
  }
  if (!repeated.empty()) {
    return Unexpected{ParamError{ParamErrorCode::conflicting_values,
                                 "body: parameter '" + repeated + "' appears more than once"}};
  }
  if (document.size() > kFormBodyLimits.max_fields) {
    return Unexpected{ParamError{ParamErrorCode::malformed, "body: too many parameters"}};
  }
  Form form;
  for (const auto& [name, value] : document.items()) {
    if (value.is_null()) continue;
    if (!value.is_string() && !value.is_number()) {
      return Unexpected{ParamError{ParamErrorCode::malformed,
                                   "body: parameter '" + name + "' must be a string or a number"}};
    }
    const auto text = json_value_text(value);
    if (!text) {
      return Unexpected{ParamError{ParamErrorCode::malformed,
                                   "body: parameter '" + name +
                                       "' is a number too large or "
                                       "too precise for its text: send it as a string"}};
    }
    FormField field{name, *text};
    if (const auto error = check_field(field, kFormBodyLimits)) {
      return Unexpected{ParamError{ParamErrorCode::malformed, "body: " + describe(*error)}};
    }
    form.push_back(std::move(field));
  }
  return form;
}

Expected<Form, ParamError> parse_body(const Request& request) {
  if (request.body.empty()) return Form{};
  const std::string* type = request.header("content-type");
  const std::string_view media = type ? std::string_view(*type) : std::string_view{};
  if (starts_with_ignoring_case(media, "application/x-www-form-urlencoded")) {
    auto form = parse_form(request.body, kFormBodyLimits);
    if (!form) return Unexpected{form_error(form.error(), "body")};
    return std::move(*form);
  }
  if (starts_with_ignoring_case(media, "application/json")) return parse_json_body(request.body);
  return Unexpected{ParamError{ParamErrorCode::unsupported_media_type,
                               "body: send application/x-www-form-urlencoded or application/json"}};
}

bool method_allowed(std::string_view method, Endpoint endpoint) {
  if (endpoint == Endpoint::click) return method == "GET" || method == "HEAD";
  return method == "GET" || method == "POST";
}

}  // namespace

int http_status(ParamErrorCode code) noexcept {
  switch (code) {
    case ParamErrorCode::method_not_allowed: return 405;
    case ParamErrorCode::query_too_long: return 414;
    case ParamErrorCode::body_too_long: return 413;
    case ParamErrorCode::unsupported_media_type: return 415;
    case ParamErrorCode::malformed: return 400;
    case ParamErrorCode::conflicting_values: return 400;
  }
  return 400;
}

std::string canonical_param_name(std::string_view name, Endpoint endpoint) {
  std::string lower = to_lower_ascii(name);
  if (endpoint == Endpoint::click) {
    for (const auto& [alias, canonical] : kClickAliases) {
      if (lower == alias) return std::string(canonical);
    }
    return lower;
  }
  for (const auto& [alias, canonical] : kPostbackAliases) {
    if (lower == alias) return std::string(canonical);
  }
  return lower;
}

const std::string* Params::get(std::string_view canonical_name) const noexcept {
  return find_field(fields, canonical_name);
}

Expected<Params, ParamError> read_params(const Request& request, Endpoint endpoint) {
  if (!method_allowed(request.method, endpoint)) {
    return Unexpected{ParamError{ParamErrorCode::method_not_allowed,
                                 "method " + request.method + " is not allowed here"}};
  }
  auto query = parse_form(request.query, kQueryLimits);
  if (!query) return Unexpected{form_error(query.error(), "query")};
  Params params;
  params.received = std::move(*query);
  if (endpoint == Endpoint::postback && request.method == "POST") {
    auto body = parse_body(request);
    if (!body) return Unexpected{body.error()};
    params.received.insert(params.received.end(), body->begin(), body->end());
  }
  params.fields.reserve(params.received.size());
  for (const FormField& field : params.received) {
    std::string name = canonical_param_name(field.name, endpoint);
    if (const std::string* earlier = params.get(name)) {
      if (*earlier == field.value) continue;
      return Unexpected{
          ParamError{ParamErrorCode::conflicting_values, "parameter '" + name +
                                                             "' is given more than once with "
                                                             "different values (last as '" +
                                                             field.name + "')"}};
    }
    params.fields.push_back(FormField{std::move(name), field.value});
  }
  return params;
}

}  // namespace edgepost
