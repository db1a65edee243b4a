// What a function prints on stderr for its host, beside its events (one JSON object per line):
//
//   edgepost-enqueue <postback id>           an outbox entry to deliver now (outbox-wake.mjs)
//   edgepost-expires <unix seconds> <file>   a record it wrote that expires then (expiry-index.mjs)
//   edgepost-ledger <JSON>                   a ledger write to make durable by the answer
//                                            (ledger-log.mjs)
//
// The WASI adapter prints them (wasm/wasi/commands.cpp); takeHostLines takes them out of the
// text that goes to events.log. A line that does not parse stays in that text, where the events
// log reports it as not an event: nothing is silently dropped.

import { decodeKey } from './kv-dir.mjs';
import { parseLedgerLine } from './ledger-log.mjs';

const ENQUEUE = /^edgepost-enqueue ([0-9A-Za-z_-]{1,200})$/;
const EXPIRES = /^edgepost-expires ([1-9][0-9]{0,15}) (\S{1,240})$/;
const LEDGER = 'edgepost-ledger ';

// -> { stderr: the rest of the text, enqueued: [postback id], expiring: [{ name, expiresAt }],
//      ledger: { records: [write], lines: [its JSON text], malformed: ledger lines that are not a write } }
export function takeHostLines(text) {
  const stderr = String(text ?? '');
  const lines = { stderr, enqueued: [], expiring: [], ledger: { records: [], lines: [], malformed: 0 } };
  if (!stderr.includes('edgepost-')) return lines;
  const rest = [];
  for (const line of stderr.split('\n')) {
    const ledger = line.startsWith(LEDGER) ? parseLedgerLine(line.slice(LEDGER.length)) : null;
    if (line.startsWith(LEDGER) && !ledger) lines.ledger.malformed += 1;
    const enqueue = ledger ? null : ENQUEUE.exec(line);
    const expires = ledger || enqueue ? null : EXPIRES.exec(line);
    if (ledger) {
      lines.ledger.records.push(ledger);
      lines.ledger.lines.push(line.slice(LEDGER.length));
    } else if (enqueue) lines.enqueued.push(enqueue[1]);
    else if (expires && decodeKey(expires[2]) !== null) lines.expiring.push({ name: expires[2], expiresAt: Number(expires[1]) });
    else rest.push(line);
  }
  lines.stderr = rest.join('\n');
  return lines;
}
