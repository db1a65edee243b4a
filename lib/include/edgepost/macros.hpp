#pragma once
// "{name}" macros in offer URL templates and affiliates' partner postback templates.
// A template is parsed and checked once, when config is loaded; rendering then cannot fail
// and cannot move the URL to another scheme, host or port, whatever the values are.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgepost/expected.hpp"

namespace edgepost {

enum class MacroSet {
  click,       // offer URLs: transaction_id, offer_id, aff_id, aff_sub..aff_sub5, source,
               // aff_click_id, timestamp
  conversion,  // partner postbacks: the click macros + goal, payout, currency, status,
               // conversion_id
};

struct TemplatePiece {
  bool is_macro;
  std::string text;  // literal text as written, or the canonical macro name

  friend bool operator==(const TemplatePiece&, const TemplatePiece&) = default;
};

struct UrlTemplate {
  std::vector<TemplatePiece> pieces;  // adjacent literal text is one piece; none is empty
};

enum class TemplateErrorCode {
  unknown_macro,   // not a macro name, or a conversion macro in an offer URL
  unclosed_brace,  // '{' without '}' before the end or before the next '{'
  stray_brace,     // '}' without '{'
  macro_in_host,   // a macro before the end of the authority (scheme, host, port)
  invalid_url,     // not a valid URL once macros are replaced by a plain value
  empty_macro,     // "{}"
};

struct TemplateError {
  TemplateErrorCode code;
  std::size_t offset;  // byte offset in the template of the '{' or '}' concerned; 0 for invalid_url
  std::string detail;  // the macro name as written, or for invalid_url the URL problem
};

// Names are case-insensitive and aliases are accepted ("{AFFILIATE_ID}" is aff_id, "{aff_sub1}"
// is aff_sub); pieces hold canonical names. An unknown macro is an error here, never sent
// literally.
Expected<UrlTemplate, TemplateError> parse_url_template(std::string_view text, MacroSet allowed);

// A sentence for config errors, e.g. "unknown macro {aff_sub6} at byte 31".
std::string describe(const TemplateError& error);

// Whether `name` (any case, alias or canonical) may be used in a template of that set.
bool is_known_macro(std::string_view name, MacroSet set) noexcept;

// Values by canonical name; the first pair of a name wins. A name without a value renders as
// empty.
using MacroValues = std::vector<std::pair<std::string, std::string>>;

// Every value is percent-encoded with percent_encode (only RFC 3986 unreserved characters stay
// raw), which is safe wherever in the path, query or fragment the macro lands. Literal text is
// copied byte for byte. The result may be longer than kMaxUrlBytes when values are long.
std::string render(const UrlTemplate& tmpl, const MacroValues& values);

// render, with every query value the template writes literally shown as "***": what a partner
// postback's URL may be shown as to someone else (the affiliate's own tokens stay hidden; the
// values edgepost fills in are shown).
std::string render_masked(const UrlTemplate& tmpl, const MacroValues& values);

}  // namespace edgepost
