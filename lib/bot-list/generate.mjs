// Compiles the crawler-user-agents list into C++ tables for lib/src/bot_user_agent.cpp.
//
//   node lib/bot-list/generate.mjs <bot_patterns.inc> [<bot_instances.inc>]
//
// The list is a maintained one (npm crawler-user-agents, pinned by package-lock.json); this
// script only translates it. Each pattern is parsed against the regex subset that
// lib/src/simple_regex.cpp implements, and anything outside that subset stops the build
// (exit 1): silently skipping a pattern would silently stop detecting a bot.
//
// Per entry it emits the pattern source, the range of that source holding its "required
// literal" (the longest run of plain characters every match contains, which the matcher finds
// by substring search before it looks any further) and whether the pattern is nothing but that
// literal. Entries are sorted by the first two bytes of the literal so the matcher can look up
// the candidates for each position of a user agent by binary search. The second output lists
// every example user agent of the list, for the unit tests only.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "node_modules", "crawler-user-agents");

function fail(message) {
  console.error(`generate.mjs: ${message}`);
  process.exit(1);
}

// ---- The regex subset --------------------------------------------------------------------
// alternation  := sequence ('|' sequence)*
// sequence     := (atom quantifier? | '(' alternation ')' | '^' | '$')*
// atom         := plain character | '\' punctuation | '\d' '\D' '\s' '\S' '\w' '\W' | class | '.'
// class        := '[' '^'? (character | '\' escape | character '-' character)+ ']'
// quantifier   := '*' | '+' | '?'        (greedy, on single-character atoms only)
// Everything else ({n,m}, lazy quantifiers, quantified groups, backreferences, lookarounds,
// \b, \xNN, non-ASCII) is refused. Patterns are matched against bytes, case-sensitively.

