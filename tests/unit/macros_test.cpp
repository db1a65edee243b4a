#include "edgepost/macros.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "edgepost/url.hpp"

using edgepost::MacroSet;
using edgepost::MacroValues;
using edgepost::parse_url_template;
using edgepost::render;
using edgepost::TemplateError;
using edgepost::TemplateErrorCode;
using edgepost::TemplatePiece;
using edgepost::UrlTemplate;

namespace {
TemplateError template_error_of(std::string_view text, MacroSet set = MacroSet::conversion) {
  const auto parsed = parse_url_template(text, set);
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error();
}

UrlTemplate template_of(std::string_view text, MacroSet set = MacroSet::conversion) {
  auto parsed = parse_url_template(text, set);
  INFO("template: " << text);
  REQUIRE(parsed.has_value());
  return std::move(*parsed);
}

std::string render_one(std::string_view text, const std::string& name, const std::string& value) {
  return render(template_of(text), MacroValues{{name, value}});
}
}  // namespace

TEST_CASE("a URL template is literal text and canonical macro names", "[macros]") {
  const UrlTemplate tmpl =
      template_of("https://shop.example.com/land?tid={transaction_id}&s={AFF_SUB}{source}#x");
  CHECK(tmpl.pieces == std::vector<TemplatePiece>{{false, "https://shop.example.com/land?tid="},
                                                  {true, "transaction_id"},
                                                  {false, "&s="},
                                                  {true, "aff_sub"},
                                                  {true, "source"},
                                                  {false, "#x"}});
  CHECK(template_of("https://shop.example.com/").pieces ==
        std::vector<TemplatePiece>{{false, "https://shop.example.com/"}});
}

TEST_CASE("macro names are case-insensitive and aliases resolve to canonical names", "[macros]") {
  for (const char* spelling : {"{aff_sub}", "{AFF_SUB}", "{Aff_Sub}", "{aff_sub1}", "{AFF_SUB1}"}) {
    INFO("macro: " << spelling);
    const UrlTemplate tmpl = template_of(std::string("https://a.example/?s=") + spelling);
    REQUIRE(tmpl.pieces.size() == 2);
    CHECK(tmpl.pieces[1] == TemplatePiece{true, "aff_sub"});
  }
  for (const char* spelling : {"{aff_id}", "{AFF_ID}", "{affiliate_id}", "{Affiliate_ID}"}) {
    INFO("macro: " << spelling);
    const UrlTemplate tmpl = template_of(std::string("https://a.example/?a=") + spelling);
    REQUIRE(tmpl.pieces.size() == 2);
    CHECK(tmpl.pieces[1] == TemplatePiece{true, "aff_id"});
  }
}

TEST_CASE("macro sets: click macros everywhere, conversion macros in postbacks only", "[macros]") {
  const char* click[] = {"transaction_id", "offer_id",     "aff_id",   "aff_sub", "aff_sub2",
                         "aff_sub3",       "aff_sub4",     "aff_sub5", "source",  "aff_click_id",
                         "timestamp",      "affiliate_id", "aff_sub1"};
  const char* conversion[] = {"goal", "payout", "currency", "status", "conversion_id"};
  for (const char* name : click) {
    INFO("macro: " << name);
    CHECK(edgepost::is_known_macro(name, MacroSet::click));
    CHECK(edgepost::is_known_macro(name, MacroSet::conversion));
    const std::string text = std::string("https://a.example/?v={") + name + "}";
    CHECK(parse_url_template(text, MacroSet::click).has_value());
    CHECK(parse_url_template(text, MacroSet::conversion).has_value());
  }
  for (const char* name : conversion) {
    INFO("macro: " << name);
    CHECK_FALSE(edgepost::is_known_macro(name, MacroSet::click));
    CHECK(edgepost::is_known_macro(name, MacroSet::conversion));
    const std::string text = std::string("https://a.example/?v={") + name + "}";
    CHECK(template_error_of(text, MacroSet::click).code == TemplateErrorCode::unknown_macro);
    CHECK(parse_url_template(text, MacroSet::conversion).has_value());
  }
  CHECK(edgepost::is_known_macro("PAYOUT", MacroSet::conversion));
  // Only the DESIGN list: no names invented from other platforms.
  for (const char* name : {"aff_sub6", "aff_sub0", "adv_sub", "amount", "click_id", "sub1",
                           "transaction", "aff_sub_2", "", " aff_sub", "aff_sub "}) {
    INFO("macro: '" << name << "'");
    CHECK_FALSE(edgepost::is_known_macro(name, MacroSet::conversion));
  }
}

