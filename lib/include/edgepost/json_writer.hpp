#pragma once
// One flat JSON object written straight into a string: for the records and events written on
// every click, where building an nlohmann document (a node and a string per member) and then
// dumping it cost more than the rest of the click's decision. Strings are escaped as
// to_json_text escapes them (json_text.hpp), invalid UTF-8 included.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgepost {

class JsonObjectWriter {
 public:
  // Room for a typical event from the start (a click's is 200 to 400 bytes): growing a string
  // from nothing reallocates it five times on the way there.
  JsonObjectWriter() {
    out_.reserve(512);
    out_.push_back('{');
  }

  // Names are the caller's constants: written as given, never escaped.
  JsonObjectWriter& member(std::string_view name, std::string_view value);
  JsonObjectWriter& member(std::string_view name, const char* value) {
    return member(name, std::string_view(value));
  }
  JsonObjectWriter& member(std::string_view name, std::int64_t value);
  JsonObjectWriter& member(std::string_view name, std::uint32_t value) {
    return member(name, std::int64_t{value});
  }
  JsonObjectWriter& member(std::string_view name, const std::vector<std::string>& values);

  std::string finish() &&;

 private:
  void name(std::string_view name);
  void string(std::string_view value);

  std::string out_;
};

}  // namespace edgepost
