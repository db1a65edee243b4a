#include "edgepost/json_writer.hpp"

#include <charconv>

#include "edgepost/json_text.hpp"
#include "edgepost/utf8.hpp"

namespace edgepost {

JsonObjectWriter& JsonObjectWriter::member(std::string_view name, std::string_view value) {
  this->name(name);
  string(value);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::member(std::string_view name, std::int64_t value) {
  this->name(name);
  char digits[24];
  out_.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::member(std::string_view name,
                                           const std::vector<std::string>& values) {
  this->name(name);
  out_.push_back('[');
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out_.push_back(',');
    string(values[i]);
  }
  out_.push_back(']');
  return *this;
}

std::string JsonObjectWriter::finish() && {
  out_.push_back('}');
  return std::move(out_);
}

void JsonObjectWriter::name(std::string_view name) {
  if (out_.size() > 1) out_.push_back(',');
  out_.push_back('"');
  out_.append(name);
  out_.append("\":");
}

void JsonObjectWriter::string(std::string_view value) {
  // Malformed UTF-8 is rare (the library refuses it in parameters): the general writer
  // replaces it exactly as every other JSON the library writes.
  if (!is_valid_utf8(value)) {
    out_.append(to_json_text(nlohmann::json(value)));
    return;
  }
  out_.push_back('"');
  std::size_t plain = 0;  // start of the run of bytes that need no escape
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto byte = static_cast<unsigned char>(value[i]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    out_.append(value.substr(plain, i - plain));
    plain = i + 1;
    switch (byte) {
      case '"': out_.append("\\\""); break;
      case '\\': out_.append("\\\\"); break;
      case '\b': out_.append("\\b"); break;
      case '\f': out_.append("\\f"); break;
      case '\n': out_.append("\\n"); break;
      case '\r': out_.append("\\r"); break;
      case '\t': out_.append("\\t"); break;
      default: {
        constexpr char kHex[] = "0123456789abcdef";
        out_.append("\\u00");
        out_.push_back(kHex[byte >> 4]);
        out_.push_back(kHex[byte & 0xF]);
      }
    }
  }
  out_.append(value.substr(plain));
  out_.push_back('"');
}

}  // namespace edgepost
