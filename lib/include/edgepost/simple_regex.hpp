#pragma once
// A small backtracking regex matcher for the subset of regex syntax the known-bot list uses
// (bot_user_agent.hpp), so the library needs neither std::regex (slow, and large in wasm) nor
// a regex engine dependency. Its input is attacker-controlled, so its work is bounded by a
// step budget rather than by the shape of the pattern.
//
// The subset, the same one lib/bot-list/generate.mjs accepts when it compiles the list:
//   alternation   a|b, also inside groups
//   groups        (...) without modifiers and without a quantifier
//   anchors       ^ $
//   atoms         a plain character; \ followed by punctuation (the character itself);
//                 \d \D \s \S \w \W; a class [...] or [^...] of characters, escapes and
//                 ranges (a-z); . (any byte but \n and \r)
//   quantifiers   * + ? after an atom, greedy
// Anything else ({n,m}, lazy quantifiers, backreferences, lookarounds, \b, unbalanced
// brackets, non-ASCII in the pattern) is "unsupported", never guessed at.
//
// Matching is case-sensitive and on bytes: \s is space, \t, \n, \v, \f, \r only, and an atom
// matches one byte where JavaScript would match one UTF-16 unit; for the list's patterns,
// which are ASCII and use no counted repetition, the outcome is the same.

#include <cstddef>
#include <string_view>

namespace edgepost {

enum class RegexSearch {
  match,
  no_match,
  // More than the step budget was needed: the caller gets no answer, and should treat the
  // pattern as not matching (bot_user_agent.cpp does).
  budget_exhausted,
  unsupported,  // the pattern is outside the subset above
};

// One step is one test of a pattern atom or anchor against one position of the text, or one
// start position tried. Typical patterns on typical user agents take tens to a few thousand.
inline constexpr std::size_t kDefaultRegexStepBudget = 16 * 1024;

// Whether `pattern` matches anywhere in `text` (JavaScript's RegExp.prototype.test).
RegexSearch regex_search(std::string_view pattern, std::string_view text,
                         std::size_t step_budget = kDefaultRegexStepBudget) noexcept;

// Whether `pattern` is inside the subset; regex_search answers `unsupported` otherwise.
bool regex_supported(std::string_view pattern) noexcept;

}  // namespace edgepost