TEST_CASE("unknown macro template error names the macro and its offset", "[macros]") {
  const std::string text = "https://a.example/pb?s={aff_sub}{aff_sub6}";
  const TemplateError error = template_error_of(text);
  CHECK(error.code == TemplateErrorCode::unknown_macro);
  CHECK(error.offset == 32);
  CHECK(error.detail == "aff_sub6");
  CHECK(edgepost::describe(error) == "unknown macro {aff_sub6} at byte 32");

  const TemplateError payout = template_error_of("https://a.example/?p={Payout}", MacroSet::click);
  CHECK(payout.offset == 21);
  CHECK(payout.detail == "Payout");
  CHECK(edgepost::describe(payout) ==
        "macro {Payout} at byte 21 is only available in partner postbacks");
}

TEST_CASE("template brace errors: unclosed, stray, empty and nested", "[macros]") {
  const TemplateError unclosed = template_error_of("https://a.example/?s={aff_sub");
  CHECK(unclosed.code == TemplateErrorCode::unclosed_brace);
  CHECK(unclosed.offset == 21);
  CHECK(edgepost::describe(unclosed) == "'{' without a closing '}' at byte 21");

  const TemplateError stray = template_error_of("https://a.example/?s=aff_sub}");
  CHECK(stray.code == TemplateErrorCode::stray_brace);
  CHECK(stray.offset == 28);
  CHECK(edgepost::describe(stray) == "'}' without an opening '{' at byte 28");

  const TemplateError empty = template_error_of("https://a.example/?s={}");
  CHECK(empty.code == TemplateErrorCode::empty_macro);
  CHECK(empty.offset == 21);
  CHECK(edgepost::describe(empty) == "empty macro {} at byte 21");

  // Nesting: the outer '{' is unclosed, whatever follows.
  CHECK(template_error_of("https://a.example/?s={a{aff_sub}}").code ==
        TemplateErrorCode::unclosed_brace);
  CHECK(template_error_of("https://a.example/?s={a{aff_sub}}").offset == 21);
  CHECK(template_error_of("https://a.example/?s={{aff_sub}}").offset == 21);
  CHECK(template_error_of("https://a.example/?s={aff_sub}}").code ==
        TemplateErrorCode::stray_brace);
  CHECK(template_error_of("https://a.example/?s={aff_sub}}").offset == 30);
  CHECK(template_error_of("https://a.example/?s={").code == TemplateErrorCode::unclosed_brace);
  CHECK(template_error_of("}https://a.example/").code == TemplateErrorCode::stray_brace);
}

TEST_CASE("a macro in the scheme, userinfo, host or port is a template error", "[macros]") {
  const TemplateError host = template_error_of("https://{aff_sub}/");
  CHECK(host.code == TemplateErrorCode::macro_in_host);
  CHECK(host.offset == 8);
  CHECK(host.detail == "aff_sub");
  CHECK(
      edgepost::describe(host) ==
      "macro {aff_sub} at byte 8 is in the scheme, host or port; macros may only follow the host");

  for (const char* text :
       {"{source}://a.example/", "http{source}://a.example/", "https://{aff_sub}.example/",
        "https://shop.{aff_sub}/", "https://shop.example.com{aff_sub}",
        "https://shop.example.com{aff_sub}/", "https://shop.example.com:{aff_sub}/",
        "https://shop.example.com:8{offer_id}/", "https://{aff_sub}@shop.example.com/",
        "https://shop.example.com\\{aff_sub}", "https://{aff_sub}", "{aff_sub}",
        "shop.example.com/{aff_sub}", "https:/{aff_sub}/x", "https://[::{aff_sub}]/"}) {
    INFO("template: " << text);
    CHECK(template_error_of(text).code == TemplateErrorCode::macro_in_host);
  }
  // Right after the authority is fine, including as the whole path, query or fragment.
  for (const char* text :
       {"https://shop.example.com/{aff_sub}", "https://shop.example.com?{aff_sub}",
        "https://shop.example.com#{aff_sub}", "http://[::1]:8080/{aff_sub}"}) {
    INFO("template: " << text);
    CHECK(parse_url_template(text, MacroSet::click).has_value());
  }
}

