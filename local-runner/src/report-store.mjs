// DATA/reports.duckdb: the report store of the runner, an embedded DuckDB database loaded from
// events.log. The log is the source of truth: the database can be deleted and rebuilt from it
// at any time (`cli.mjs reports rebuild`). Loading resumes where it stopped: each batch's rows
// and the log position after it are committed in one transaction, so a process killed mid-batch
// loses nothing and, rows being keyed by event id, doubles nothing.

import { rowsFromEvent } from '../../analytics/src/event-rows.mjs';
import { EXPLAIN_QUERIES } from '../../analytics/src/explain.mjs';
import { reportQueries } from '../../analytics/src/report-sql.mjs';
import { buildReport } from '../../analytics/src/report-table.mjs';
import { CLICK_COLUMNS, CONVERSION_COLUMNS, EVENT_COLUMNS, TABLES } from '../../analytics/src/schema.mjs';
import { logIdentity, readLines, tailFingerprint } from './events-log-reader.mjs';

const SOURCE = 'events.log';
const BATCH_BYTES = 4 * 1024 * 1024;

const STAGED = [
  { table: 'clicks', columns: CLICK_COLUMNS },
  { table: 'conversions', columns: CONVERSION_COLUMNS },
  { table: 'events', columns: EVENT_COLUMNS },
];
const INTEGER_COLUMNS = new Set(['time', 'offer_id', 'aff_id', 'advertiser_id', 'sequence', 'recorded', 'revenue', 'payout']);

export class ReportStoreBusyError extends Error {
  name = 'ReportStoreBusyError';
}

export class ReportStore {
  #connection;
  #instance;
  #tail = Promise.resolve();  // one operation at a time on the connection

  constructor(instance, connection) {
    this.#instance = instance;
    this.#connection = connection;
  }

  // file: the database file (created if needed); settings: DuckDB's, as strings
  // ({ memory_limit: '256MB' }). Throws ReportStoreBusyError when another process has it open
  // (a running serve).
  static async open(file, settings = {}) {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    let instance;
    try {
      instance = await DuckDBInstance.create(file, settings);
    } catch (error) {
      if (/lock/i.test(error.message)) throw new ReportStoreBusyError(`${file} is open in another process (a running serve?)`);
      throw error;
    }
    const connection = await instance.connect();
    for (const sql of TABLES) await connection.run(sql);
    // Databases made before the tail fingerprint: their stored position is not trusted (no
    // tail), so their next load reads the log from its start once.
    await connection.run('ALTER TABLE ingest_state ADD COLUMN IF NOT EXISTS tail TEXT');
    for (const { table } of STAGED) await connection.run(`CREATE TEMP TABLE stage_${table} AS SELECT * FROM ${table} LIMIT 0`);
    return new ReportStore(instance, connection);
  }

  // Loads what events.log holds beyond the position committed last. -> { loaded, skipped }
  // (events added; lines that are no event, each reported through onSkip(reason)).
  load(logFile, { batchBytes = BATCH_BYTES, onSkip = () => {} } = {}) {
    return this.#serially(() => this.#load(logFile, batchBytes, onSkip));
  }

