#pragma once
// The stored form of config records (config_records.hpp): text, so that it passes unchanged
// through KV values, data files and the JSON of the exchange wire; fields one after another in
// a fixed order, each delimiting itself:
//   integer  decimal digits, '-' first when negative, then ';'     "300;"
//   text     its length in bytes, ':', then the bytes              "5:hello"
// A list is its count (an integer) then its items; an optional is a flag then the value.
// Reading checks what keeps the reader and its users safe (bounds, counts, enum and number
// ranges) and nothing else: what the values mean was checked once, when the config was loaded.
// Private to lib/src.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace edgepost::compact {

class Writer {
 public:
  explicit Writer(std::string_view magic) : out_(magic) {}

  void integer(std::int64_t value);
  void text(std::string_view value);
  void flag(bool value) { integer(value ? 1 : 0); }
  template <class Enum>
  void choice(Enum value) {
    integer(static_cast<std::int64_t>(value));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  // Fails at once unless `record` starts with `magic` (the kind of record and the format's
  // version).
  Reader(std::string_view record, std::string_view magic);

  // Each read names its field for the error; after the first failure every read fails.
  bool integer(const char* field, std::int64_t min, std::int64_t max, std::int64_t& out);
  bool text(const char* field, std::string& out);
  bool flag(const char* field, bool& out);
  // A list's length: never more than the bytes left, so a corrupt count cannot make a reader
  // reserve or loop beyond the record.
  bool count(const char* field, std::size_t& out);
  // An enum stored as its index, 0..last.
  template <class Enum>
  bool choice(const char* field, Enum last, Enum& out) {
    std::int64_t value = 0;
    if (!integer(field, 0, static_cast<std::int64_t>(last), value)) return false;
    out = static_cast<Enum>(value);
    return true;
  }
  template <class Number>
  bool number(const char* field, Number& out) {
    std::int64_t value = 0;
    if (!integer(field, 0, static_cast<std::int64_t>(std::numeric_limits<Number>::max()), value))
      return false;
    out = static_cast<Number>(value);
    return true;
  }
  // True when the whole record was read; else it fails: bytes left over are corruption too.
  bool finish();

  // Refuses what the format allows but the record may not hold (an empty template piece).
  bool refuse(const char* field, const char* reason) { return fail(field, reason); }

  bool ok() const noexcept { return failed_field_ == nullptr; }
  // "<field> at byte N: <reason>", once a read failed.
  std::string error() const;

 private:
  bool fail(const char* field, const char* reason);

  std::string_view record_;
  std::size_t at_ = 0;
  const char* failed_field_ = nullptr;
  const char* reason_ = nullptr;
};

}  // namespace edgepost::compact
