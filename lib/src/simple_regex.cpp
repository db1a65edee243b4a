#include "edgepost/simple_regex.hpp"

#include <cstring>

namespace edgepost {
namespace {

constexpr std::size_t kNone = std::string_view::npos;

bool is_printable(char c) noexcept {
  return c >= 0x20 && c <= 0x7e;
}

bool is_punctuation(char c) noexcept {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

bool is_class_escape(char c) noexcept {
  return c == 'd' || c == 'D' || c == 's' || c == 'S' || c == 'w' || c == 'W';
}

// A character that stands for itself outside a class.
bool is_plain(char c) noexcept {
  return is_printable(c) && std::strchr("\\^$.|?*+()[]{}", c) == nullptr;
}

bool class_escape_matches(char escape, unsigned char byte) noexcept {
  const bool digit = byte >= '0' && byte <= '9';
  switch (escape) {
    case 'd': return digit;
    case 'D': return !digit;
    case 's':
    case 'S': {
      const bool space = byte == ' ' || (byte >= '\t' && byte <= '\r');
      return space == (escape == 's');
    }
    default: {
      const bool word =
          digit || byte == '_' || (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z');
      return word == (escape == 'w');
    }
  }
}

// Just past the ']' of the class that starts at `open`; kNone if it is malformed.
std::size_t class_end(std::string_view pattern, std::size_t open) noexcept {
  std::size_t p = open + 1;
  if (p < pattern.size() && pattern[p] == '^') ++p;
  int members = 0;
  while (p < pattern.size() && pattern[p] != ']') {
    const char c = pattern[p];
    if (c == '\\') {
      if (p + 1 >= pattern.size()) return kNone;
      const char escape = pattern[p + 1];
      if (!is_class_escape(escape) && !is_punctuation(escape)) return kNone;
      p += 2;
    } else {
      if (c == '[' || !is_printable(c)) return kNone;
      ++p;
      if (p + 1 < pattern.size() && pattern[p] == '-' && pattern[p + 1] != ']') {
        const char to = pattern[p + 1];
        if (to == '\\' || to == '[' || !is_printable(to) || to < c) return kNone;
        p += 2;
      }
    }
    ++members;
  }
  if (p >= pattern.size() || members == 0) return kNone;
  return p + 1;
}

// Only for classes that class_end accepted.
bool class_matches(std::string_view pattern, std::size_t open, unsigned char byte) noexcept {
  std::size_t p = open + 1;
  const bool negated = pattern[p] == '^';
  if (negated) ++p;
  bool matched = false;
  while (pattern[p] != ']') {
    const char c = pattern[p];
    if (c == '\\') {
      const char escape = pattern[p + 1];
      matched |= is_class_escape(escape) ? class_escape_matches(escape, byte)
                                         : byte == static_cast<unsigned char>(escape);
      p += 2;
      continue;
    }
    ++p;
    if (pattern[p] == '-' && pattern[p + 1] != ']') {
      matched |= byte >= static_cast<unsigned char>(c) &&
                 byte <= static_cast<unsigned char>(pattern[p + 1]);
      p += 2;
    } else {
      matched |= byte == static_cast<unsigned char>(c);
    }
  }
  return matched != negated;
}

// Where the atom (character, escape, class or '.') at `p` ends, before any quantifier.
std::size_t atom_end(std::string_view pattern, std::size_t p) noexcept {
  if (pattern[p] == '[') return class_end(pattern, p);
  return pattern[p] == '\\' ? p + 2 : p + 1;
}

bool atom_matches(std::string_view pattern, std::size_t p, unsigned char byte) noexcept {
  const char c = pattern[p];
  if (c == '[') return class_matches(pattern, p, byte);
  if (c == '.') return byte != '\n' && byte != '\r';
  if (c == '\\') {
    const char escape = pattern[p + 1];
    if (is_class_escape(escape)) return class_escape_matches(escape, byte);
    return byte == static_cast<unsigned char>(escape);
  }
  return byte == static_cast<unsigned char>(c);
}

bool is_quantifier(char c) noexcept {
  return c == '*' || c == '+' || c == '?';
}

// The byte every match must have at `p`: a plain or escaped character that is not optional
// ('?' or '*' after it). -1 when there is none.
int required_byte(std::string_view pattern, std::size_t p) noexcept {
  if (p >= pattern.size()) return -1;
  char c = pattern[p];
  std::size_t end = p + 1;
  if (c == '\\') {
    c = pattern[p + 1];
    if (is_class_escape(c)) return -1;
    end = p + 2;
  } else if (!is_plain(c)) {
    return -1;
  }
  if (end < pattern.size() && (pattern[end] == '*' || pattern[end] == '?')) return -1;
  return static_cast<unsigned char>(c);
}

// From `p`, the first '|' or ')' of the same nesting level, or the end of the pattern.
std::size_t alternative_end(std::string_view pattern, std::size_t p) noexcept {
  int depth = 0;
  while (p < pattern.size()) {
    const char c = pattern[p];
    if (c == '\\') {
      p += 2;
      continue;
    }
    if (c == '[') {
      p = class_end(pattern, p);
      continue;
    }
    if ((c == '|' || c == ')') && depth == 0) return p;
    if (c == '(') ++depth;
    if (c == ')') --depth;
    ++p;
  }
  return p;
}

// Where to go on once the current group has matched; a chain up to the top level (nullptr).
struct Continuation {
  std::size_t resume;
  const Continuation* parent;
};

class Search {
 public:
  Search(std::string_view pattern, std::string_view text, std::size_t budget) noexcept
      : pattern_(pattern), text_(text), steps_left_(budget) {}

  bool exhausted() const noexcept { return exhausted_; }

  // Whether the pattern from `p` (within the groups `next` describes) matches text from `t`.
  // Recursion happens only at groups and quantifiers, so its depth is bounded by the pattern,
  // never by the text.
  bool match(std::size_t p, std::size_t t, const Continuation* next) noexcept {
    for (;;) {
      if (!spend()) return false;
      if (p == pattern_.size() || pattern_[p] == '|' || pattern_[p] == ')') {
        if (next == nullptr) return true;
        p = next->resume;
        next = next->parent;
        continue;
      }
      const char c = pattern_[p];
      if (c == '(') return match_group(p, t, next);
      if (c == '^' || c == '$') {
        if (t != (c == '^' ? 0 : text_.size())) return false;
        ++p;
        continue;
      }
      const std::size_t end = atom_end(pattern_, p);
      const char quantifier = end < pattern_.size() ? pattern_[end] : '\0';
      if (!is_quantifier(quantifier)) {
        if (t == text_.size() || !atom_matches(pattern_, p, text_[t])) return false;
        ++t;
        p = end;
        continue;
      }
      return match_repeated(p, end + 1, quantifier, t, next);
    }
  }

 private:
  bool spend() noexcept {
    if (steps_left_ == 0) {
      exhausted_ = true;
      return false;
    }
    --steps_left_;
    return true;
  }

  bool match_group(std::size_t open, std::size_t t, const Continuation* next) noexcept {
    std::size_t alternative = open + 1;
    std::size_t close = alternative_end(pattern_, alternative);
    while (pattern_[close] == '|') close = alternative_end(pattern_, close + 1);
    const Continuation after_group{close + 1, next};
    for (;;) {
      if (match(alternative, t, &after_group)) return true;
      if (exhausted_) return false;
      const std::size_t end = alternative_end(pattern_, alternative);
      if (pattern_[end] == ')') return false;
      alternative = end + 1;
    }
  }

  // Greedy: the longest run first. When a required byte follows, only the run lengths it can
  // follow are tried, so `[\s\S]*literal` is a scan, not one attempt per length.
  bool match_repeated(std::size_t atom, std::size_t after, char quantifier, std::size_t t,
                      const Continuation* next) noexcept {
    const std::size_t rest = text_.size() - t;
    const std::size_t limit = quantifier == '?' && rest > 0 ? 1 : rest;
    std::size_t longest = 0;
    while (longest < limit && atom_matches(pattern_, atom, text_[t + longest])) {
      if (!spend()) return false;
      ++longest;
    }
    const std::size_t shortest = quantifier == '+' ? 1 : 0;
    if (longest < shortest) return false;
    const int wanted = required_byte(pattern_, after);
    for (std::size_t length = longest + 1; length-- > shortest;) {
      const std::size_t at = t + length;
      const bool possible =
          wanted < 0 || (at < text_.size() && static_cast<unsigned char>(text_[at]) == wanted);
      if (possible) {
        if (match(after, at, next)) return true;
        if (exhausted_) return false;
      } else if (!spend()) {
        return false;
      }
    }
    return false;
  }

  std::string_view pattern_;
  std::string_view text_;
  std::size_t steps_left_;
  bool exhausted_ = false;
};

}  // namespace

bool regex_supported(std::string_view pattern) noexcept {
  int depth = 0;
  bool quantifiable = false;  // whether the previous item is a single-character atom
  std::size_t p = 0;
  while (p < pattern.size()) {
    const char c = pattern[p];
    if (!is_printable(c)) return false;
    const bool was_quantifiable = quantifiable;
    quantifiable = false;
    switch (c) {
      case '(':
        if (p + 1 < pattern.size() && pattern[p + 1] == '?') return false;
        ++depth;
        ++p;
        break;
      case ')':
        if (depth == 0) return false;
        --depth;
        ++p;
        break;
      case '|':
      case '^':
      case '$': ++p; break;
      case '*':
      case '+':
      case '?':
        if (!was_quantifiable) return false;
        ++p;
        if (p < pattern.size() && (is_quantifier(pattern[p]) || pattern[p] == '{')) return false;
        break;
      case '{':
      case '}':
      case ']': return false;
      case '[':
        p = class_end(pattern, p);
        if (p == kNone) return false;
        quantifiable = true;
        break;
      case '\\':
        if (p + 1 >= pattern.size()) return false;
        if (!is_class_escape(pattern[p + 1]) && !is_punctuation(pattern[p + 1])) return false;
        p += 2;
        quantifiable = true;
        break;
      default:
        ++p;
        quantifiable = true;
        break;
    }
  }
  return depth == 0;
}

RegexSearch regex_search(std::string_view pattern, std::string_view text,
                         std::size_t step_budget) noexcept {
  if (!regex_supported(pattern)) return RegexSearch::unsupported;
  const bool alternatives = alternative_end(pattern, 0) != pattern.size();
  const bool anchored = !alternatives && !pattern.empty() && pattern.front() == '^';
  const int first = alternatives ? -1 : required_byte(pattern, 0);
  Search search(pattern, text, step_budget);
  for (std::size_t start = 0; start <= text.size(); ++start) {
    if (first >= 0) {
      if (start == text.size()) break;
      const void* found = std::memchr(text.data() + start, first, text.size() - start);
      if (found == nullptr) break;
      start = static_cast<std::size_t>(static_cast<const char*>(found) - text.data());
    }
    // Each top-level alternative in turn; reaching the '|' after one is a match.
    for (std::size_t alternative = 0;;) {
      if (search.match(alternative, start, nullptr)) return RegexSearch::match;
      if (search.exhausted()) return RegexSearch::budget_exhausted;
      alternative = alternative_end(pattern, alternative);
      if (alternative == pattern.size()) break;
      ++alternative;
    }
    if (anchored) break;
  }
  return RegexSearch::no_match;
}

}  // namespace edgepost
