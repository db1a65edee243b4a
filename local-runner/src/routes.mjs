// What the runner's HTTP front routes to which function.
//
// durable: the answer waits until the run's deferred ledger writes and its events are in the
// synced ledger log (settle-run.mjs, ledger-log.mjs). A postback's or a status change's event
// is the reports' only record of it, so it is not acknowledged before it could survive a power
// cut. A click answers at once: its signed ID attributes the conversion even if its record
// and event are lost (docs/data-directory.md).
//
// notStored: the body of the 503 when the log could not be made durable, in the shape the
// route's callers read (the same as the library's and the Worker's own store_unavailable).
//
// waitsOnDisk: the run syncs files (a postback: its claims, four fsyncs) and waits for the
// ledger log's sync, so it spends most of its time waiting on the disk, not computing. The
// server lets more of these run at once than there are cores, so that their syncs overlap
// (http-server.mjs).

const CLICK = { fn: 'click', methods: ['GET', 'HEAD'], durable: false, waitsOnDisk: false };
const POSTBACK = {
  fn: 'postback', methods: ['GET', 'POST'], durable: true, waitsOnDisk: true,
  notStored: { status: 'rejected', reason: 'store_unavailable', message: 'the conversion could not be stored; retry later', duplicate: false },
};

export const ROUTES = new Map([
  ['/click', CLICK],
  ['/aff_c', CLICK],
  ['/postback', POSTBACK],
  ['/aff_lsr', POSTBACK],
]);

// The operator's status API: the library checks the token, the id and the body.
const STATUS_API = {
  prefix: '/api/conversions/',
  route: { ...POSTBACK, methods: ['POST'], notStored: { error: 'store_unavailable', message: 'the change could not be stored; retry later' } },
};

export function routeFor(path) {
  return ROUTES.get(path) ?? (path.startsWith(STATUS_API.prefix) ? STATUS_API.route : undefined);
}
