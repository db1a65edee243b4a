#include "edgepost/macros.hpp"

#include <optional>

#include "edgepost/http.hpp"
#include "edgepost/percent.hpp"
#include "edgepost/url.hpp"

namespace edgepost {
namespace {

struct MacroName {
  std::string_view name;
  MacroSet set;  // the smallest set that has it
};

constexpr MacroName kMacros[] = {
    {"transaction_id", MacroSet::click}, {"offer_id", MacroSet::click},
    {"aff_id", MacroSet::click},         {"aff_sub", MacroSet::click},
    {"aff_sub2", MacroSet::click},       {"aff_sub3", MacroSet::click},
    {"aff_sub4", MacroSet::click},       {"aff_sub5", MacroSet::click},
    {"source", MacroSet::click},         {"aff_click_id", MacroSet::click},
    {"timestamp", MacroSet::click},      {"goal", MacroSet::conversion},
    {"payout", MacroSet::conversion},    {"currency", MacroSet::conversion},
    {"status", MacroSet::conversion},    {"conversion_id", MacroSet::conversion},
};

struct Alias {
  std::string_view alias;
  std::string_view canonical;
};

constexpr Alias kAliases[] = {{"affiliate_id", "aff_id"}, {"aff_sub1", "aff_sub"}};

// Stands in for every macro when the template is checked as a URL. Not a hex digit, so a
// template cannot hide half a "%XX" escape in front of a macro.
constexpr std::string_view kPlaceholder = "x";

// The known macro, of any set, that `written` names in any case or through an alias.
std::optional<MacroName> find_macro(std::string_view written) noexcept {
  for (const Alias& alias : kAliases) {
    if (equals_ignoring_ascii_case(written, alias.alias)) written = alias.canonical;
  }
  for (const MacroName& macro : kMacros) {
    if (equals_ignoring_ascii_case(macro.name, written)) return macro;
  }
  return std::nullopt;
}

bool set_contains(MacroSet set, MacroSet needed) noexcept {
  return set == MacroSet::conversion || needed == MacroSet::click;
}

// Where macros may start: after the first '/', '?' or '#' that follows the first "://".
// Checked on the raw template, before any value exists, so that no value can ever choose
// the scheme, host or port. Known macro names contain none of ":/?#", so braces of earlier
// known macros do not move this point. npos when the template has no such point.
std::size_t first_macro_position(std::string_view text) noexcept {
  const std::size_t separator = text.find("://");
  if (separator == std::string_view::npos) return std::string_view::npos;
  return text.find_first_of("/?#", separator + 3);
}

void append_literal(UrlTemplate& tmpl, std::string_view literal) {
  if (literal.empty()) return;
  if (!tmpl.pieces.empty() && !tmpl.pieces.back().is_macro) {
    tmpl.pieces.back().text += literal;
  } else {
    tmpl.pieces.push_back({false, std::string(literal)});
  }
}

std::string with_placeholders(const UrlTemplate& tmpl) {
  std::string url;
  for (const TemplatePiece& piece : tmpl.pieces) {
    url += piece.is_macro ? kPlaceholder : std::string_view(piece.text);
  }
  return url;
}

}  // namespace

Expected<UrlTemplate, TemplateError> parse_url_template(std::string_view text, MacroSet allowed) {
  const std::size_t macros_from = first_macro_position(text);
  UrlTemplate tmpl;
  std::size_t literal_start = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '}') return Unexpected{TemplateError{TemplateErrorCode::stray_brace, i, {}}};
    if (text[i] != '{') {
      ++i;
      continue;
    }
    // A second '{' before the '}' is nesting, which has no meaning: the first one is unclosed.
    const std::size_t close = text.find_first_of("{}", i + 1);
    if (close == std::string_view::npos || text[close] == '{') {
      return Unexpected{TemplateError{TemplateErrorCode::unclosed_brace, i, {}}};
    }
    const std::string_view written = text.substr(i + 1, close - i - 1);
    if (written.empty()) {
      return Unexpected{TemplateError{TemplateErrorCode::empty_macro, i, {}}};
    }
    const std::optional<MacroName> macro = find_macro(written);
    if (!macro || !set_contains(allowed, macro->set)) {
      return Unexpected{TemplateError{TemplateErrorCode::unknown_macro, i, std::string(written)}};
    }
    if (macros_from == std::string_view::npos || i < macros_from) {
      return Unexpected{TemplateError{TemplateErrorCode::macro_in_host, i, std::string(written)}};
    }
    append_literal(tmpl, text.substr(literal_start, i - literal_start));
    tmpl.pieces.push_back({true, std::string(macro->name)});
    i = close + 1;
    literal_start = i;
  }
  append_literal(tmpl, text.substr(literal_start));

  const auto url = parse_http_url(with_placeholders(tmpl));
  if (!url) {
    return Unexpected{TemplateError{TemplateErrorCode::invalid_url, 0,
                                    std::string(url_error_message(url.error()))}};
  }
  return tmpl;
}