  // spec: from parseReportRequest. -> the report (report-table.mjs).
  report(spec) {
    return this.#serially(async () => {
      const queries = reportQueries(spec);
      const clicks = queries.clicks === null ? null : await this.#rows(queries.clicks);
      return buildReport(spec, clicks, await this.#rows(queries.conversions));
    });
  }

  // -> { clicks, events }: the rows explain needs of one transaction ID (lowercase).
  history(transactionId) {
    return this.#serially(async () => ({
      clicks: await this.#rows(EXPLAIN_QUERIES.clicks, [transactionId]),
      events: await this.#rows(EXPLAIN_QUERIES.events, [transactionId]),
    }));
  }

  // Empties every table and forgets the log position: the next load reads the log whole.
  reset() {
    return this.#serially(async () => {
      await this.#connection.run('BEGIN TRANSACTION');
      try {
        for (const table of [...STAGED.map(({ table }) => table), 'ingest_state']) await this.#connection.run(`DELETE FROM ${table}`);
        await this.#connection.run('COMMIT');
      } catch (error) {
        await this.#connection.run('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  // -> [{ column: value }] for a read-only SQL text (tests).
  query(sql, values) {
    return this.#serially(() => this.#rows(sql, values));
  }

  async close() {
    await this.#tail;
    this.#connection.closeSync();
    this.#instance.closeSync?.();
  }

  #serially(operation) {
    const result = this.#tail.then(operation);
    this.#tail = result.catch(() => {});
    return result;
  }

  async #rows(sql, values) {
    const reader = await this.#connection.runAndReadAll(sql, values);
    return reader.getRowObjects();
  }

  async #load(logFile, batchBytes, onSkip) {
    const log = await logIdentity(logFile);
    if (log === null) return { loaded: 0, skipped: 0 };
    let position = await this.#resumeAt(logFile, log);
    let loaded = 0;
    let skipped = 0;
    for (;;) {
      const batch = await readLines(logFile, position, batchBytes, {
        onLongLine: (at, length) => {
          skipped += 1;
          onSkip(`${SOURCE} at byte ${at}: a line of ${length} bytes, longer than any event`);
        },
      });
      if (batch.next === position) break;
      const staged = { clicks: [], conversions: [], events: [] };
      for (const line of batch.lines) {
        if (line.trim() === '') continue;
        const parsed = parseEvent(line);
        if (parsed.skip) {
          skipped += 1;
          onSkip(parsed.skip);
          continue;
        }
        for (const { table, row } of parsed.rows) staged[table].push(row);
      }
      loaded += await this.#commit(staged, log.fileId, batch.next, await tailFingerprint(logFile, batch.next));
      position = batch.next;
      // What was appended since the load began waits for the next load: chasing a log that
      // grows under load made one "load" a minute of small transactions, a core's worth of CPU.
      if (position >= log.size) break;
    }
    return { loaded, skipped };
  }

  // Where the last load stopped, if the log is the same file (its identity) and still holds the
  // same bytes before that position (its tail); else its start: a replaced, truncated or, after
  // a power cut, rewritten log. Rows already loaded are recognised by their event ids.
  async #resumeAt(logFile, log) {
    const [state] = await this.#rows('SELECT file_id, position, tail FROM ingest_state WHERE source = ?', [SOURCE]);
    if (!state || state.file_id !== log.fileId) return 0;
    const position = Number(state.position);
    if (position > log.size) return 0;
    return state.tail === await tailFingerprint(logFile, position) ? position : 0;
  }

  // Appends the rows to the staging tables, then moves them, with the new position, in one
  // transaction. -> events added (repeats of loaded events are not).
  async #commit(staged, fileId, position, tail) {
    const connection = this.#connection;
    try {
      for (const { table, columns } of STAGED) await this.#stage(`stage_${table}`, columns, staged[table]);
      await connection.run('BEGIN TRANSACTION');
      let added = 0;
      for (const { table } of STAGED) {
        const inserted = (await connection.run(`INSERT OR IGNORE INTO ${table} SELECT * FROM stage_${table}`)).rowsChanged;
        // Every event is one row of clicks or of events (a conversion's other row aside).
        if (table !== 'conversions') added += inserted;
      }
      await connection.run('INSERT OR REPLACE INTO ingest_state (source, file_id, position, loaded, tail) VALUES (?, ?, ?, ?, ?)',
        [SOURCE, fileId, position, added, tail]);
      await connection.run('COMMIT');
      return added;
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      for (const { table } of STAGED) await connection.run(`DELETE FROM stage_${table}`).catch(() => {});
    }
  }

  async #stage(table, columns, rows) {
    if (rows.length === 0) return;
    const appender = await this.#connection.createAppender(table, 'main', 'temp');
    for (const row of rows) {
      for (const column of columns) {
        const value = row[column];
        if (value === null || value === undefined) appender.appendNull();
        else if (INTEGER_COLUMNS.has(column)) appender.appendBigInt(BigInt(value));
        else appender.appendVarchar(value);
      }
      appender.endRow();
    }
    appender.closeSync();
  }
}

function parseEvent(line) {
  let event;
  try {
    event = JSON.parse(line);
  } catch {
    return { skip: `${SOURCE}: a line that is not JSON: ${line.slice(0, 80)}` };
  }
  return rowsFromEvent(event);
}