TEST_CASE("a template must be a valid URL once macros are replaced", "[macros]") {
  const TemplateError ftp = template_error_of("ftp://files.example/{aff_sub}");
  CHECK(ftp.code == TemplateErrorCode::invalid_url);
  CHECK(ftp.offset == 0);
  CHECK(ftp.detail == "not an absolute http:// or https:// URL");
  CHECK(edgepost::describe(ftp) == "not a valid URL: not an absolute http:// or https:// URL");

  for (const char* text :
       {"", "https:///{aff_sub}", "https://shop.example.com:0/", "https://u@shop.example.com/",
        "https://shop.example.com/{aff_sub} x", "https://shop.example.com/\\{aff_sub}",
        // A macro must not complete a half-written escape.
        "https://shop.example.com/%{aff_sub}", "https://shop.example.com/%4{aff_sub}"}) {
    INFO("template: " << text);
    CHECK(template_error_of(text).code == TemplateErrorCode::invalid_url);
  }
  const std::string long_text = "https://shop.example.com/" + std::string(2100, 'a');
  CHECK(template_error_of(long_text).detail == "longer than 2048 bytes");
}

TEST_CASE("rendering a template keeps literal text byte for byte", "[macros]") {
  const std::string text =
      "HTTPS://Shop.Example.com:8443/A/%7e/b;p=1/(x)!?q=%2F&empty=&tid={transaction_id}&n=*'$,#F/?";
  const UrlTemplate tmpl = template_of(text);
  CHECK(render(tmpl, {{"transaction_id", "abc123"}}) ==
        "HTTPS://Shop.Example.com:8443/A/%7e/b;p=1/(x)!?q=%2F&empty=&tid=abc123&n=*'$,#F/?");
  CHECK(render(template_of("https://a.example/"), {{"aff_sub", "x"}}) == "https://a.example/");
}

TEST_CASE("rendering a template percent-encodes every value", "[macros]") {
  const std::string tmpl = "https://a.example/?s={aff_sub}";
  CHECK(render_one(tmpl, "aff_sub", "AZaz09-._~") == "https://a.example/?s=AZaz09-._~");
  CHECK(render_one(tmpl, "aff_sub", " !\"#$%&'()*+,/:;<=>?@[\\]^`{|}") ==
        "https://a.example/?s=%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%"
        "5C%5D%5E%60%7B%7C%7D");
  CHECK(render_one(tmpl, "aff_sub", "\r\nLocation: x") ==
        "https://a.example/?s=%0D%0ALocation%3A%20x");
  CHECK(render_one(tmpl, "aff_sub", std::string("\0\t\x7F", 3)) ==
        "https://a.example/?s=%00%09%7F");
  CHECK(render_one(tmpl, "aff_sub", "caf\xC3\xA9 \xE2\x82\xAC") ==
        "https://a.example/?s=caf%C3%A9%20%E2%82%AC");
  CHECK(render_one(tmpl, "aff_sub", "%41") == "https://a.example/?s=%2541");
  CHECK(render_one(tmpl, "aff_sub", "..") == "https://a.example/?s=..");
}

TEST_CASE("rendering a template: missing values are empty, the first value wins", "[macros]") {
  const UrlTemplate tmpl = template_of("https://a.example/{offer_id}?a={aff_id}&s={aff_sub}");
  CHECK(render(tmpl, {}) == "https://a.example/?a=&s=");
  CHECK(render(tmpl, {{"aff_id", "7"}, {"aff_id", "8"}, {"offer_id", "12"}}) ==
        "https://a.example/12?a=7&s=");
  // Values are looked up by canonical name only: callers never pass aliases or other cases.
  CHECK(render(tmpl, {{"affiliate_id", "7"}, {"AFF_SUB", "x"}}) == "https://a.example/?a=&s=");
  const UrlTemplate postback = template_of(
      "https://net.example/pb?click={aff_click_id}&p={payout}&c={CURRENCY}&st={status}&g={goal}"
      "&cv={conversion_id}&t={timestamp}");
  CHECK(render(postback, {{"aff_click_id", "ABC"},
                          {"payout", "1.50"},
                          {"currency", "EUR"},
                          {"status", "approved"},
                          {"goal", "sale"},
                          {"conversion_id", "c1"},
                          {"timestamp", "1700000000"}}) ==
        "https://net.example/pb?click=ABC&p=1.50&c=EUR&st=approved&g=sale&cv=c1&t=1700000000");
}

