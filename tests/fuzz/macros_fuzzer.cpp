// URL templates: parse arbitrary text, render with arbitrary values, and check that no value
// moves the URL to another scheme, host or port.
// Input: TEMPLATE \n then NAME=VALUE lines (names as written in templates, any case or alias).
#include <cstddef>
#include <cstdint>
#include <string>

#include "edgepost/macros.hpp"
#include "edgepost/url.hpp"
#include "fuzz_input.hpp"

namespace {

constexpr const char* kMacroNames[] = {
    "transaction_id", "offer_id", "aff_id", "aff_sub",      "aff_sub2",  "aff_sub3",
    "aff_sub4",       "aff_sub5", "source", "aff_click_id", "timestamp", "goal",
    "payout",         "currency", "status", "conversion_id"};

void check(const edgepost::UrlTemplate& tmpl, const edgepost::MacroValues& values) {
  // The template's own address: every macro rendered as a harmless value.
  edgepost::MacroValues plain;
  for (const char* name : kMacroNames) plain.emplace_back(name, "x");
  const auto reference = edgepost::parse_http_url(edgepost::render(tmpl, plain));
  fuzz::require(reference.has_value());

  const std::string rendered = edgepost::render(tmpl, values);
  const auto url = edgepost::parse_http_url(rendered);
  if (!url) {
    // Rendering cannot fail; only the length limit may be crossed by long values.
    fuzz::require(url.error() == edgepost::UrlError::too_long);
    return;
  }
  fuzz::require(url->scheme == reference->scheme);
  fuzz::require(url->host == reference->host);
  fuzz::require(url->port == reference->port);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input input(data, size);
  const std::string_view text = input.line();
  edgepost::MacroValues values;
  while (!input.rest().empty()) {
    const std::string_view line = input.line();
    const std::size_t equals = line.find('=');
    const std::string_view name = line.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view{} : line.substr(equals + 1);
    // render() takes canonical names; the fuzzer may write any spelling of one.
    values.emplace_back(std::string(name), std::string(value));
    if (name.find_first_of("{}") != std::string_view::npos) continue;
    const auto as_template = edgepost::parse_url_template(
        "https://a.example/{" + std::string(name) + "}", edgepost::MacroSet::conversion);
    if (as_template && as_template->pieces.size() == 2) {
      values.emplace_back(as_template->pieces[1].text, std::string(value));
    }
  }

  for (const edgepost::MacroSet set : {edgepost::MacroSet::click, edgepost::MacroSet::conversion}) {
    const auto tmpl = edgepost::parse_url_template(text, set);
    if (!tmpl) {
      (void)edgepost::describe(tmpl.error());
      continue;
    }
    fuzz::require(!tmpl->pieces.empty() && !tmpl->pieces.front().is_macro);
    check(*tmpl, values);
  }
  return 0;
}
