// What a function prints on stderr for its host, beside its events (one JSON object per line):
//
//   edgepost-enqueue <postback id>           an outbox entry to deliver now (outbox-wake.mjs)
//   edgepost-expires <unix seconds> <file>   a record it wrote that expires then (expiry-index.mjs)
//
// The WASI adapter prints them (wasm/wasi/commands.cpp); takeHostLines takes them out of the
// text that goes to events.log. A line that does not parse stays in that text, where the events
// log reports it as not an event: nothing is silently dropped.

import { decodeKey } from './kv-dir.mjs';

const ENQUEUE = /^edgepost-enqueue ([0-9A-Za-z_-]{1,200})$/;
const EXPIRES = /^edgepost-expires ([1-9][0-9]{0,15}) (\S{1,240})$/;

// -> { stderr: the rest of the text, enqueued: [postback id], expiring: [{ name, expiresAt }] }
export function takeHostLines(text) {
  const stderr = String(text ?? '');
  const lines = { stderr, enqueued: [], expiring: [] };
  if (!stderr.includes('edgepost-')) return lines;
  const rest = [];
  for (const line of stderr.split('\n')) {
    const enqueue = ENQUEUE.exec(line);
    const expires = enqueue ? null : EXPIRES.exec(line);
    if (enqueue) lines.enqueued.push(enqueue[1]);
    else if (expires && decodeKey(expires[2]) !== null) lines.expiring.push({ name: expires[2], expiresAt: Number(expires[1]) });
    else rest.push(line);
  }
  lines.stderr = rest.join('\n');
  return lines;
}