TEST_CASE("no macro value can change the rendered URL's scheme, host or port", "[macros]") {
  const char* templates[] = {
      "https://shop.example.com/{aff_sub}",
      "https://shop.example.com/{aff_sub}/{aff_sub}",
      "https://shop.example.com?{aff_sub}",
      "https://shop.example.com#{aff_sub}",
      "http://shop.example.com:8080/land?s={aff_sub}&t={aff_sub}",
      "https://[2001:db8::1]:8443/{aff_sub}",
      "https://shop.example.com/r?url=https://{aff_sub}",
      "https://shop.example.com//{aff_sub}",
      "https://shop.example.com/%2F{aff_sub}",
  };
  const std::string values[] = {
      "/",
      "//evil.example",
      "/\\evil.example",
      "@evil.example",
      "x@evil.example:1/",
      "\\",
      "\\\\evil.example",
      "%",
      "%2F%2Fevil.example",
      "?",
      "#",
      "#@evil.example",
      "\r\nLocation: https://evil.example/",
      "..",
      "../../..",
      "evil.example",
      ":1",
      "[::1]",
      "https://evil.example/",
      "\xEF\xBC\x8F\xEF\xBC\x8F"
      "evil.example",  // fullwidth solidus, folded to '/' by some
      "\xE2\x80\xAE"
      "elpmaxe.live",  // right-to-left override
      std::string("\0evil", 5),
      std::string(200, '/'),  // * 3 * 2 stays below kMaxUrlBytes
  };
  for (const char* text : templates) {
    const UrlTemplate tmpl = template_of(text);
    const std::string empty = render(tmpl, {});
    const auto expected = edgepost::parse_http_url(empty);
    REQUIRE(expected.has_value());
    const std::string authority = empty.substr(0, empty.size() - expected->rest.size());
    for (const std::string& value : values) {
      const std::string url = render(tmpl, {{"aff_sub", value}});
      INFO("template: " << text << "\nrendered: " << url);
      const auto parsed = edgepost::parse_http_url(url);
      REQUIRE(parsed.has_value());
      CHECK(parsed->scheme == expected->scheme);
      CHECK(parsed->host == expected->host);
      CHECK(parsed->port == expected->port);
      // The text up to the end of the authority is the template's, byte for byte.
      CHECK(url.substr(0, url.size() - parsed->rest.size()) == authority);
    }
  }
}

TEST_CASE("a rendered template can outgrow the URL limit: callers check it", "[macros]") {
  const UrlTemplate tmpl = template_of("https://shop.example.com/?s={aff_sub}");
  const std::string url = render(tmpl, {{"aff_sub", std::string(700, '/')}});
  CHECK(url.size() == 28 + 2100);
  CHECK(edgepost::parse_http_url(url).error() == edgepost::UrlError::too_long);
}

TEST_CASE("a masked render hides the query values the template writes, shows those it fills",
          "[macros]") {
  const MacroValues values{{"transaction_id", "t 1"}, {"payout", "4.00"}};
  const auto masked = [&](std::string_view text) {
    return edgepost::render_masked(template_of(text), values);
  };
  CHECK(masked("https://a.example/pb?tx={transaction_id}&secret=XYZ&p={payout}") ==
        "https://a.example/pb?tx=t%201&secret=***&p=4.00");
  // A value part literal, part filled; a name without a value; a fragment; no query at all.
  CHECK(masked("https://a.example/pb?k=ab{payout}cd&flag&x=1#frag=2") ==
        "https://a.example/pb?k=***4.00***&flag&x=***#frag=2");
  CHECK(masked("https://a.example/p/{transaction_id}") == "https://a.example/p/t%201");
  // Unmasked, the same template renders its literal values.
  CHECK(render(template_of("https://a.example/pb?secret=XYZ&p={payout}"), values) ==
        "https://a.example/pb?secret=XYZ&p=4.00");
}
