// Copies of the records an isolate read, for the reads the library allows a copy for (a read
// command's max_age: a click's config). A click then costs no KV read while its copies are
// young: locally three KV reads were most of the gap to a minimal JS Worker, and on Cloudflare
// each is a round trip. Absences are kept too: an offer's cap closure is usually absent.
// Bounded: past `limit` keys the oldest read goes first, so that offer ids sprayed by a client
// cannot grow an isolate's memory.
export class RecordCache {
  #entries = new Map();  // key -> { value: string | null, readAt: ms }, oldest read first
  #limit;
  #clock;

  constructor({ limit = 4096, clock = Date.now } = {}) {
    this.#limit = limit;
    this.#clock = clock;
  }

  // -> the value (or null) of each key, through fetch(keys) -> [value | null] for the keys
  // without a copy read at most maxAgeSeconds ago.
  async read(keys, maxAgeSeconds, fetch) {
    const now = this.#clock();
    const values = keys.map((key) => {
      const entry = this.#entries.get(key);
      return entry && now - entry.readAt <= maxAgeSeconds * 1000 ? entry.value : undefined;
    });
    const missing = keys.filter((key, i) => values[i] === undefined);
    if (missing.length === 0) return values;
    const found = (await fetch(missing)).map((value) => value ?? null);
    missing.forEach((key, i) => this.#remember(key, found[i], now));
    let next = 0;  // missing keeps the order of keys
    return values.map((value) => (value === undefined ? found[next++] : value));
  }

  forget(key) {
    this.#entries.delete(key);
  }

  #remember(key, value, readAt) {
    this.#entries.delete(key);
    this.#entries.set(key, { value, readAt });
    if (this.#entries.size > this.#limit) this.#entries.delete(this.#entries.keys().next().value);
  }
}
