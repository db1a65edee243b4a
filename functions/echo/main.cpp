// echo: a diagnostic function. It parses the request's query (and a form body) with the
// library and answers with what it understood as JSON, or with the exact parse error.
// It exists to prove the whole chain (library, WASI adapter, CGI, runner); it tracks nothing.

#include <nlohmann/json.hpp>
#include "edgepost/json_text.hpp"

#include "cgi.hpp"
#include "edgepost/form.hpp"

namespace {

using edgepost::Response;

Response json_response(int status, const nlohmann::json& body) {
  return Response{
      status, {{"content-type", "application/json"}}, edgepost::to_json_text(body) + "\n"};
}

nlohmann::json to_json(const edgepost::Form& form) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& field : form) fields.push_back({field.name, field.value});
  return fields;
}

Response echo(const edgepost::Request& request) {
  const auto query = edgepost::parse_form(request.query, edgepost::kQueryLimits);
  if (!query) {
    const bool too_long = query.error().code == edgepost::FormErrorCode::input_too_long;
    return json_response(too_long ? 414 : 400, {{"error", code_name(query.error().code)},
                                                {"message", describe(query.error())}});
  }
  nlohmann::json answer{
      {"method", request.method}, {"path", request.path}, {"query", to_json(*query)}};
  const std::string* type = request.header("content-type");
  if (type != nullptr && type->rfind("application/x-www-form-urlencoded", 0) == 0) {
    const auto body = edgepost::parse_form(request.body, edgepost::kFormBodyLimits);
    if (!body) {
      return json_response(400, {{"error", code_name(body.error().code)},
                                 {"message", "body " + describe(body.error())}});
    }
    answer["body"] = to_json(*body);
  }
  return json_response(200, answer);
}

}  // namespace

int main() {
  const auto request = edgepost::wasi::read_cgi_request(edgepost::kFormBodyLimits.max_bytes);
  edgepost::wasi::write_cgi_response(request ? echo(*request)
                                             : edgepost::wasi::error_response(request.error()));
  return 0;
}
