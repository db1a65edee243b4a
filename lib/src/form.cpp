#include "edgepost/form.hpp"

#include <algorithm>

#include "edgepost/percent.hpp"
#include "edgepost/utf8.hpp"

namespace edgepost {
namespace {

bool is_forbidden_control(unsigned char c) noexcept {
  return (c < 0x20 && c != '\t') || c == 0x7F;
}

// Printable ASCII (0x20 to 0x7E) only: what nearly every parameter is. One comparison per
// byte and no early exit, so that the compiler can vectorise it.
bool is_printable_ascii(std::string_view text) noexcept {
  bool outside = false;
  for (const char c : text) outside |= static_cast<unsigned char>(c - 0x20) >= 0x5F;
  return !outside;
}

// Checks one decoded name or value is text a tracker can pass on safely. The UTF-8 check runs
// only when a byte is not ASCII (most parameters are).
std::optional<FormErrorCode> check_text(std::string_view text) {
  if (is_printable_ascii(text)) return std::nullopt;
  bool ascii = true;
  bool control = false;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    ascii = ascii && byte < 0x80;
    control = control || is_forbidden_control(byte);
  }
  if (!ascii && !is_valid_utf8(text)) return FormErrorCode::invalid_utf8;
  if (control) return FormErrorCode::control_character;
  return std::nullopt;
}

std::optional<FormError> check_name(std::string_view name, const FormLimits& limits) {
  if (name.empty()) return FormError{FormErrorCode::empty_name, {}, 0};
  if (auto problem = check_text(name)) return FormError{*problem, {}, 0};
  if (name.size() > limits.max_name_bytes) {
    // The name is too long to quote back in full; cut it where a character starts.
    std::size_t cut = limits.max_name_bytes;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
    return FormError{FormErrorCode::name_too_long, std::string(name.substr(0, cut)), 0};
  }
  return std::nullopt;
}

std::optional<FormError> check_value(std::string_view name, std::string_view value,
                                     const FormLimits& limits) {
  if (auto problem = check_text(value)) return FormError{*problem, std::string(name), 0};
  if (value.size() > limits.max_value_bytes) {
    return FormError{FormErrorCode::value_too_long, std::string(name), 0};
  }
  return std::nullopt;
}

std::optional<FormError> decode_part(std::string_view part, std::size_t start,
                                     std::string_view field_name, std::string& out) {
  if (auto error = percent_decode_into(part, PlusSign::space, out)) {
    return FormError{FormErrorCode::bad_percent_encoding, std::string(field_name),
                     start + error->offset};
  }
  return std::nullopt;
}

// Decodes straight into the field's strings: a temporary per part and the moves after it
// were a third of the parse.
std::optional<FormError> parse_field(std::string_view segment, std::size_t start,
                                     const FormLimits& limits, FormField& field) {
  const std::size_t equals = segment.find('=');
  const std::string_view raw_name = segment.substr(0, equals);
  const std::string_view raw_value =
      equals == std::string_view::npos ? std::string_view{} : segment.substr(equals + 1);

  if (auto error = decode_part(raw_name, start, {}, field.name)) return error;
  // The name is checked before it can appear in an error about its value.
  if (auto error = check_name(field.name, limits)) {
    error->offset = start;
    return error;
  }
  const std::size_t value_start = start + raw_name.size() + 1;
  if (auto error = decode_part(raw_value, value_start, field.name, field.value)) return error;
  if (auto error = check_value(field.name, field.value, limits)) {
    error->offset = error->code == FormErrorCode::value_too_long ? value_start : start;
    return error;
  }
  return std::nullopt;
}

}  // namespace

std::optional<FormError> check_field(const FormField& field, const FormLimits& limits) {
  if (auto error = check_name(field.name, limits)) return error;
  return check_value(field.name, field.value, limits);
}

Expected<Form, FormError> parse_form(std::string_view encoded, const FormLimits& limits) {
  if (encoded.size() > limits.max_bytes) {
    return Unexpected{FormError{FormErrorCode::input_too_long, {}, limits.max_bytes}};
  }
  Form form;
  // One allocation for the list: a field for each '&'-separated segment, up to the limit.
  form.reserve(std::min(limits.max_fields, 1 + static_cast<std::size_t>(std::count(
                                                   encoded.begin(), encoded.end(), '&'))));
  std::size_t start = 0;
  while (start <= encoded.size()) {
    std::size_t end = encoded.find('&', start);
    if (end == std::string_view::npos) end = encoded.size();
    const std::string_view segment = encoded.substr(start, end - start);
    if (!segment.empty()) {  // "a=1&&b=2" and a trailing '&' are harmless
      if (form.size() == limits.max_fields) {
        return Unexpected{FormError{FormErrorCode::too_many_fields, {}, start}};
      }
      if (auto error = parse_field(segment, start, limits, form.emplace_back())) {
        return Unexpected{std::move(*error)};
      }
    }
    start = end + 1;
  }
  return form;
}

std::string_view code_name(FormErrorCode code) noexcept {
  switch (code) {
    case FormErrorCode::input_too_long: return "input_too_long";
    case FormErrorCode::too_many_fields: return "too_many_fields";
    case FormErrorCode::empty_name: return "empty_name";
    case FormErrorCode::name_too_long: return "name_too_long";
    case FormErrorCode::value_too_long: return "value_too_long";
    case FormErrorCode::bad_percent_encoding: return "bad_percent_encoding";
    case FormErrorCode::invalid_utf8: return "invalid_utf8";
    case FormErrorCode::control_character: return "control_character";
  }
  return "unknown";
}

std::string describe(const FormError& error) {
  std::string problem;
  switch (error.code) {
    case FormErrorCode::input_too_long:
      problem = "input longer than the limit of " + std::to_string(error.offset) + " bytes";
      break;
    case FormErrorCode::too_many_fields: problem = "too many parameters"; break;
    case FormErrorCode::empty_name: problem = "parameter without a name"; break;
    case FormErrorCode::name_too_long: problem = "parameter name too long"; break;
    case FormErrorCode::value_too_long: problem = "value longer than the limit"; break;
    case FormErrorCode::bad_percent_encoding: problem = "malformed percent-encoding"; break;
    case FormErrorCode::invalid_utf8: problem = "not valid UTF-8"; break;
    case FormErrorCode::control_character: problem = "contains a control character"; break;
  }
  if (error.code != FormErrorCode::input_too_long) {
    problem += " at byte " + std::to_string(error.offset);
  }
  if (error.field.empty()) return problem;
  return "parameter '" + error.field + "': " + problem;
}

const std::string* find_field(const Form& form, std::string_view name) noexcept {
  for (const FormField& field : form) {
    if (field.name == name) return &field.value;
  }
  return nullptr;
}

}  // namespace edgepost