const classEscapes = new Set(["d", "D", "s", "S", "w", "W"]);
const isPunctuation = (c) => /^[!-\/:-@\[-`{-~]$/.test(c);
const isPlain = (c) => /^[\x20-\x7e]$/.test(c) && !"\\^$.|?*+()[]{}".includes(c);

function parse(pattern) {
  let i = 0;
  const where = () => `pattern ${JSON.stringify(pattern)}, offset ${i}`;
  if (!/^[\x20-\x7e]*$/.test(pattern)) fail(`non-printable or non-ASCII character in ${where()}`);

  function parseClass() {
    i++;  // '['
    if (pattern[i] === "^") i++;
    let members = 0;
    while (i < pattern.length && pattern[i] !== "]") {
      let c = pattern[i];
      if (c === "\\") {
        const e = pattern[i + 1];
        if (e === undefined || !(classEscapes.has(e) || isPunctuation(e))) {
          fail(`unsupported escape \\${e ?? ""} in a class: ${where()}`);
        }
        i += 2;
        members++;
        continue;
      }
      if (c === "[") fail(`'[' inside a class: ${where()}`);
      i++;
      if (pattern[i] === "-" && pattern[i + 1] !== undefined && pattern[i + 1] !== "]") {
        const to = pattern[i + 1];
        if (to === "\\" || to === "[" || to < c) fail(`unsupported range in ${where()}`);
        i += 2;
      }
      members++;
    }
    if (pattern[i] !== "]" || members === 0) fail(`unterminated or empty class in ${where()}`);
    i++;
  }

  // Returns {alternatives: [{start, end, items}]}; items are {kind, text?, quantified, begin, end}.
  function parseAlternation(depth) {
    const alternatives = [];
    let items = [];
    let start = i;
    for (;;) {
      if (i >= pattern.length || pattern[i] === ")") {
        alternatives.push({ start, end: i, items });
        if (pattern[i] === ")" && depth === 0) fail(`unbalanced ')' in ${where()}`);
        return { alternatives };
      }
      const c = pattern[i];
      const begin = i;
      if (c === "|") {
        alternatives.push({ start, end: i, items });
        items = [];
        i++;
        start = i;
        continue;
      }
      let item;
      if (c === "(") {
        if (pattern[i + 1] === "?") fail(`group modifiers (?...) in ${where()}`);
        i++;
        const inner = parseAlternation(depth + 1);
        if (pattern[i] !== ")") fail(`unterminated group in ${where()}`);
        i++;
        item = { kind: "group", inner };
      } else if (c === "^" || c === "$") {
        i++;
        item = { kind: "anchor" };
      } else if (c === "[") {
        parseClass();
        item = { kind: "class" };
      } else if (c === ".") {
        i++;
        item = { kind: "class" };
      } else if (c === "\\") {
        const e = pattern[i + 1];
        if (e !== undefined && classEscapes.has(e)) {
          item = { kind: "class" };
        } else if (e !== undefined && isPunctuation(e)) {
          item = { kind: "char", text: e };
        } else {
          fail(`unsupported escape \\${e ?? ""} in ${where()}`);
        }
        i += 2;
      } else if (isPlain(c)) {
        i++;
        item = { kind: "char", text: c };
      } else {
        fail(`unsupported syntax '${c}' in ${where()}`);
      }
      if ("*+?".includes(pattern[i] ?? "x")) {
        if (item.kind === "group" || item.kind === "anchor") {
          fail(`quantified group or anchor in ${where()}`);
        }
        i++;
        if ("*+?{".includes(pattern[i] ?? "x")) fail(`lazy or stacked quantifier in ${where()}`);
        item.quantified = true;
      } else if (pattern[i] === "{") {
        fail(`counted repetition {n,m} in ${where()}`);
      }
      item.begin = begin;
      item.end = i;
      items.push(item);
    }
  }

  const parsed = parseAlternation(0);
  if (i !== pattern.length) fail(`unbalanced ')' in ${where()}`);
  return parsed;
}

// The required literal of one top-level alternative: its longest run of unquantified plain
// characters (the first of equally long runs), as a range of the source, escapes included,
// and as the bytes it matches.
function requiredLiteral(alternative) {
  let best = { begin: alternative.start, end: alternative.start, text: "" };
  let run = null;
  const close = () => {
    if (run && run.text.length > best.text.length) best = run;
    run = null;
  };
  for (const item of alternative.items) {
    if (item.kind === "char" && !item.quantified) {
      if (!run) run = { begin: item.begin, end: item.begin, text: "" };
      run.end = item.end;
      run.text += item.text;
    } else {
      close();
    }
  }
  close();
  return best;
}

// ---- C++ output --------------------------------------------------------------------------

function cppString(text) {
  let out = '"';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch === "\\" || ch === '"') out += "\\" + ch;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else out += "\\" + code.toString(8).padStart(3, "0");
  }
  return out + '"';
}

function main() {
  const [patternsOut, instancesOut] = process.argv.slice(2);
  if (!patternsOut || process.argv.length > 4) {
    fail("usage: node generate.mjs <bot_patterns.inc> [<bot_instances.inc>]");
  }
  let list, version;
  try {
    list = JSON.parse(readFileSync(join(packageDir, "crawler-user-agents.json"), "utf8"));
    version = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")).version;
  } catch (error) {
    fail(`cannot read ${packageDir} (run bash tests/bootstrap.sh): ${error.message}`);
  }
  // An install older or newer than the lockfile would silently compile the wrong list.
  let pinned;
  try {
    const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));
    pinned = lock.packages["node_modules/crawler-user-agents"].version;
  } catch (error) {
    fail(`cannot read the pinned version from ${join(here, "package-lock.json")}: ${error.message}`);
  }
  if (version !== pinned) {
    fail(`crawler-user-agents ${version} is installed, the lockfile pins ${pinned}: ` +
      "run bash tests/bootstrap.sh");
  }
  if (!Array.isArray(list) || list.length === 0) fail("the list is not a non-empty array");

  const indexed = [];
  const unindexed = [];
  let regexCount = 0;
  list.forEach((entry, listIndex) => {
    const pattern = entry?.pattern;
    if (typeof pattern !== "string" || pattern === "") fail(`entry ${listIndex} has no pattern`);
    try {
      new RegExp(pattern);
    } catch (error) {
      fail(`entry ${listIndex} is not a valid regex: ${error.message}`);
    }
    for (const alternative of parse(pattern).alternatives) {
      if (alternative.start === alternative.end) {
        fail(`empty alternative in pattern ${JSON.stringify(pattern)}`);
      }
      const literal = requiredLiteral(alternative);
      const pure = alternative.items.every((item) => item.kind === "char" && !item.quantified);
      if (pattern.length > 255) fail(`pattern longer than 255 bytes: ${JSON.stringify(pattern)}`);
      const out = {
        pattern,
        ranges: [alternative.start, alternative.end, literal.begin, literal.end],
        literal: literal.text,
        listIndex,
        regexSlot: pure ? -1 : regexCount++,
      };
      (literal.text.length >= 2 ? indexed : unindexed).push(out);
    }
  });
  // Slots are int8_t in BotEntry; the list has a few dozen.
  if (regexCount > 127) fail(`${regexCount} regex entries, more than the matcher's 127 slots`);
  const key = (entry) => entry.literal.charCodeAt(0) * 256 + entry.literal.charCodeAt(1);
  indexed.sort((a, b) => key(a) - key(b) || a.listIndex - b.listIndex);

  // All patterns in list order in one string: an entry is 8 bytes (offset and length in it),
  // and the lower offset is the earlier pattern in the list.
  const offsets = [];
  let textLength = 0;
  for (const entry of list) {
    offsets.push(textLength);
    textLength += entry.pattern.length;
  }
  if (textLength > 65535) fail(`${textLength} bytes of patterns, more than 16-bit offsets reach`);
  const entryLine = (e) =>
    `    {${offsets[e.listIndex]}, ${e.pattern.length}, ${e.ranges.join(", ")}, ${e.regexSlot}},` +
    `  // ${JSON.stringify(e.pattern)}`;
  const lines = [
    `// Generated by lib/bot-list/generate.mjs from crawler-user-agents ${version}. Do not edit.`,
    "// Included by lib/src/bot_user_agent.cpp, which defines BotEntry.",
    "",
    "namespace generated {",
    "",
    `inline constexpr std::string_view kListVersion = ${cppString(version)};`,
    `inline constexpr std::size_t kListSize = ${list.length};`,
    `inline constexpr std::size_t kRegexEntryCount = ${regexCount};`,
    "",
    "// The list's patterns, in its order, one after the other.",
    `inline constexpr char kPatternText[${textLength + 1}] =`,
    ...list.map((entry, index) => `    ${cppString(entry.pattern)}  // ${index}`),
    "    ;",
    "",
    "// Sorted by the first two bytes of the required literal (key), then by list order.",
    `inline constexpr std::uint16_t kKeys[${indexed.length}] = {`,
  ];
  for (let i = 0; i < indexed.length; i += 12) {
    lines.push(
      "    " +
        indexed
          .slice(i, i + 12)
          .map((e) => `0x${key(e).toString(16).padStart(4, "0")}`)
          .join(", ") +
        ",",
    );
  }
  lines.push("};", "");
  lines.push("// {pattern offset and length in kPatternText, its alternative [begin, end), the");
  lines.push("//  required literal [begin, end) (both relative to the pattern), regex slot or -1");
  lines.push("//  for a pure literal}, in the order of kKeys");
  lines.push(`inline constexpr BotEntry kEntries[${indexed.length}] = {`);
  lines.push(...indexed.map(entryLine), "};", "");
  lines.push("// Patterns without a required literal of two bytes: tried on every user agent.");
  lines.push(`inline constexpr std::array<BotEntry, ${unindexed.length}> kUnindexed = {{`);
  lines.push(...unindexed.map(entryLine), "}};", "", "}  // namespace generated", "");
  mkdirSync(dirname(patternsOut), { recursive: true });
  writeFileSync(patternsOut, lines.join("\n"));

  if (instancesOut) {
    // The expected answer comes from JavaScript's own regex engine: the first pattern of the
    // list, in list order, that matches the example. It is usually the one the example is
    // listed under; where an earlier, broader pattern matches too, it is that one.
    const compiled = list.map((entry) => new RegExp(entry.pattern));
    const instances = [];
    list.forEach((entry, listIndex) => {
      for (const instance of entry.instances ?? []) {
        if (typeof instance !== "string") fail(`entry ${listIndex} has a non-string instance`);
        const first = compiled.findIndex((regex) => regex.test(instance));
        if (first < 0) fail(`instance ${JSON.stringify(instance)} matches no pattern`);
        instances.push(
          `    {${cppString(entry.pattern)}, ${cppString(list[first].pattern)}, ` +
            `${cppString(instance)}},`,
        );
      }
    });
    const out = [
      `// Generated by lib/bot-list/generate.mjs from crawler-user-agents ${version}. Do not edit.`,
      "// Every example user agent of the list: {pattern it is listed under, first pattern of the",
      "// list that matches it (by JavaScript's RegExp), the user agent}.",
      "// Included by tests/unit/bot_user_agent_test.cpp, which defines BotInstance.",
      "",
      `inline constexpr BotInstance kBotInstances[${instances.length}] = {`,
      ...instances,
      "};",
      "",
    ];
    mkdirSync(dirname(instancesOut), { recursive: true });
    writeFileSync(instancesOut, out.join("\n"));
  }
  console.log(
    `generate.mjs: crawler-user-agents ${version}: ${list.length} patterns, ` +
      `${indexed.length + unindexed.length} entries (${regexCount} need the regex matcher, ` +
      `${unindexed.length} without a two-byte literal)`,
  );
}

main();
