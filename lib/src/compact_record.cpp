#include "compact_record.hpp"

#include <charconv>
#include <limits>

namespace edgepost::compact {

void Writer::integer(std::int64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out_.append(digits, end);
  out_.push_back(';');
}

void Writer::text(std::string_view value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value.size()).ptr;
  out_.append(digits, end);
  out_.push_back(':');
  out_.append(value);
}

Reader::Reader(std::string_view record, std::string_view magic) : record_(record) {
  if (record.substr(0, magic.size()) != magic) {
    fail("header", "not a record of this kind and version");
    return;
  }
  at_ = magic.size();
}

namespace {

// Digits up to `terminator`, as from_chars reads them; nullopt when malformed.
bool read_decimal(std::string_view rest, char terminator, std::int64_t& value, std::size_t& used) {
  const char* first = rest.data();
  const char* last = rest.data() + rest.size();
  if (first != last && *first == '+') return false;  // from_chars takes no '+', be explicit
  const auto [end, error] = std::from_chars(first, last, value);
  if (error != std::errc{} || end == last || *end != terminator) return false;
  used = static_cast<std::size_t>(end - first) + 1;
  return true;
}

}  // namespace

bool Reader::integer(const char* field, std::int64_t min, std::int64_t max, std::int64_t& out) {
  if (!ok()) return false;
  std::int64_t value = 0;
  std::size_t used = 0;
  if (!read_decimal(record_.substr(at_), ';', value, used)) {
    return fail(field, "expected an integer and ';'");
  }
  if (value < min || value > max) return fail(field, "out of range");
  at_ += used;
  out = value;
  return true;
}

bool Reader::text(const char* field, std::string& out) {
  if (!ok()) return false;
  std::int64_t length = 0;
  std::size_t used = 0;
  if (!read_decimal(record_.substr(at_), ':', length, used) || length < 0) {
    return fail(field, "expected a length and ':'");
  }
  if (static_cast<std::uint64_t>(length) > record_.size() - at_ - used) {
    return fail(field, "longer than the record");
  }
  out.assign(record_.substr(at_ + used, static_cast<std::size_t>(length)));
  at_ += used + static_cast<std::size_t>(length);
  return true;
}

bool Reader::flag(const char* field, bool& out) {
  std::int64_t value = 0;
  if (!integer(field, 0, 1, value)) return false;
  out = value == 1;
  return true;
}

bool Reader::count(const char* field, std::size_t& out) {
  std::int64_t value = 0;
  // Every item takes at least two bytes ("0;"), so more items than bytes left is corruption.
  if (!integer(field, 0, static_cast<std::int64_t>(record_.size() - at_), value)) return false;
  out = static_cast<std::size_t>(value);
  return true;
}

bool Reader::finish() {
  if (ok() && at_ != record_.size()) return fail("end", "bytes after the last field");
  return ok();
}

std::string Reader::error() const {
  if (ok()) return {};
  return std::string(failed_field_) + " at byte " + std::to_string(at_) + ": " + reason_;
}

bool Reader::fail(const char* field, const char* reason) {
  if (ok()) {
    failed_field_ = field;
    reason_ = reason;
  }
  return false;
}

}  // namespace edgepost::compact
