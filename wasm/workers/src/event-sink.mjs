// Every event goes two ways: to the console (Workers Logs, what an operator tails) and to the
// events Queue, whose consumer loads it into D1 for reports and explain (report-store.mjs).
// The ledger and KV are the truth; events describe it. A Queue that refuses an event does not
// fail the request that emitted it: the console line keeps the event, and a problem says why.

export async function sendEvent(env, event) {
  console.log(JSON.stringify(event));
  if (!env.EVENTS_QUEUE) return;
  try {
    await env.EVENTS_QUEUE.send(event, { contentType: 'json' });
  } catch (error) {
    console.log(JSON.stringify({ type: 'error', time: Math.floor(Date.now() / 1000), what: 'event not queued for reports',
      detail: `${event.id ?? event.type}: ${String(error?.message ?? error)}` }));
  }
}