std::string describe(const TemplateError& error) {
  const std::string at = " at byte " + std::to_string(error.offset);
  const std::string macro = "{" + error.detail + "}";
  switch (error.code) {
    case TemplateErrorCode::unknown_macro: {
      // Only a conversion macro in an offer URL gets here with a known name.
      const std::optional<MacroName> known = find_macro(error.detail);
      if (known && known->set == MacroSet::conversion)
        return "macro " + macro + at + " is only available in partner postbacks";
      return "unknown macro " + macro + at;
    }
    case TemplateErrorCode::unclosed_brace: return "'{' without a closing '}'" + at;
    case TemplateErrorCode::stray_brace: return "'}' without an opening '{'" + at;
    case TemplateErrorCode::macro_in_host:
      return "macro " + macro + at + " is in the scheme, host or port; macros may only follow " +
             "the host";
    case TemplateErrorCode::invalid_url: return "not a valid URL: " + error.detail;
    case TemplateErrorCode::empty_macro: return "empty macro {}" + at;
  }
  return "invalid URL template";
}

bool is_known_macro(std::string_view name, MacroSet set) noexcept {
  const std::optional<MacroName> macro = find_macro(name);
  return macro.has_value() && set_contains(set, macro->set);
}

namespace {

const std::string* value_of(const MacroValues& values, const std::string& name) {
  for (const auto& [macro, value] : values) {
    if (macro == name) return &value;
  }
  return nullptr;
}

}  // namespace

std::string render(const UrlTemplate& tmpl, const MacroValues& values) {
  std::string url;
  for (const TemplatePiece& piece : tmpl.pieces) {
    if (!piece.is_macro) {
      url += piece.text;
    } else if (const std::string* value = value_of(values, piece.text)) {
      url += percent_encode(*value);
    }
  }
  return url;
}

std::string render_masked(const UrlTemplate& tmpl, const MacroValues& values) {
  std::string url;
  enum class Part { before_query, query_name, query_value, fragment } part = Part::before_query;
  bool masked = false;  // "***" already stands for the current value's literal text
  for (const TemplatePiece& piece : tmpl.pieces) {
    if (piece.is_macro) {
      if (const std::string* value = value_of(values, piece.text)) url += percent_encode(*value);
      masked = false;
      continue;
    }
    for (const char c : piece.text) {
      if (part == Part::query_value && c != '&' && c != '#') {
        if (!masked) url += "***";
        masked = true;
        continue;
      }
      url += c;
      if (c == '#')
        part = Part::fragment;
      else if (c == '?' && part == Part::before_query)
        part = Part::query_name;
      else if (c == '=' && part == Part::query_name)
        part = Part::query_value;
      else if (c == '&' && part != Part::before_query && part != Part::fragment)
        part = Part::query_name;
      masked = false;
    }
  }
  return url;
}

}  // namespace edgepost
