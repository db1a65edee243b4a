// The report store's own process (forked by report-store-process.mjs): DuckDB, its memory and
// its threads, and the parsing of events.log into rows, kept off the process that answers
// clicks and postbacks. Requests come over IPC as { id, method, args }; each answer is
// { id, result } or { id, error }, and a load's skipped lines come as { id, skip } meanwhile.
// It exits when its parent goes (the IPC channel closes), a kill of the parent included.

import { errorToMessage } from './thread-errors.mjs';
import { ReportStore } from './report-store.mjs';

const [file, settingsJson] = process.argv.slice(2);
const OPERATIONS = {
  load: (store, id, [logFile, options]) => store.load(logFile, { ...options, onSkip: (skip) => process.send({ id, skip }) }),
  report: (store, id, [spec]) => store.report(spec),
  history: (store, id, [transactionId]) => store.history(transactionId),
  reset: (store) => store.reset(),
  query: (store, id, [sql, values]) => store.query(sql, values),
};

let store;
try {
  store = await ReportStore.open(file, JSON.parse(settingsJson));
} catch (error) {
  process.send({ opened: false, error: errorToMessage(error) });
  process.disconnect();
}
if (store) {
  process.on('message', async ({ id, method, args }) => {
    try {
      process.send({ id, result: await OPERATIONS[method](store, id, args) });
    } catch (error) {
      process.send({ id, error: errorToMessage(error) });
    }
  });
  process.on('disconnect', async () => {
    await store.close();
    process.exit(0);
  });
  process.send({ opened: true });
}
