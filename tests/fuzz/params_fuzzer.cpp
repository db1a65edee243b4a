// Query strings, form bodies and JSON bodies through read_params, as both endpoints read them.
// Input: METHOD \n CONTENT-TYPE \n QUERY \n BODY (the body is the rest, any bytes).
#include <cstddef>
#include <cstdint>
#include <string>

#include "edgepost/form.hpp"
#include "edgepost/params.hpp"
#include "fuzz_input.hpp"

namespace {

void check_params(const edgepost::Request& request, edgepost::Endpoint endpoint) {
  const auto params = edgepost::read_params(request, endpoint);
  if (!params) {
    fuzz::require(edgepost::http_status(params.error().code) >= 400);
    return;
  }
  // Canonical names are unique: a repeat either agreed (and was dropped) or was refused.
  for (std::size_t i = 0; i < params->fields.size(); ++i) {
    const std::string& name = params->fields[i].name;
    fuzz::require(edgepost::canonical_param_name(name, endpoint) == name);
    for (std::size_t j = i + 1; j < params->fields.size(); ++j) {
      fuzz::require(params->fields[j].name != name);
    }
    fuzz::require(params->get(name) == &params->fields[i].value);
  }
  for (const edgepost::FormField& field : params->received) {
    const std::string* value = params->get(edgepost::canonical_param_name(field.name, endpoint));
    fuzz::require(value != nullptr && *value == field.value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input input(data, size);
  edgepost::Request request;
  request.method = std::string(input.line());
  const std::string_view content_type = input.line();
  if (!content_type.empty()) request.headers.push_back({"content-type", std::string(content_type)});
  request.query = std::string(input.line());
  request.body = std::string(input.rest());
  check_params(request, edgepost::Endpoint::click);
  check_params(request, edgepost::Endpoint::postback);

  // The form grammar on its own, on the whole input, under both limits.
  const std::string_view whole(reinterpret_cast<const char*>(data), size);
  for (const edgepost::FormLimits& limits : {edgepost::kQueryLimits, edgepost::kFormBodyLimits}) {
    const auto form = edgepost::parse_form(whole, limits);
    if (form) fuzz::require(form->size() <= limits.max_fields);
  }
  return 0;
}
