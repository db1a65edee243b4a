#pragma once
// Query strings and application/x-www-form-urlencoded bodies: one grammar, two size limits.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgepost/expected.hpp"

namespace edgepost {

struct FormField {
  std::string name;
  std::string value;

  friend bool operator==(const FormField&, const FormField&) = default;
};

// Fields in the order they were sent. Repeated names are kept: whether a repeat is an
// error is for the caller, who knows which fields matter.
using Form = std::vector<FormField>;

struct FormLimits {
  std::size_t max_bytes;  // the whole encoded input
  std::size_t max_fields;
  std::size_t max_name_bytes;   // decoded
  std::size_t max_value_bytes;  // decoded
};

inline constexpr FormLimits kQueryLimits{8 * 1024, 64, 64, 500};
inline constexpr FormLimits kFormBodyLimits{64 * 1024, 64, 64, 500};

enum class FormErrorCode {
  input_too_long,
  too_many_fields,
  empty_name,
  name_too_long,
  value_too_long,
  bad_percent_encoding,
  invalid_utf8,
  control_character,  // NUL and the other C0 controls but tab, and DEL
};

struct FormError {
  FormErrorCode code;
  std::string field;   // decoded name of the field concerned, empty when unknown
  std::size_t offset;  // byte offset into the encoded input where the problem starts
};

Expected<Form, FormError> parse_form(std::string_view encoded, const FormLimits& limits);

// The checks parse_form applies to each decoded field, for fields that arrive another way
// (a JSON body). The error's offset is 0: there is no encoded input to point into.
std::optional<FormError> check_field(const FormField& field, const FormLimits& limits);

// A sentence for the person who sent the request, e.g.
// "parameter 'aff_sub': malformed percent-encoding at byte 17".
std::string describe(const FormError& error);

// Short stable identifier of an error code, e.g. "value_too_long".
std::string_view code_name(FormErrorCode code) noexcept;

// The value of the first field called `name`, or nullptr.
const std::string* find_field(const Form& form, std::string_view name) noexcept;

}  // namespace edgepost
