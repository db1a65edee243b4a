// The report store's tables, the same on DuckDB (the runner) and SQLite (D1, the Worker). Each
// row is keyed by the id of the event it came from, so an event loaded twice is one row.
//
//   clicks       one row per click event
//   conversions  one row per state of a conversion: its "conversion" event (sequence 0) and
//                each "status_change" (sequence n); reports read the latest state of each
//   events       every event but clicks, whole (conversions, status changes, postbacks refused
//                or repeated, partner postback attempts): what "explain" shows for an ID
//   ingest_state where loading stopped, per source, committed with the rows it covers, and
//                a fingerprint of the bytes before that position (tail)

export const SUB_COLUMNS = Object.freeze(['source', 'aff_sub', 'aff_sub2', 'aff_sub3', 'aff_sub4', 'aff_sub5']);

export const CLICK_COLUMNS = Object.freeze(['id', 'transaction_id', 'time', 'offer_id', 'aff_id', 'advertiser_id', ...SUB_COLUMNS, 'flags']);
export const CONVERSION_COLUMNS = Object.freeze(['id', 'conversion_id', 'sequence', 'transaction_id', 'time', 'recorded', 'offer_id', 'aff_id',
  'advertiser_id', 'goal', 'status', 'currency', 'revenue', 'payout', 'reason']);
export const EVENT_COLUMNS = Object.freeze(['id', 'type', 'time', 'transaction_id', 'conversion_id', 'body']);

const text = (name) => `${name} TEXT`;

export const TABLES = Object.freeze([
  `CREATE TABLE IF NOT EXISTS clicks (id TEXT PRIMARY KEY, transaction_id TEXT NOT NULL, time BIGINT NOT NULL, offer_id BIGINT NOT NULL,
    aff_id BIGINT NOT NULL, advertiser_id BIGINT, ${SUB_COLUMNS.map(text).join(', ')}, flags TEXT)`,
  // time: when the conversion happened (the advertiser's conversion_time, else when it was
  // recorded); recorded: when this state was. Money in units of 1/100000 (money.mjs).
  `CREATE TABLE IF NOT EXISTS conversions (id TEXT PRIMARY KEY, conversion_id TEXT NOT NULL, sequence BIGINT NOT NULL,
    transaction_id TEXT NOT NULL, time BIGINT NOT NULL, recorded BIGINT NOT NULL, offer_id BIGINT NOT NULL, aff_id BIGINT NOT NULL,
    advertiser_id BIGINT NOT NULL, goal TEXT NOT NULL, status TEXT NOT NULL, currency TEXT NOT NULL, revenue BIGINT NOT NULL,
    payout BIGINT NOT NULL, reason TEXT)`,
  `CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, type TEXT NOT NULL, time BIGINT NOT NULL, transaction_id TEXT,
    conversion_id TEXT, body TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ingest_state (source TEXT PRIMARY KEY, file_id TEXT NOT NULL, position BIGINT NOT NULL,
    loaded BIGINT NOT NULL, tail TEXT)`,
]);

// Where SQLite needs them to answer by range and by ID without a scan. DuckDB does without:
// its zone maps serve the ranges, and an index would slow its loading.
export const INDEXES = Object.freeze([
  'CREATE INDEX IF NOT EXISTS clicks_by_time ON clicks (time)',
  'CREATE INDEX IF NOT EXISTS clicks_by_transaction ON clicks (transaction_id)',
  'CREATE INDEX IF NOT EXISTS conversions_by_time ON conversions (time)',
  'CREATE INDEX IF NOT EXISTS conversions_by_id ON conversions (conversion_id, sequence)',
  'CREATE INDEX IF NOT EXISTS events_by_transaction ON events (transaction_id)',
]);
