// What the runner does with a function's run before its answer may go out.
//
// A durable route (routes.mjs: a postback, a status change) promises with its answer that the
// run's deferred ledger writes and its events survive a power cut. So: both are appended to
// the ledger log and synced, one sync for every run that finished meanwhile
// (ledger-log.mjs); only then are the run's puts written into kv/ and its events into
// events.log (both unsynced: the log holds them), and the outbox woken for the entries it
// queued. Other runs (a click) append their events and answer at once.
//
// -> true when what the run did is durable as its route promises; false (the answer is then a
// 503, and the advertiser's retry completes what is stored) when the ledger log failed.

export async function settleRun({ run, source, ledger, events, heard, durable, errorLog }) {
  const writes = run.ledger ?? { records: [], lines: [], malformed: 0 };
  const lines = events.eventLines(source, run.stderr);
  let stored = true;
  if (durable || writes.records.length > 0 || writes.malformed > 0) {
    try {
      if (!ledger) throw new Error('this host keeps no ledger log');
      // Such a line stays in the run's stderr, which the events log reports; the run's answer
      // would rest on a write the log cannot replay.
      if (writes.malformed) throw new Error(`${writes.malformed} ledger lines are not writes`);
      ledger.append(writes, lines);
      await ledger.durable();
      ledger.apply(writes.records);
    } catch (error) {
      errorLog(`error: ${source}: ledger log not on disk: ${error.message}`);
      stored = false;
    }
  }
  // Also when the log failed: these events belong to writes the function made in kv/, and a
  // retry emits them again with the same ids.
  await events.appendLines(lines);
  heard({ expiring: run.expiring ?? [], enqueued: stored ? run.enqueued ?? [] : [] });
  return stored;
}
